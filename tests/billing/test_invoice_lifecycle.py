"""The invoice lifecycle of I5: the full transition matrix, approval, I4 before Sent/Paid, I7 deal
stages, cancel/refund/export, derived overdue."""

import datetime as dt
from decimal import Decimal

import pytest

from dealbook.accounts.models import Notification
from dealbook.billing.models import (
    ALLOWED,
    ClosingDocument,
    Invoice,
    InvoiceStatus,
    SellerSettings,
)
from dealbook.billing.services import (
    closing_document_receive,
    invoice_approve,
    invoice_cancel,
    invoice_mark_exported,
    invoice_mark_paid,
    invoice_pay,
    invoice_refund,
    invoice_send,
    invoice_submit_for_approval,
    payment_record,
)
from dealbook.core.errors import DomainError, Forbidden, RuleViolation
from tests.billing.conftest import SEED_TOTAL, events, make_invoice, snapshot

pytestmark = pytest.mark.django_db
S = InvoiceStatus


def _force(invoice, status, paid):
    """Put an invoice into a status for the matrix (setup only; services never do this)."""
    Invoice.objects.filter(pk=invoice.pk).update(status=status, paid_amount=invoice.total if paid else 0)
    invoice.refresh_from_db()


def _attempt(w, invoice, target):
    if target == S.ON_APPROVAL:
        invoice_submit_for_approval(actor=w.manager, invoice=invoice)
    elif target == S.APPROVED:
        invoice_approve(actor=w.director, invoice=invoice)
    elif target == S.SENT:
        invoice_send(actor=w.manager, invoice=invoice)
    elif target == S.PAID:
        invoice_mark_paid(actor=w.manager, invoice=invoice)
    elif target == S.PAID_SHIPPED:
        doc = ClosingDocument.objects.create(
            invoice=invoice, kind="upd", seller=w.own, number="1", year=2018, seq=1, date=invoice.date
        )
        closing_document_receive(actor=w.manager, document=doc)
    elif target == S.CANCELLED:
        invoice_cancel(actor=w.manager, invoice=invoice)
    elif target == S.REFUNDED:
        invoice_refund(actor=w.manager, invoice=invoice)
    elif target == S.EXPORTED:
        invoice_mark_exported(actor=w.accountant, invoice=invoice)


MATRIX = [(old, new) for old in S.values for new in S.values if new != S.NEW and new != old]


@pytest.mark.parametrize("old, new", MATRIX)
def test_i5_transition_matrix(w, invoice, old, new):
    """I5: every (from, to) pair — allowed ones happen, the others are refused and change nothing.
    Payments are in place where a target needs them (I6) and absent where cancelling needs that."""
    _force(invoice, old, paid=new == S.PAID or old in (S.PAID, S.PAID_SHIPPED, S.EXPORTED, S.REFUNDED))
    allowed = new in ALLOWED[old]
    if allowed:
        _attempt(w, invoice, new)
        invoice.refresh_from_db()
        assert invoice.status == new
        assert events(invoice, "status_changed")[-1].data["to"] == new
    else:
        before = Invoice.objects.filter(pk=invoice.pk).values("status").get()
        try:
            _attempt(w, invoice, new)
        except DomainError:
            pass
        else:
            assert new == S.PAID_SHIPPED  # receiving a UPD of an unpaid invoice is fine, it just stays
        assert Invoice.objects.filter(pk=invoice.pk).values("status").get() == before


def test_i3_i5_nothing_leads_back_to_new():
    """I3: leaving New is irreversible — no status has New as a target."""
    assert all(S.NEW not in targets for targets in ALLOWED.values())
    assert ALLOWED[S.CANCELLED] == ALLOWED[S.REFUNDED] == frozenset()


def test_i4_send_refused_until_supplier_and_carrier_are_confirmed(w):
    """I4 (steps 46–47): before Sent the actual supplier and carrier are set — the message says what."""
    invoice = make_invoice(w, confirmed=False)
    before = snapshot()
    with pytest.raises(RuleViolation) as err:
        invoice_send(actor=w.manager, invoice=invoice)
    assert err.value.code == "parties_not_confirmed"
    assert "the supplier is not set" in err.value.message and "the carrier is not set" in err.value.message
    assert snapshot() == before


