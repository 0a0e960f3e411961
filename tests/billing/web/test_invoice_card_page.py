"""The invoice card (I2–I9, X1): allowed actions only, every action through its service, refusals
shown at their field with nothing changed."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from dealbook.billing.models import ClosingDocument, Invoice, InvoiceLine, Payment, SellerSettings
from dealbook.billing.services import invoice_send
from tests.billing.conftest import SEED_TOTAL, make_invoice, snapshot

pytestmark = pytest.mark.django_db


def card_url(invoice):
    return f"/invoices/{invoice.pk}/"


def act(client, invoice, action, data=None, **headers):
    return client.post(f"/invoices/{invoice.pk}/do/{action}/", data or {}, **headers)


def status_of(invoice):
    return Invoice.objects.get(pk=invoice.pk).status


def test_card_renders_for_the_roles_that_see_the_invoice(w, client_as, invoice):
    """R1/R2: the manager, the group's head and accounting open it; another group's manager gets a
    404 (as if it did not exist); an operator has no billing (403)."""
    for user in (w.manager, w.head, w.director, w.accountant):
        response = client_as(user).get(card_url(invoice))
        assert response.status_code == 200, user.role
        assert invoice.number in response.content.decode()
    assert client_as(w.outsider).get(card_url(invoice)).status_code == 404
    assert act(client_as(w.outsider), invoice, "issue").status_code == 404
    assert client_as(w.operator).get(card_url(invoice)).status_code == 403


def test_card_shows_payer_payment_form_lines_and_only_allowed_actions(w, client_as, invoice):
    """I2: a payer company means bank transfer; New offers issue/delete and the line editor, not
    approve (approver only) or refund."""
    html = client_as(w.manager).get(card_url(invoice)).content.decode()
    assert 'data-payment-form="bank_transfer"' in html
    assert "Кольцо стеновое КС 10-3" in html and "Add a product" in html
    assert "/do/issue/" in html and 'id="delete-dialog"' in html
    assert "/do/approve/" not in html and 'id="refund-dialog"' not in html
    assert "Copy public link" in html and f"/i/{invoice.public_token}/" in html


def test_contact_payer_means_cash(w, client_as, invoice, htmx):
    """I2: with the company removed and a contact as payer, the payment form becomes cash."""
    response = act(
        client_as(w.manager), invoice, "payer", {"payer_company": "", "payer_contact": w.roman.pk}, **htmx
    )
    assert response.status_code == 200
    assert 'data-payment-form="cash"' in response.content.decode()
    assert Invoice.objects.get(pk=invoice.pk).payment_form == "cash"


def test_issue_calls_the_service_and_swaps_the_card(w, client_as, invoice, htmx):
    """I5: Issue → Sent; an htmx request gets the card part back with a toast."""
    response = act(client_as(w.manager), invoice, "issue", **htmx)
    assert response.status_code == 200
    assert status_of(invoice) == "sent"
    html = response.content.decode()
    assert html.startswith('<div id="invoice"') and 'data-status="sent"' in html
    assert "toast" in response["HX-Trigger"]


def test_issue_without_confirmed_parties_is_refused_at_the_field(w, client_as, htmx):
    """I4: not confirmed → refused, the message under the parties block; nothing changes."""
    invoice = make_invoice(w, confirmed=False)
    before = snapshot()
    response = act(client_as(w.manager), invoice, "issue", **htmx)
    assert response.status_code == 409 and response["X-Form-Errors"] == "1"
    html = response.content.decode()
    parties = html.split('id="invoice-parties"')[1].split("</section>")[0]
    assert "supplier" in parties and 'role="alert"' in parties
    assert snapshot() == before


def test_editing_lines_after_issue_is_refused_with_the_message(w, client_as, invoice, htmx):
    """I3: once the invoice left New, a line edit is refused with the rule's message; the line keeps
    its quantity and the card no longer offers the editor."""
    invoice_send(actor=w.manager, invoice=invoice)
    line = InvoiceLine.objects.filter(invoice=invoice).first()
    client = client_as(w.manager)
    response = act(client, invoice, "line_update", {"line_id": line.pk, "quantity": "5"}, **htmx)
    assert response.status_code == 409
    assert "only a New invoice can be edited" in response.content.decode()
    assert InvoiceLine.objects.get(pk=line.pk).quantity == line.quantity
    html = client.get(card_url(invoice)).content.decode()
    assert "Add a product" not in html and "cancel it and issue a new one" in html


def test_line_editor_while_new(w, client_as, invoice, htmx):
    """I3/P4: while New a line's quantity changes and the totals follow; a line is added and removed."""
    client = client_as(w.manager)
    line = InvoiceLine.objects.filter(invoice=invoice, product=w.ring).first()
    act(client, invoice, "line_update", {"line_id": line.pk, "quantity": "4"}, **htmx)
    assert Invoice.objects.get(pk=invoice.pk).total == SEED_TOTAL + Decimal("700.00")
    act(client, invoice, "line_add", {"product": w.block.pk, "quantity": "1"}, **htmx)
    assert InvoiceLine.objects.filter(invoice=invoice).count() == 3
    act(client, invoice, "line_remove", {"line_id": line.pk}, **htmx)
    assert InvoiceLine.objects.filter(invoice=invoice).count() == 2
    bad = act(client, invoice, "line_add", {"product": "", "quantity": "1"}, **htmx)
    assert bad.status_code == 400 and "Choose a product from the catalog." in bad.content.decode()


