"""Editing invoices: lines, amounts and payer only while New (I3), supplier and carrier until the UPD
is requested (I4), deleting drafts (I9) — and nothing changes on refusal."""

import datetime as dt
from decimal import Decimal

import pytest

from dealbook.billing.models import Invoice, InvoiceStatus, PaymentForm
from dealbook.billing.services import (
    closing_document_create,
    invoice_cancel,
    invoice_delete,
    invoice_line_add,
    invoice_line_remove,
    invoice_line_update,
    invoice_send,
    invoice_set_parties,
    invoice_update,
)
from dealbook.core.errors import InvalidInput, NotFound, RuleViolation
from dealbook.core.models import Sequence
from tests.billing.conftest import events, make_invoice, snapshot

pytestmark = pytest.mark.django_db


def test_i3_new_invoice_lines_change_and_totals_follow(w, invoice):
    """I3: while New, lines are added, changed and removed; the totals are the sums (P4); R3 from/to."""
    line = invoice_line_add(actor=w.manager, invoice=invoice, product=w.ring, quantity=1, price="650.00")
    invoice.refresh_from_db()
    assert invoice.total == Decimal("4650.00")
    invoice_line_update(
        actor=w.manager, invoice=invoice, line=line, quantity=2, discount_kind="percent", discount_value="10"
    )
    invoice.refresh_from_db()
    assert invoice.total == Decimal("5170.00")  # 2 × 650 − 10 %
    [changed] = events(invoice, "line_changed")
    assert changed.data["changes"]["quantity"] == {"from": "1.000", "to": "2.000"}
    invoice_line_remove(actor=w.manager, invoice=invoice, line=line)
    invoice.refresh_from_db()
    assert invoice.total == Decimal("4000.00") and invoice.lines.count() == 2
    assert len(events(w.deal, "line_added")) == 3  # two on the deal itself, one from the invoice (I7)


def test_i3_payer_change_rederives_payment_form(w, invoice):
    """I2/I3: while New the payer changes; a contact only means cash."""
    invoice_update(actor=w.manager, invoice=invoice, payer_company=None, payer_contact=w.roman)
    invoice.refresh_from_db()
    assert invoice.payment_form == PaymentForm.CASH
    assert events(invoice, "updated")[-1].data["field"] in {"payer_company", "payer_contact", "payment_form"}


def test_i3_date_stays_in_the_numbering_year(w, invoice):
    before = snapshot()
    with pytest.raises(InvalidInput) as err:
        invoice_update(actor=w.manager, invoice=invoice, date=dt.date(2019, 1, 2))
    assert err.value.field == "date"
    assert snapshot() == before


@pytest.mark.parametrize(
    "action",
    ["update", "line_add", "line_update", "line_remove"],
)
def test_i3_editing_a_sent_invoice_is_refused_and_changes_nothing(w, invoice, action):
    """I3 (step 50): after New nothing is edited — 409 invoice_locked; cancel and issue a new one."""
    invoice_send(actor=w.manager, invoice=invoice)
    line = invoice.lines.first()
    before = snapshot()
    with pytest.raises(RuleViolation) as err:
        if action == "update":
            invoice_update(actor=w.manager, invoice=invoice, payer_company=None, payer_contact=w.roman)
        elif action == "line_add":
            invoice_line_add(actor=w.manager, invoice=invoice, product=w.ring, quantity=1)
        elif action == "line_update":
            invoice_line_update(actor=w.manager, invoice=invoice, line=line, quantity=10)
        else:
            invoice_line_remove(actor=w.manager, invoice=invoice, line=line)
    assert err.value.code == "invoice_locked"
    assert "Cancel it" in err.value.message
    assert snapshot() == before


def test_line_of_another_invoice_is_not_found(w, invoice):
    other = make_invoice(w, confirmed=False)
    with pytest.raises(NotFound):
        invoice_line_update(actor=w.manager, invoice=invoice, line=other.lines.first(), quantity=5)


def test_i4_parties_change_after_sending_until_the_upd_is_requested(w, invoice, f):
    """I4 (step 50): supplier and carrier are not lines — they change in any status until the UPD
    request; a changed party must be confirmed again; after the UPD request, 409 parties_locked."""
    invoice_send(actor=w.manager, invoice=invoice)
    other_carrier = f.make_company("Перевозчик-2 ООО")
    invoice_set_parties(actor=w.manager, invoice=invoice, carrier=other_carrier)
    invoice.refresh_from_db()
    assert invoice.carrier == other_carrier and invoice.parties_confirmed is False
    assert events(w.deal, "updated")[-1].data["field"] == "parties"  # on the deal's timeline too
    invoice_set_parties(actor=w.manager, invoice=invoice, confirmed=True)
    closing_document_create(actor=w.manager, invoice=invoice, kind="upd")
    before = snapshot()
    with pytest.raises(RuleViolation) as err:
        invoice_set_parties(actor=w.manager, invoice=invoice, supplier=other_carrier)
    assert err.value.code == "parties_locked"
    assert snapshot() == before


def test_i4_confirming_needs_both_parties(w):
    invoice = make_invoice(w, confirmed=False)
    with pytest.raises(InvalidInput) as err:
        invoice_set_parties(actor=w.manager, invoice=invoice, supplier=w.own, confirmed=True)
    assert "carrier" in err.value.message
    assert Invoice.objects.get().supplier is None


def test_i9_draft_is_deleted_after_confirmation_and_its_number_given_back(w, invoice):
    """I9: a New invoice is deleted only when confirmed; I1: the number is given back (no gap)."""
    with pytest.raises(InvalidInput) as err:
        invoice_delete(actor=w.manager, invoice=invoice)
    assert err.value.field == "confirmed" and Invoice.objects.exists()
    invoice_delete(actor=w.manager, invoice=invoice, confirmed=True)
    assert not Invoice.objects.exists()
    assert Sequence.objects.get(doc_type="invoice").last == 0
    assert make_invoice(w, confirmed=False).number == "2018 / 1"
    assert events(w.deal, "link_removed")[-1].data["number"] == "2018 / 1"


def test_i9_issued_invoice_is_cancelled_never_deleted(w, invoice):
    invoice_send(actor=w.manager, invoice=invoice)
    before = snapshot()
    with pytest.raises(RuleViolation) as err:
        invoice_delete(actor=w.manager, invoice=invoice, confirmed=True)
    assert err.value.code == "invoice_not_draft"
    assert snapshot() == before
    invoice_cancel(actor=w.manager, invoice=invoice)
    assert Invoice.objects.get().status == InvoiceStatus.CANCELLED


def test_i1_i9_a_draft_before_the_latest_number_is_cancelled_not_deleted(w, invoice):
    """Deleting 2018 / 1 while 2018 / 2 exists would leave a gap (I1)."""
    make_invoice(w, confirmed=False)
    before = snapshot()
    with pytest.raises(RuleViolation) as err:
        invoice_delete(actor=w.manager, invoice=invoice, confirmed=True)
    assert err.value.code == "invoice_number_gap"
    assert snapshot() == before


def test_r2_invoice_of_another_group_is_not_found(w, invoice):
    """R2: visibility follows the responsible; another group's manager gets 404, the group manager sees it."""
    with pytest.raises(NotFound):
        invoice_update(actor=w.outsider, invoice=invoice, title="x")
    invoice_update(actor=w.head, invoice=invoice, title="checked by the head")
    assert Invoice.objects.get().title == "checked by the head"