def test_i4_paid_refused_while_parties_are_unconfirmed(w):
    from dealbook.billing.services import invoice_set_parties

    invoice = make_invoice(w, confirmed=False)
    invoice_set_parties(actor=w.manager, invoice=invoice, supplier=w.own, carrier=w.carrier)
    payment_record(actor=w.manager, allocations=[(invoice, "4000")], amount="4000")
    before = snapshot()
    with pytest.raises(RuleViolation) as err:
        invoice_mark_paid(actor=w.manager, invoice=invoice)
    assert "not confirmed" in err.value.message
    assert snapshot() == before


def test_i5_approval_required_per_seller_blocks_sending_until_approved(w):
    """I5: with approval required, the manager cannot send; on submit the approvers are notified;
    a director approves and the manager is notified; then sending works."""
    SellerSettings.objects.create(seller=w.own, approval_required=True)
    invoice = make_invoice(w)
    with pytest.raises(RuleViolation) as err:
        invoice_send(actor=w.manager, invoice=invoice)
    assert err.value.code == "invoice_needs_approval"
    invoice_submit_for_approval(actor=w.manager, invoice=invoice)
    assert set(Notification.objects.filter(kind="invoice_approval").values_list("user", flat=True)) == {
        w.director.pk,
        w.finance.pk,
    }
    with pytest.raises(Forbidden):
        invoice_approve(actor=w.manager, invoice=invoice)
    with pytest.raises(RuleViolation):
        invoice_send(actor=w.manager, invoice=invoice)  # On approval → Sent is not a transition
    invoice_approve(actor=w.finance, invoice=invoice)
    assert Notification.objects.filter(kind="invoice_approved", user=w.manager).exists()
    invoice_send(actor=w.manager, invoice=invoice)
    invoice.refresh_from_db()
    assert invoice.status == S.SENT and invoice.approved_by == w.finance


def test_i5_approval_from_an_amount(w):
    """I5: invoices from the seller's threshold on need approval, smaller ones do not."""
    SellerSettings.objects.create(seller=w.own, approval_threshold=Decimal("5000.00"))
    small = make_invoice(w)
    invoice_send(actor=w.manager, invoice=small)
    SellerSettings.objects.filter(seller=w.own).update(approval_threshold=Decimal("4000.00"))
    big = make_invoice(w)
    with pytest.raises(RuleViolation) as err:
        invoice_send(actor=w.manager, invoice=big)
    assert err.value.code == "invoice_needs_approval"


def test_i7_sending_and_payment_advance_the_deal(w, invoice):
    """I7 (steps 54–56): Sent moves the deal to "Invoice issued", Paid to "Invoice paid"; both on
    the deal's timeline."""
    invoice_send(actor=w.manager, invoice=invoice)
    w.deal.refresh_from_db()
    assert w.deal.stage.code == "invoice_issued"
    invoice_pay(
        actor=w.manager, invoice=invoice, amount="4000.00", date=dt.date(2018, 5, 14), reference="п/п 118"
    )
    w.deal.refresh_from_db()
    assert w.deal.stage.code == "invoice_paid"
    stage_moves = [e.data["to_code"] for e in events(w.deal, "stage_changed")]
    assert stage_moves[-2:] == ["invoice_issued", "invoice_paid"]
    statuses = [e.data["to"] for e in events(w.deal, "status_changed")]
    assert statuses == ["sent", "paid"]


def test_i7_deal_only_moves_forward(w, invoice, f):
    """I7: a deal already in "Shipment" is not moved back by the invoice."""
    w.deal.stage = f.stage(w.pipeline, "shipment")
    w.deal.save()
    invoice_send(actor=w.manager, invoice=invoice)
    w.deal.refresh_from_db()
    assert w.deal.stage.code == "shipment"