def test_payment_mismatch_is_shown_and_not_accepted(w, client_as, invoice, htmx):
    """I6: "record and mark paid" with 3 000.00 of 4 000.00: the difference is shown at the amount,
    no payment is recorded, the invoice stays unpaid."""
    before = snapshot()
    response = act(client_as(w.manager), invoice, "payment", {"amount": "3000.00", "mark_paid": "1"}, **htmx)
    assert response.status_code == 409
    html = response.content.decode()
    form = html.split('id="payment-form"')[1].split("</form>")[0]
    assert "1 000.00 RUB is missing" in form and 'id="pay-amount-error"' in form
    assert snapshot() == before


def test_partial_then_full_payment_and_mark_paid(w, client_as, invoice, htmx):
    """M1/I6: a partial payment is recorded (balance shown); "mark paid" is refused until the rest
    comes in; then Paid."""
    client = client_as(w.manager)
    act(client, invoice, "payment", {"amount": "1500.00", "reference": "п/п 1"}, **htmx)
    assert Payment.objects.count() == 1 and status_of(invoice) == "new"
    refused = act(client, invoice, "mark_paid", **htmx)
    assert refused.status_code == 409 and "is missing" in refused.content.decode()
    over = act(client, invoice, "payment", {"amount": "2600.00"}, **htmx)
    assert over.status_code == 409 and "over-covers" in over.content.decode()
    done = act(client, invoice, "payment", {"amount": "2500.00", "mark_paid": "1"}, **htmx)
    assert done.status_code == 200 and status_of(invoice) == "paid"
    assert 'data-status="paid"' in done.content.decode()


def test_delete_draft_needs_the_confirmation(w, client_as, htmx):
    """I9: without the tick nothing is deleted and the dialog says why; with it the draft goes and the
    browser is sent back to the list."""
    invoice = make_invoice(w)
    client = client_as(w.manager)
    refused = act(client, invoice, "delete", **htmx)
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "Confirm that the draft invoice is to be deleted." in html.split('id="delete-dialog"')[1]
    assert Invoice.objects.filter(pk=invoice.pk).exists()
    done = act(client, invoice, "delete", {"confirmed": "1"}, **htmx)
    assert done.status_code == 204 and done["HX-Redirect"] == "/invoices/"
    assert not Invoice.objects.filter(pk=invoice.pk).exists()


def test_issued_invoice_cannot_be_deleted_only_cancelled(w, client_as, invoice, htmx):
    """I9: an issued invoice offers no delete; a forged delete is refused; cancel keeps its number."""
    invoice_send(actor=w.manager, invoice=invoice)
    client = client_as(w.manager)
    assert 'id="delete-dialog"' not in client.get(card_url(invoice)).content.decode()
    refused = act(client, invoice, "delete", {"confirmed": "1"}, **htmx)
    assert refused.status_code == 409 and "cancel it instead" in refused.content.decode()
    act(client, invoice, "cancel", {"reason": "ошибка в счёте"}, **htmx)
    cancelled = Invoice.objects.get(pk=invoice.pk)
    assert cancelled.status == "cancelled" and cancelled.number == invoice.number


def test_approval_only_by_an_approver(w, client_as, htmx):
    """I5: with approval required the manager submits (no issue button); only a director approves."""
    SellerSettings.objects.create(seller=w.own, approval_required=True)
    invoice = make_invoice(w)
    manager = client_as(w.manager)
    html = manager.get(card_url(invoice)).content.decode()
    assert "/do/submit/" in html and "/do/issue/" not in html
    act(manager, invoice, "submit", **htmx)
    assert status_of(invoice) == "on_approval"
    assert "/do/approve/" not in manager.get(card_url(invoice)).content.decode()
    assert act(manager, invoice, "approve", **htmx).status_code == 403
    director = client_as(w.director)
    assert "/do/approve/" in director.get(card_url(invoice)).content.decode()
    act(director, invoice, "approve", **htmx)
    assert status_of(invoice) == "approved"


