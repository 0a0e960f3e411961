"""Q3 by hand: a manager turns a proposal into an invoice with one action; once only."""

import pytest

from dealbook.billing.models import Invoice, InvoiceStatus
from dealbook.core.errors import NotFound, RuleViolation
from dealbook.core.models import EventKind
from dealbook.sales import services as svc
from tests.sales.conftest import SEED_TOTAL, events, make_proposal, make_sent, snapshot


def test_q3_to_invoice_by_hand_makes_a_new_invoice_on_the_deal(w):
    proposal = make_sent(w)
    invoice = svc.proposal_to_invoice(actor=w.manager, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.invoice == invoice and invoice.status == InvoiceStatus.NEW
    assert invoice.total == proposal.total == SEED_TOTAL and invoice.deal == w.deal
    assert invoice.lines.count() == proposal.lines.count() == 2
    for subject in (proposal, w.deal):
        (event,) = events(subject, EventKind.DOCUMENT_GENERATED)
        assert event.data["invoice_number"] == invoice.number


def test_q3_a_draft_can_be_invoiced_by_hand_too(w):
    invoice = svc.proposal_to_invoice(actor=w.manager, proposal=make_proposal(w))
    assert invoice.total == SEED_TOTAL


def test_q3_refused_when_already_invoiced_and_nothing_changes(w):
    proposal = make_sent(w)
    svc.proposal_to_invoice(actor=w.manager, proposal=proposal)
    before = snapshot()
    with pytest.raises(RuleViolation) as err:
        svc.proposal_to_invoice(actor=w.manager, proposal=proposal)
    assert err.value.code == "proposal_invoiced"
    assert snapshot() == before and Invoice.objects.count() == 1


def test_q3_a_declined_proposal_is_not_invoiced(w):
    proposal = make_sent(w)
    svc.proposal_decline(token=proposal.public_token, reason="Дорого")
    with pytest.raises(RuleViolation) as err:
        svc.proposal_to_invoice(actor=w.manager, proposal=proposal)
    assert err.value.code == "proposal_declined"
    assert not Invoice.objects.exists()


def test_r2_another_manager_cannot_invoice_it(w):
    proposal = make_sent(w)
    before = snapshot()
    with pytest.raises(NotFound):
        svc.proposal_to_invoice(actor=w.outsider, proposal=proposal)
    assert snapshot() == before
