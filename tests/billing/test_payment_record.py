"""Payments (M1) and exact coverage (I6): partial payments, several invoices, over- and
under-covering refused with the difference, nothing written on refusal."""

import datetime as dt
from decimal import Decimal

import pytest

from dealbook.billing.models import InvoiceStatus, Payment
from dealbook.billing.services import invoice_mark_paid, invoice_pay, payment_record
from dealbook.core.errors import Forbidden, InvalidInput, RuleViolation
from tests.billing.conftest import events, make_invoice, snapshot

pytestmark = pytest.mark.django_db


def test_m1_partial_payments_then_exact_cover_marks_paid(w, invoice):
    """M1: amount, date, method, reference; partial payments add up; I6 Paid once they cover exactly."""
    p1 = payment_record(
        actor=w.manager,
        allocations=[(invoice, "1500.00")],
        amount="1500.00",
        date=dt.date(2018, 5, 13),
        method="bank_transfer",
        reference="п/п 118",
    )
    assert (p1.amount, p1.currency, p1.reference) == (Decimal("1500.00"), "RUB", "п/п 118")
    with pytest.raises(RuleViolation) as err:
        invoice_mark_paid(actor=w.manager, invoice=invoice)
    assert err.value.code == "payment_mismatch"
    assert "2 500.00 RUB is missing" in err.value.message
    payment_record(actor=w.manager, allocations=[(invoice, "2500")], amount="2500")
    invoice_mark_paid(actor=w.manager, invoice=invoice)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and invoice.paid_amount == Decimal("4000.00")
    on_deal = events(w.deal, "payment_recorded")
    assert [e.data["amount"] for e in on_deal] == ["1500.00", "2500.00"]
    assert on_deal[-1].data["balance"] == "0.00"


def test_m1_one_payment_allocated_to_two_invoices(w, invoice):
    second = make_invoice(w)
    payment = payment_record(
        actor=w.accountant, allocations=[(invoice, "4000"), (second, "1000")], amount="5000", method="cash"
    )
    assert payment.allocations.count() == 2
    invoice.refresh_from_db()
    second.refresh_from_db()
    assert (invoice.paid_amount, second.paid_amount) == (Decimal("4000.00"), Decimal("1000.00"))


def test_i6_over_covering_payment_is_refused_and_writes_nothing(w, invoice):
    """I6 (step 50's rule): a payment beyond what is open is refused with what is open."""
    payment_record(actor=w.manager, allocations=[(invoice, "3000")], amount="3000")
    before = snapshot()
    with pytest.raises(RuleViolation) as err:
        payment_record(actor=w.manager, allocations=[(invoice, "1000.01")], amount="1000.01")
    assert err.value.code == "payment_over_covers"
    assert "only 1 000.00 RUB is still open" in err.value.message
    assert snapshot() == before


def test_i6_pay_with_an_under_covering_amount_records_nothing(w, invoice):
    """I6: "pay 3 999.99" for a 4 000.00 invoice is a mismatch — neither the payment nor Paid stays."""
    before = snapshot()
    with pytest.raises(RuleViolation) as err:
        invoice_pay(actor=w.manager, invoice=invoice, amount="3999.99")
    assert err.value.code == "payment_mismatch" and "0.01 RUB is missing" in err.value.message
    assert snapshot() == before
    assert not Payment.objects.exists()


def test_i6_pay_with_an_over_covering_amount_records_nothing(w, invoice):
    before = snapshot()
    with pytest.raises(RuleViolation) as err:
        invoice_pay(actor=w.manager, invoice=invoice, amount="4000.50")
    assert err.value.code == "payment_over_covers"
    assert snapshot() == before


@pytest.mark.parametrize(
    "allocs, amount, field",
    [
        ([("inv", "100")], "200", "allocations"),  # allocations do not add up
        ([("inv", "0")], "0", "amount"),
        ([("inv", "-5")], "-5", "amount"),
        ([("inv", "10.005")], "10.005", "amount"),
        ([("inv", "abc")], "abc", "amount"),
        ([], "100", "allocations"),
    ],
)
def test_bad_payment_input_is_refused(w, invoice, allocs, amount, field):
    before = snapshot()
    with pytest.raises(InvalidInput) as err:
        payment_record(
            actor=w.manager, allocations=[(invoice, value) for _inv, value in allocs], amount=amount
        )
    assert err.value.field in (field, "allocations.amount")
    assert snapshot() == before


def test_unknown_method_and_operator_refused(w, invoice):
    with pytest.raises(InvalidInput) as err:
        payment_record(actor=w.manager, allocations=[(invoice, "1")], amount="1", method="bitcoin")
    assert err.value.field == "method"
    with pytest.raises(Forbidden):
        payment_record(actor=w.operator, allocations=[(invoice, "1")], amount="1")
    assert not Payment.objects.exists()
