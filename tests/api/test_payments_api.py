"""The payments API (M1): record a payment over one or more invoices, list and read them; over-
covering and paying a cancelled invoice are 409 and record nothing (I6); R1/R2."""

import pytest

from dealbook.billing.models import Payment
from dealbook.billing.services import invoice_cancel
from tests.billing.conftest import make_invoice, snapshot
from tests.billing.conftest import w as w  # noqa: F401 — the seed's billing world fixture

pytestmark = pytest.mark.django_db


def test_m1_record_a_partial_payment_over_two_invoices_and_list_it(w, api_as):
    a, b = make_invoice(w), make_invoice(w)
    client = api_as(w.accountant)
    r = client.post(
        "payments",
        {
            "amount": "5000.00",
            "date": "2018-05-14",
            "method": "bank_transfer",
            "reference": "п/п 118",
            "allocations": [{"invoice": a.pk, "amount": "4000.00"}, {"invoice": b.pk, "amount": "1000.00"}],
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["amount"] == "5000.00" and body["currency"] == "RUB" and body["reference"] == "п/п 118"
    assert {(x["invoice_number"], x["amount"]) for x in body["allocations"]} == {
        ("2018 / 1", "4000.00"),
        ("2018 / 2", "1000.00"),
    }
    assert api_as(w.manager).get(f"invoices/{b.pk}").json()["paid_amount"] == "1000.00"
    listed = client.get("payments", {"invoice": b.pk}).json()["items"]
    assert [p["id"] for p in listed] == [body["id"]]
    assert client.get(f"payments/{body['id']}").status_code == 200


def test_i6_over_covering_payment_is_409_and_records_nothing(w, api_as):
    a = make_invoice(w)
    before = snapshot()
    r = api_as(w.manager).post(
        "payments", {"amount": "4000.01", "allocations": [{"invoice": a.pk, "amount": "4000.01"}]}
    )
    assert r.status_code == 409 and r.json()["code"] == "payment_over_covers"
    assert snapshot() == before


def test_paying_a_cancelled_invoice_is_409(w, api_as):
    a = make_invoice(w)
    invoice_cancel(actor=w.manager, invoice=a)
    r = api_as(w.manager).post(
        "payments", {"amount": "10", "allocations": [{"invoice": a.pk, "amount": "10"}]}
    )
    assert r.status_code == 409 and r.json()["code"] == "invoice_not_payable"
    assert not Payment.objects.exists()


def test_bad_payment_input_is_400_with_the_field(w, api_as):
    a = make_invoice(w)
    client = api_as(w.manager)
    r = client.post("payments", {"amount": "100", "allocations": [{"invoice": a.pk, "amount": "50"}]})
    assert r.status_code == 400 and r.json()["field"] == "allocations"
    r = client.post(
        "payments", {"amount": "1", "method": "barter", "allocations": [{"invoice": a.pk, "amount": "1"}]}
    )
    assert r.status_code == 400 and r.json()["field"] == "method"
    r = client.post("payments", {"amount": "x", "allocations": []})
    assert r.status_code == 400
    assert not Payment.objects.exists()


def test_r1_r2_payments(w, api_as):
    a = make_invoice(w)
    assert api_as(w.operator).get("payments").status_code == 403
    r = api_as(w.outsider).post(
        "payments", {"amount": "1", "allocations": [{"invoice": a.pk, "amount": "1"}]}
    )
    assert r.status_code == 404
    api_as(w.manager).post("payments", {"amount": "1", "allocations": [{"invoice": a.pk, "amount": "1"}]})
    assert api_as(w.outsider).get("payments").json()["items"] == []
    assert len(api_as(w.director).get("payments").json()["items"]) == 1
