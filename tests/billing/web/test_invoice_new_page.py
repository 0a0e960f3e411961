"""Creating invoices from the pages: from a deal (step 43), blank, from a template (I11); the batch
label (I9); the deal card's Invoices tab (step 53)."""

import pytest

from dealbook.billing.models import Invoice, InvoiceTemplate
from dealbook.billing.services import invoice_pay, invoice_template_create, invoice_templates_send
from tests.billing.conftest import SEED_TOTAL, make_invoice

pytestmark = pytest.mark.django_db


def test_new_invoice_from_the_deal(w, client_as):
    """Step 43: the form shows the deal's lines; creating makes a New invoice with them, the payer the
    deal's company (I2) and the batch given."""
    client = client_as(w.manager)
    page = client.get(f"/invoices/new/?deal={w.deal.pk}")
    assert page.status_code == 200 and "фундаментный блок ФБС 9-5-3т" in page.content.decode()
    response = client.post(
        f"/invoices/new/?deal={w.deal.pk}",
        {"seller": w.own.pk, "date": "2018-05-12", "due_date": "2018-05-17", "batch": "май-2018"},
    )
    invoice = Invoice.objects.get(deal=w.deal)
    assert response.status_code == 302 and response["Location"] == f"/invoices/{invoice.pk}/"
    assert invoice.status == "new" and invoice.total == SEED_TOTAL
    assert invoice.payer_company == w.buyer and invoice.payment_form == "bank_transfer"
    assert invoice.batch == "май-2018"


def test_new_invoice_errors_at_the_field(w, client_as):
    """Bad input is refused at its field; nothing is created."""
    client = client_as(w.manager)
    response = client.post(
        f"/invoices/new/?deal={w.deal.pk}",
        {"seller": w.own.pk, "date": "2018-05-12", "due_date": "2018-05-01"},
    )
    assert response.status_code == 400
    assert "The due date cannot be before the invoice date." in response.content.decode()
    assert not Invoice.objects.exists()


def test_another_managers_deal_is_404(w, client_as):
    """R2: a manager of another group cannot invoice a deal they cannot see."""
    assert client_as(w.outsider).get(f"/invoices/new/?deal={w.deal.pk}").status_code == 404


def test_blank_invoice_for_a_contact_in_another_currency(w, client_as):
    """I2 a contact only pays cash; I10 another currency keeps its rate."""
    client = client_as(w.manager)
    response = client.post(
        "/invoices/new/",
        {
            "seller": w.own.pk,
            "payer_contact": w.roman.pk,
            "currency": "EUR",
            "rate": "98.5",
            "date": "2018-05-12",
        },
    )
    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert invoice.payment_form == "cash" and invoice.currency == "EUR" and str(invoice.rate) == "98.500000"
    html = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert "98.5" in html and "Add a product" in html


def test_invoice_from_a_template_page(w, client_as):
    template = invoice_template_create(
        actor=w.manager, name="Аренда", payer_company=w.buyer, lines=[{"product": w.ring.pk, "quantity": 1}]
    )
    client = client_as(w.manager)
    assert client.get(f"/invoices/new/?template={template.pk}").status_code == 200
    response = client.post(f"/invoices/new/?template={template.pk}", {"date": "2018-05-12", "batch": "B-1"})
    assert response.status_code == 302
    assert Invoice.objects.get().batch == "B-1"


def test_bulk_send_from_templates_labels_one_batch(w):
    """I9/I11: the invoices of one bulk send share one batch label ("YYYY-MM-DD HH:MM templates")."""
    specs = {"payer_company": w.buyer, "supplier": w.own, "carrier": w.carrier}
    templates = [
        invoice_template_create(
            actor=w.manager, name=n, lines=[{"product": w.ring.pk, "quantity": 1}], **specs
        )
        for n in ("A", "B")
    ]
    results = invoice_templates_send(actor=w.manager, templates=templates)
    batches = {r.invoice.batch for r in results}
    assert len(batches) == 1 and batches.pop().endswith(" templates")
    assert InvoiceTemplate.objects.count() == 2


def test_deal_invoices_tab(w, client_as):
    """Step 53: the deal's Invoices tab lists its invoices with status, total, paid and the paid total,
    and offers a new invoice from the deal; a role without billing sees a note (R1)."""
    paid = make_invoice(w)
    invoice_pay(actor=w.manager, invoice=paid, amount=paid.total)
    open_one = make_invoice(w)
    html = client_as(w.manager).get(f"/deals/{w.deal.pk}/?tab=invoices").content.decode()
    assert paid.number in html and open_one.number in html
    assert "data-paid-total>₽4,000.00<" in html.replace("\u00a0", "")
    assert f"/invoices/new/?deal={w.deal.pk}" in html
    operator = client_as(w.operator).get(f"/deals/{w.deal.pk}/?tab=invoices")
    assert operator.status_code == 200 and "does not allow working with invoices" in operator.content.decode()