def test_email_dialog_prefilled_from_the_template_and_sent(w, client_as, invoice, htmx):
    """I8: the dialog's subject and body come from the e-mail template; sending attaches the PDF
    and sets Sent (I5)."""
    client = client_as(w.manager)
    html = client.get(card_url(invoice)).content.decode()
    dialog = html.split('id="email-dialog"')[1].split("</dialog>")[0]
    assert f"Счёт № {invoice.number} от 12 мая 2018 г." in dialog
    assert f"/i/{invoice.public_token}/" in dialog
    response = act(
        client,
        invoice,
        "email",
        {"to": "sl-cc@ya.ru", "subject": "Счёт", "body": "Добрый день", "lang": "ru"},
        **htmx,
    )
    assert response.status_code == 200 and status_of(invoice) == "sent"
    assert mail.outbox[-1].to == ["sl-cc@ya.ru"] and mail.outbox[-1].attachments


def test_email_with_a_bad_address_stays_in_the_dialog(w, client_as, invoice, htmx):
    before = snapshot()
    response = act(
        client_as(w.manager), invoice, "email", {"to": "nobody", "subject": "s", "body": "b"}, **htmx
    )
    assert response.status_code == 400
    dialog = response.content.decode().split('id="email-dialog"')[1].split("</dialog>")[0]
    assert "open" in dialog.split(">")[0] and "is not an e-mail address" in dialog
    assert snapshot() == before and not mail.outbox


def test_parties_closing_documents_and_received_signed(w, client_as, htmx):
    """I4/X1: parties confirmed in the card, a UPD created (parties then locked), received signed →
    Paid and shipped."""
    invoice = make_invoice(w, confirmed=False)
    client = client_as(w.manager)
    act(
        client, invoice, "parties", {"supplier": w.own.pk, "carrier": w.carrier.pk, "confirmed": "on"}, **htmx
    )
    assert Invoice.objects.get(pk=invoice.pk).parties_confirmed
    act(client, invoice, "payment", {"amount": "4000.00", "mark_paid": "1"}, **htmx)
    response = act(client, invoice, "closing", {"kind": "upd", "upd_status": "1"}, **htmx)
    assert response.status_code == 200
    doc = ClosingDocument.objects.get(invoice=invoice)
    html = response.content.decode()
    assert f"/closing-documents/{doc.pk}/pdf/" in html
    assert 'id="inv-supplier"' not in html and "supplier and carrier are locked" in html
    act(client, invoice, "receive", {"document": doc.pk}, **htmx)
    assert status_of(invoice) == "paid_shipped"


def test_export_and_refund(w, client_as, invoice, htmx):
    """I5: accounting hands a paid invoice over (Exported); a refund ends it."""
    client = client_as(w.manager)
    act(client, invoice, "payment", {"amount": "4000.00", "mark_paid": "1"}, **htmx)
    assert "/do/export/" not in client.get(card_url(invoice)).content.decode()
    accountant = client_as(w.accountant)
    act(accountant, invoice, "export", **htmx)
    assert status_of(invoice) == "exported"
    act(accountant, invoice, "refund", {"reason": "возврат"}, **htmx)
    assert status_of(invoice) == "refunded"


def test_plain_post_without_htmx_redirects_to_the_card(w, client_as, invoice):
    response = act(client_as(w.manager), invoice, "issue")
    assert response.status_code == 302 and response["Location"] == card_url(invoice)


def test_pdf_and_print_view(w, client_as, invoice):
    """I8: the PDF inline (print view) and as a download."""
    client = client_as(w.manager)
    inline = client.get(f"/invoices/{invoice.pk}/pdf/")
    assert inline.status_code == 200 and inline["Content-Type"] == "application/pdf"
    assert inline["Content-Disposition"].startswith("inline")
    assert client.get(f"/invoices/{invoice.pk}/pdf/?download=1")["Content-Disposition"].startswith(
        "attachment"
    )
    assert client_as(w.outsider).get(f"/invoices/{invoice.pk}/pdf/").status_code == 404


def test_overdue_on_the_card(w, client_as):
    """I5: Overdue is derived from the due date and shown on the card."""
    invoice = make_invoice(w, due_date=dt.date(2018, 5, 14))
    html = client_as(w.manager).get(card_url(invoice)).content.decode()
    assert "Overdue" in html
