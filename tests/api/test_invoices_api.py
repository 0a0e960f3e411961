"""The invoices API: the seed's flow from "price announced" to Won (steps 43–60), lists with I9
filters, X3 flags and a constant query count, I3/I6/D7 refusals as 409 with their messages, R1/R2,
the PDF (I8), lines, closing documents and the timeline."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from dealbook.billing.models import Invoice
from tests.billing.conftest import make_invoice, snapshot
from tests.billing.conftest import w as w  # noqa: F401 — the seed's billing world fixture

pytestmark = pytest.mark.django_db


def _create(client, w, **extra):
    body = {"deal": w.deal.pk, "date": "2018-05-12", **extra}
    r = client.post("invoices", body)
    assert r.status_code == 201, r.content
    return r.json()


def _parties(client, w, invoice_id):
    r = client.post(
        f"invoices/{invoice_id}/parties", {"supplier": w.own.pk, "carrier": w.carrier.pk, "confirmed": True}
    )
    assert r.status_code == 200, r.content
    return r.json()


def test_seed_flow_from_price_announced_to_won(w, api_as):
    """Steps 43–60 through the API: invoice from the deal (2018 / 1, 4 000.00, New), parties (I4),
    sent (deal → Invoice issued, I7), paid exactly (I6, deal → Invoice paid), shipment, UPD received
    (Paid and shipped), Won (D7)."""
    client = api_as(w.manager)
    inv = _create(client, w, due_date="2018-05-21")
    assert (inv["number"], inv["status"], inv["total"]) == ("2018 / 1", "new", "4000.00")
    assert inv["payment_form"] == "bank_transfer" and inv["customer_name"] == "ЭЛЕКСИС ООО"
    assert [x["total"] for x in inv["lines"]] == ["2100.00", "1900.00"]
    _parties(client, w, inv["id"])
    r = client.post(f"invoices/{inv['id']}/send")
    assert r.status_code == 200 and r.json()["status"] == "sent"
    assert client.get(f"deals/{w.deal.pk}").json()["stage_code"] == "invoice_issued"
    r = client.post(f"invoices/{inv['id']}/pay", {"amount": "4000.00", "reference": "п/п 118"})
    assert r.status_code == 200 and r.json()["status"] == "paid"
    assert client.get(f"deals/{w.deal.pk}").json()["stage_code"] == "invoice_paid"
    assert client.post(f"deals/{w.deal.pk}/move", {"stage": "shipment"}).status_code == 200
    r = client.post(f"deals/{w.deal.pk}/move", {"stage": "won"})
    assert r.status_code == 409 and "UPD has not been received" in r.json()["detail"]
    upd = client.post(f"invoices/{inv['id']}/closing-documents", {"kind": "upd"})
    assert upd.status_code == 201 and upd.json()["status"] == "issued"
    r = client.post(f"closing-documents/{upd.json()['id']}/receive")
    assert r.status_code == 200 and r.json()["status"] == "received_signed"
    detail = client.get(f"invoices/{inv['id']}").json()
    assert detail["status"] == "paid_shipped" and detail["closing_received"] is True
    r = client.post(f"deals/{w.deal.pk}/move", {"stage": "won"})
    assert r.status_code == 200 and r.json()["stage_code"] == "won"
    tab = client.get(f"deals/{w.deal.pk}/invoices").json()
    assert tab["paid_total"] == "4000.00" and [i["number"] for i in tab["items"]] == ["2018 / 1"]
    kinds = [e["kind"] for e in client.get(f"invoices/{inv['id']}/timeline").json()["items"]]
    assert kinds[0] == "status_changed" and "payment_recorded" in kinds and "created" in kinds


def test_d7_won_without_invoice_is_409_naming_what_is_missing(w, api_as):
    r = api_as(w.manager).post(f"deals/{w.deal.pk}/move", {"stage": "won"})
    assert r.status_code == 409
    assert r.json()["code"] == "deal_not_shipped" and "no invoice" in r.json()["detail"]


def test_blank_invoice_with_lines_and_line_subresource(w, api_as):
    client = api_as(w.manager)
    r = client.post(
        "invoices",
        {
            "payer_contact": w.roman.pk,
            "date": "2026-02-02",
            "lines": [{"product": w.ring.pk, "quantity": "2"}],
        },
    )
    assert r.status_code == 201, r.content
    inv = r.json()
    assert inv["payment_form"] == "cash" and inv["total"] == "1400.00" and inv["deal_id"] is None
    line = client.post(f"invoices/{inv['id']}/lines", {"product": w.block.pk, "quantity": 1})
    assert line.status_code == 201 and line.json()["tax_rate"] == "22.000"
    r = client.patch(f"invoices/{inv['id']}/lines/{line.json()['id']}", {"quantity": "3"})
    assert r.status_code == 200 and r.json()["total"] == "2850.00"
    assert client.delete(f"invoices/{inv['id']}/lines/{line.json()['id']}").status_code == 204
    assert client.get(f"invoices/{inv['id']}").json()["total"] == "1400.00"


def test_i3_editing_a_sent_invoice_is_409_and_changes_nothing(w, api_as):
    client = api_as(w.manager)
    inv = _create(client, w)
    _parties(client, w, inv["id"])
    client.post(f"invoices/{inv['id']}/send")
    before = snapshot()
    r = client.patch(f"invoices/{inv['id']}", {"comment": "changed"})
    assert r.status_code == 409 and r.json()["code"] == "invoice_locked"
    line_id = inv["lines"][0]["id"]
    assert client.patch(f"invoices/{inv['id']}/lines/{line_id}", {"quantity": 9}).status_code == 409
    assert (
        client.post(f"invoices/{inv['id']}/lines", {"product": w.ring.pk, "quantity": 1}).status_code == 409
    )
    assert snapshot() == before


def test_i6_pay_mismatch_is_409_with_the_difference(w, api_as):
    client = api_as(w.manager)
    inv = _create(client, w)
    _parties(client, w, inv["id"])
    before = snapshot()
    r = client.post(f"invoices/{inv['id']}/pay", {"amount": "3000.00"})
    assert r.status_code == 409 and "1 000.00 RUB is missing" in r.json()["detail"]
    r = client.post(f"invoices/{inv['id']}/pay", {"amount": "5000.00"})
    assert r.status_code == 409 and r.json()["code"] == "payment_over_covers"
    assert snapshot() == before


def test_i4_send_without_parties_is_409(w, api_as):
    client = api_as(w.manager)
    inv = _create(client, w)
    r = client.post(f"invoices/{inv['id']}/send")
    assert r.status_code == 409 and "the carrier is not set" in r.json()["detail"]


def test_cancel_keeps_number_and_paying_a_cancelled_invoice_is_refused(w, api_as):
    client = api_as(w.manager)
    inv = _create(client, w)
    r = client.post(f"invoices/{inv['id']}/cancel", {"reason": "wrong quantity"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled" and r.json()["number"] == "2018 / 1"
    r = client.post(f"invoices/{inv['id']}/pay", {"amount": "4000.00"})
    assert r.status_code == 409 and r.json()["code"] == "invoice_not_payable"


def test_i9_delete_draft_needs_confirmation(w, api_as):
    client = api_as(w.manager)
    inv = _create(client, w)
    r = client.delete(f"invoices/{inv['id']}")
    assert r.status_code == 400 and r.json()["field"] == "confirmed"
    assert client.delete(f"invoices/{inv['id']}?confirm=true").status_code == 204
    assert not Invoice.objects.exists()


def test_approval_through_the_api(w, api_as):
    from dealbook.billing.models import SellerSettings

    SellerSettings.objects.create(seller=w.own, approval_required=True)
    client = api_as(w.manager)
    inv = _create(client, w)
    _parties(client, w, inv["id"])
    assert client.post(f"invoices/{inv['id']}/send").json()["code"] == "invoice_needs_approval"
    assert client.post(f"invoices/{inv['id']}/submit").json()["status"] == "on_approval"
    assert client.post(f"invoices/{inv['id']}/approve").status_code == 403
    assert api_as(w.director).post(f"invoices/{inv['id']}/approve").json()["status"] == "approved"
    assert client.post(f"invoices/{inv['id']}/send").json()["status"] == "sent"


def test_r1_operator_gets_403_and_r2_outsider_404(w, api_as):
    inv = make_invoice(w)
    assert api_as(w.operator).get("invoices").status_code == 403
    assert api_as(w.operator).post("invoices", {"deal": w.deal.pk}).status_code == 403
    assert api_as(w.outsider).get(f"invoices/{inv.pk}").status_code == 404
    assert api_as(w.outsider).get("invoices").json()["items"] == []
    assert api_as(w.head).get(f"invoices/{inv.pk}").status_code == 200
    assert api_as(w.accountant).get(f"invoices/{inv.pk}").status_code == 200


def test_i9_list_filters_ordering_and_x3_flags(w, api_as, f):
    client = api_as(w.manager)
    a = make_invoice(w, due_date=dt.date(2018, 5, 20))
    b = make_invoice(w, date=dt.date(2018, 6, 1), payer_company=None, payer_contact=w.roman)
    c = make_invoice(w, date=dt.date(2018, 7, 1))
    from dealbook.billing.services import closing_document_create, invoice_send

    invoice_send(actor=w.manager, invoice=c)
    closing_document_create(actor=w.manager, invoice=c, kind="act")

    def ids(**params):
        r = client.get("invoices", params)
        assert r.status_code == 200, r.content
        return [i["id"] for i in r.json()["items"]]

    assert ids() == [c.pk, b.pk, a.pk]
    assert ids(number="2018 / 2") == [b.pk]
    assert ids(date_from="2018-05-15", date_to="2018-06-30") == [b.pk]
    assert ids(customer=w.buyer.pk) == [c.pk, a.pk]
    assert ids(contact=w.roman.pk) == [b.pk]
    assert ids(status="sent") == [c.pk]
    assert ids(status="new,sent", ordering="date") == [a.pk, b.pk, c.pk]
    assert ids(amount_min="4000", amount_max="4000", ordering="number") == [a.pk, b.pk, c.pk]
    assert ids(due_to="2018-05-31") == [a.pk]
    assert ids(overdue=True) == [a.pk]
    assert ids(deal=w.deal.pk, ordering="-total") == [c.pk, b.pk, a.pk]
    rows = {i["id"]: i for i in client.get("invoices").json()["items"]}
    assert rows[c.pk]["has_closing_document"] is True and rows[a.pk]["has_closing_document"] is False
    assert rows[a.pk]["is_overdue"] is True
    page = client.get("invoices", {"limit": 2}).json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = client.get("invoices", {"limit": 2, "cursor": page["next_cursor"]}).json()
    assert [i["id"] for i in rest["items"]] == [a.pk]
    r = client.get("invoices", {"status": "late"})
    assert r.status_code == 400 and r.json()["field"] == "status"
    assert client.get("invoices", {"ordering": "seller"}).status_code == 400


def test_list_query_count_does_not_grow_with_rows(w, api_as):
    client = api_as(w.manager)
    make_invoice(w)
    client.get("invoices")  # the token's first use is recorded once; not part of the count
    with CaptureQueriesContext(connection) as few:
        assert client.get("invoices").status_code == 200
    for _ in range(5):
        make_invoice(w)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("invoices").json()["items"]) == 6
    assert len(many) == len(few)


def test_i8_pdf_in_russian_for_a_russian_seller_and_english_on_request(w, api_as):
    client = api_as(w.manager)
    inv = _create(client, w)
    r = client.get(f"invoices/{inv['id']}/pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    assert "2018 / 1" in text and "Четыре тысячи рублей 00 копеек" in text
    assert "ЭЛЕКСИС" in text
    en = client.get(f"invoices/{inv['id']}/pdf", {"lang": "en"})
    assert en.status_code == 200
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(en.content)).pages)
    assert "Invoice" in text or "INVOICE" in text
    assert client.get(f"invoices/{inv['id']}/pdf", {"lang": "de"}).status_code == 400


def test_comments_on_the_invoice_timeline(w, api_as):
    client = api_as(w.manager)
    inv = _create(client, w)
    r = client.post(f"invoices/{inv['id']}/comments", {"text": "Клиент просит отсрочку"})
    assert r.status_code == 201
    items = client.get(f"invoices/{inv['id']}/timeline").json()["items"]
    assert items[0]["kind"] == "comment"


def test_i8_email_endpoint_sends_the_pdf_and_sets_sent(w, api_as):
    from django.core import mail

    client = api_as(w.manager)
    inv = _create(client, w)
    _parties(client, w, inv["id"])
    r = client.post(f"invoices/{inv['id']}/email", {"to": ["sl-cc@ya.ru"]})
    assert r.status_code == 200 and r.json()["status"] == "sent"
    assert mail.outbox[0].to == ["sl-cc@ya.ru"] and mail.outbox[0].attachments[0][2] == "application/pdf"
    r = client.post(f"invoices/{inv['id']}/email", {"to": ["nobody"]})
    assert r.status_code == 400 and r.json()["field"] == "to"


def test_i11_templates_through_the_api(w, api_as):
    client = api_as(w.manager)
    r = client.post(
        "invoice-templates",
        {
            "name": "Ежемесячно",
            "payer_company": w.buyer.pk,
            "supplier": w.own.pk,
            "carrier": w.carrier.pk,
            "lines": [{"product": w.ring.pk, "quantity": 3}, {"product": w.block.pk, "quantity": 2}],
        },
    )
    assert r.status_code == 201, r.content
    template = r.json()
    assert len(template["lines"]) == 2
    r = client.post(f"invoice-templates/{template['id']}/invoices", {"date": "2018-05-12"})
    assert r.status_code == 201 and r.json()["total"] == "4000.00" and r.json()["status"] == "new"
    r = client.patch(
        f"invoice-templates/{template['id']}", {"lines": [{"product": w.ring.pk, "quantity": 1}]}
    )
    assert r.status_code == 200 and len(r.json()["lines"]) == 1
    r = client.post("invoice-templates/send", {"templates": [template["id"]], "date": "2018-05-13"})
    assert r.status_code == 200
    [result] = r.json()
    assert result["number"] == "2018 / 2" and result["error"] is None
    assert client.get(f"invoices/{result['invoice_id']}").json()["status"] == "sent"
    assert api_as(w.outsider).get(f"invoice-templates/{template['id']}").status_code == 404
    r = client.post("invoice-templates", {"name": "x", "payer_company": w.buyer.pk, "lines": []})
    assert r.status_code == 400 and r.json()["field"] == "lines"