def test_i7_accountant_recording_the_payment_advances_the_deal_on_its_behalf(w, invoice):
    """I7 + R1/R3: accounting may not move deals by hand, but the payment it records moves the deal
    to "Invoice paid" as a system action; the stage event names the accountant and the invoice."""
    from dealbook.crm import totals

    totals.recount(w.pipeline)  # the fixture's deal was written directly, without its running total
    invoice_send(actor=w.manager, invoice=invoice)
    invoice_pay(actor=w.accountant, invoice=invoice, amount="4000.00")
    w.deal.refresh_from_db()
    assert w.deal.stage.code == "invoice_paid"
    moved = events(w.deal, "stage_changed")[-1]
    assert (moved.actor_id, moved.data["from_code"], moved.data["to_code"]) == (
        w.accountant.pk,
        "invoice_issued",
        "invoice_paid",
    )
    assert moved.data["on_behalf_of"] == {"invoice_id": invoice.pk, "number": invoice.number}
    assert events(w.deal, "stage_not_advanced") == []
    assert Invoice.objects.get().status == S.PAID
    assert totals.stored_totals(w.pipeline) == totals.live_totals(w.pipeline)


def test_i7_d8_payment_leaves_a_closed_deal_where_it_is(w, invoice):
    """D8: a deal lost while its invoice was out stays lost when the payment comes in (I7 moves open
    deals only), and no stage event is written."""
    from dealbook.crm.models import LostReason
    from dealbook.crm.services.deals import deal_move

    invoice_send(actor=w.manager, invoice=invoice)
    deal_move(actor=w.manager, deal=w.deal, stage="lost", lost_reason=LostReason.objects.first())
    moves = len(events(w.deal, "stage_changed"))
    invoice_pay(actor=w.accountant, invoice=invoice, amount="4000.00")
    w.deal.refresh_from_db()
    assert w.deal.stage.code == "lost"
    assert len(events(w.deal, "stage_changed")) == moves
    assert Invoice.objects.get().status == S.PAID


def test_cancel_refused_with_payments_and_paying_a_cancelled_invoice_refused(w, invoice):
    """I5 Cancelled (unpaid only); paying a cancelled invoice is refused and records nothing."""
    payment_record(actor=w.manager, allocations=[(invoice, "1000")], amount="1000")
    with pytest.raises(RuleViolation) as err:
        invoice_cancel(actor=w.manager, invoice=invoice)
    assert err.value.code == "invoice_has_payments"
    other = make_invoice(w)
    invoice_cancel(actor=w.manager, invoice=other)
    before = snapshot()
    with pytest.raises(RuleViolation) as err:
        invoice_pay(actor=w.manager, invoice=other, amount="4000.00")
    assert err.value.code == "invoice_not_payable"
    assert snapshot() == before


def test_refund_and_export(w, invoice):
    """I5: Exported marks handover to accounting (accounting roles only); a refund ends it."""
    invoice_pay(actor=w.manager, invoice=invoice, amount=str(SEED_TOTAL))
    with pytest.raises(Forbidden):
        invoice_mark_exported(actor=w.manager, invoice=invoice)
    invoice_mark_exported(actor=w.accountant, invoice=invoice)
    invoice_refund(actor=w.finance, invoice=invoice, reason="returned goods")
    invoice.refresh_from_db()
    assert invoice.status == S.REFUNDED and invoice.exported_at is not None


def test_i5_overdue_is_derived_from_the_due_date(w):
    """I5: overdue = waiting for money past the due date; paid or cancelled invoices are never overdue."""
    invoice = make_invoice(w, due_date=dt.date(2018, 5, 21))
    assert invoice.is_overdue(dt.date(2018, 5, 21)) is False
    assert invoice.is_overdue(dt.date(2018, 5, 22)) is True
    invoice_pay(actor=w.manager, invoice=invoice, amount="4000.00")
    invoice.refresh_from_db()
    assert invoice.is_overdue(dt.date(2018, 6, 1)) is False
