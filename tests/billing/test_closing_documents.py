"""Closing documents (X1, X3), the UPD request locking supplier and carrier (I4), and the Won guard
of D7 with its precise messages."""

import datetime as dt
from decimal import Decimal

import pytest

from dealbook.billing.models import ClosingDocument, ClosingStatus, InvoiceStatus
from dealbook.billing.services import (
    closing_document_create,
    closing_document_receive,
    invoice_cancel,
    invoice_pay,
    invoice_send,
    invoice_set_parties,
)
from dealbook.core.errors import InvalidInput, RuleViolation
from dealbook.crm.services.deals import deal_move
from tests.billing.conftest import events, snapshot

pytestmark = pytest.mark.django_db


def _paid(w, invoice):
    invoice_send(actor=w.manager, invoice=invoice)
    invoice_pay(actor=w.manager, invoice=invoice, amount="4000.00")
    invoice.refresh_from_db()
    return invoice


def test_x1_upd_from_an_invoice_with_its_lines_own_number_and_statuses(w, invoice):
    """X1: a UPD with the invoice's lines and totals, its own numbering, Issued → Received signed;
    step 59: receiving it moves the paid invoice to Paid and shipped."""
    _paid(w, invoice)
    upd = closing_document_create(actor=w.manager, invoice=invoice, kind="upd", date=dt.date(2018, 5, 15))
    assert upd.number == "2018 / 1" and upd.status == ClosingStatus.ISSUED
    assert [(x.name, x.quantity, x.unit_name, x.total) for x in upd.lines.all()] == [
        ("Кольцо стеновое КС 10-3", Decimal("3"), "шт", Decimal("2100.00")),
        ("фундаментный блок ФБС 9-5-3т", Decimal("2"), "шт", Decimal("1900.00")),
    ]
    assert (upd.total, upd.tax) == (Decimal("4000.00"), Decimal("610.17"))
    act = closing_document_create(actor=w.manager, invoice=invoice, kind="act")
    assert act.number.endswith("/ 1")  # acts are numbered apart from UPDs
    closing_document_receive(actor=w.manager, document=upd)
    invoice.refresh_from_db()
    upd.refresh_from_db()
    assert upd.status == ClosingStatus.RECEIVED_SIGNED and upd.received_by == w.manager
    assert invoice.status == InvoiceStatus.PAID_SHIPPED
    assert [e.kind for e in events(w.deal)][-2:] == ["closing_document_received", "status_changed"]
    assert events(upd, "closing_document_received")


def test_x1_second_receive_and_second_upd_are_refused(w, invoice):
    _paid(w, invoice)
    upd = closing_document_create(actor=w.manager, invoice=invoice, kind="upd")
    closing_document_receive(actor=w.manager, document=upd)
    before = snapshot()
    with pytest.raises(RuleViolation):
        closing_document_receive(actor=w.manager, document=upd)
    with pytest.raises(RuleViolation) as err:
        closing_document_create(actor=w.manager, invoice=invoice, kind="upd")
    assert err.value.code == "closing_exists"
    with pytest.raises(InvalidInput):
        closing_document_create(actor=w.manager, invoice=invoice, kind="waybill")
    assert snapshot() == before


def test_x1_no_closing_document_for_a_new_or_cancelled_invoice(w, invoice):
    with pytest.raises(RuleViolation) as err:
        closing_document_create(actor=w.manager, invoice=invoice, kind="act")
    assert err.value.code == "invoice_not_closable"
    invoice_cancel(actor=w.manager, invoice=invoice)
    with pytest.raises(RuleViolation):
        closing_document_create(actor=w.manager, invoice=invoice, kind="upd")
    assert not ClosingDocument.objects.exists()


def test_i4_upd_request_needs_confirmed_parties_then_locks_them(w, invoice, f):
    """I4: a UPD is not issued while supplier and carrier are not the actual ones; once requested,
    they are locked."""
    invoice_send(actor=w.manager, invoice=invoice)
    invoice_set_parties(actor=w.manager, invoice=invoice, carrier=f.make_company("Другой перевозчик"))
    with pytest.raises(RuleViolation) as err:
        closing_document_create(actor=w.manager, invoice=invoice, kind="upd")
    assert err.value.code == "parties_not_confirmed"
    invoice_set_parties(actor=w.manager, invoice=invoice, confirmed=True)
    closing_document_create(actor=w.manager, invoice=invoice, kind="upd")
    invoice.refresh_from_db()
    assert invoice.upd_requested_at is not None
    with pytest.raises(RuleViolation) as err:
        invoice_set_parties(actor=w.manager, invoice=invoice, carrier=w.carrier)
    assert err.value.code == "parties_locked"


def test_x3_upd_received_before_payment_then_paid_goes_on_to_paid_and_shipped(w, invoice):
    invoice_send(actor=w.manager, invoice=invoice)
    upd = closing_document_create(actor=w.manager, invoice=invoice, kind="upd")
    closing_document_receive(actor=w.manager, document=upd)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.SENT
    invoice_pay(actor=w.manager, invoice=invoice, amount="4000.00")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID_SHIPPED


# ---------------------------------------------------------------- D7


def _won(w):
    deal_move(actor=w.manager, deal=w.deal, stage="won")


def test_d7_won_refused_without_an_invoice(w):
    """D7 (seed rule 60): the message says the deal has no invoice; nothing changes."""
    before = snapshot()
    with pytest.raises(RuleViolation) as err:
        _won(w)
    assert err.value.code == "deal_not_shipped" and "it has no invoice" in err.value.message
    assert snapshot() == before


def test_d7_won_refused_while_the_invoice_is_not_paid(w, invoice):
    invoice_send(actor=w.manager, invoice=invoice)
    with pytest.raises(RuleViolation) as err:
        _won(w)
    assert "invoice 2018 / 1 is not paid" in err.value.message


def test_d7_won_refused_until_the_upd_is_received(w, invoice):
    _paid(w, invoice)
    upd = closing_document_create(actor=w.manager, invoice=invoice, kind="upd")
    with pytest.raises(RuleViolation) as err:
        _won(w)
    assert "invoice 2018 / 1 is paid, but its UPD has not been received" in err.value.message
    closing_document_receive(actor=w.manager, document=upd)
    _won(w)
    w.deal.refresh_from_db()
    assert w.deal.stage.code == "won"


def test_d7_a_cancelled_invoice_does_not_count(w, invoice):
    invoice_cancel(actor=w.manager, invoice=invoice)
    with pytest.raises(RuleViolation) as err:
        _won(w)
    assert "it has no invoice" in err.value.message


def test_d7_lost_is_not_guarded(w):
    from dealbook.crm.models import LostReason

    deal_move(actor=w.manager, deal=w.deal, stage="lost", lost_reason=LostReason.objects.first())
    w.deal.refresh_from_db()
    assert w.deal.stage.code == "lost"


def test_d7_helper_for_other_apps_makes_a_bare_deal_winnable(f):
    """tests.billing.helpers.make_won_ready: a deal without lines or company can then be won (D7)."""
    from dealbook.accounts.models import Role
    from tests.billing.helpers import make_won_ready

    f.russia()
    manager = f.make_user(Role.SALES_MANAGER)
    deal = f.make_deal(responsible=manager)
    make_won_ready(deal)
    deal_move(actor=manager, deal=deal, stage="won")
    deal.refresh_from_db()
    assert deal.stage.code == "won"
