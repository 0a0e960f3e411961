"""Q1 proposals are made from a deal (its lines copied) or blank, numbered gaplessly per seller and
year, and edited — fields and lines — only while a Draft; R1/R2 decide who may."""

import datetime as dt
from decimal import Decimal

import pytest

from dealbook.core.errors import Forbidden, InvalidInput, NotFound, RuleViolation
from dealbook.core.models import EventKind
from dealbook.core.tax import sum_lines
from dealbook.crm.models import DealLine
from dealbook.sales import services as svc
from dealbook.sales.models import ProposalLine, ProposalStatus
from dealbook.sales.services.lines import amounts_of
from tests.sales.conftest import SEED_TAX, SEED_TOTAL, events, make_proposal, make_sent, snapshot


def recount(proposal):
    lines = ProposalLine.objects.filter(proposal=proposal)
    return sum_lines((amounts_of(x), x.tax_rate) for x in lines)


def test_q1_proposal_from_deal_copies_lines_client_and_currency(w):
    proposal = make_proposal(w)
    assert proposal.status == ProposalStatus.DRAFT
    assert proposal.payer_company == w.buyer and proposal.seller == w.own
    assert proposal.currency == w.deal.currency and proposal.tax_date == w.deal.tax_date
    assert proposal.responsible == w.manager and proposal.title == w.deal.title
    ours = list(
        ProposalLine.objects.filter(proposal=proposal).values_list("name", "quantity", "price", "total")
    )
    theirs = list(DealLine.objects.filter(deal=w.deal).values_list("name", "quantity", "price", "total"))
    assert ours == theirs
    assert (proposal.total, proposal.tax) == (SEED_TOTAL, SEED_TAX)
    assert events(proposal, EventKind.CREATED) and events(w.deal, EventKind.CREATED)


def test_p4_stored_totals_equal_a_recount_after_every_edit(w):
    proposal = make_proposal(w)
    line = ProposalLine.objects.filter(proposal=proposal).first()
    svc.proposal_line_update(
        actor=w.manager,
        proposal=proposal,
        line=line,
        quantity="4",
        discount_kind="percent",
        discount_value="5",
    )
    svc.proposal_line_add(
        actor=w.manager, proposal=proposal, product=w.ring, quantity="1.000", price="650.50"
    )
    svc.proposal_line_remove(
        actor=w.manager, proposal=proposal, line=ProposalLine.objects.filter(proposal=proposal).last()
    )
    proposal.refresh_from_db()
    t = recount(proposal)
    assert (proposal.subtotal, proposal.discount, proposal.net, proposal.tax, proposal.total) == (
        t.subtotal,
        t.discount,
        t.net,
        t.tax,
        t.total,
    )
    assert proposal.total == Decimal("2660.00") + Decimal("1900.00")  # 4 × 700 − 5 %, 2 × 950


def test_q1_blank_proposal_takes_client_and_catalog_lines(w):
    proposal = svc.proposal_create(
        actor=w.manager,
        payer_contact=w.roman,
        tax_date=dt.date(2018, 5, 12),
        lines=[{"product": w.ring.pk, "quantity": "3"}, {"product": w.block.pk, "quantity": 2}],
    )
    assert proposal.deal is None and proposal.payer_contact == w.roman
    assert (proposal.total, proposal.tax) == (SEED_TOTAL, SEED_TAX)


def test_q1_blank_proposal_needs_a_client_and_catalog_products(w):
    before = snapshot()
    with pytest.raises(InvalidInput) as err:
        svc.proposal_create(actor=w.manager, lines=[{"product": w.ring.pk, "quantity": 1}])
    assert err.value.field == "payer_company"
    with pytest.raises(InvalidInput) as err:
        svc.proposal_create(
            actor=w.manager, payer_company=w.buyer, lines=[{"product": 999999, "quantity": 1}]
        )
    assert err.value.field == "product"
    assert snapshot() == before


def test_numbering_is_gapless_per_seller_and_year(w, f):
    first = make_proposal(w, date=dt.date(2026, 3, 1))
    second = make_proposal(w, date=dt.date(2026, 3, 2))
    next_year = make_proposal(w, date=dt.date(2027, 1, 10))
    assert (first.number, second.number, next_year.number) == ("2026-001", "2026-002", "2027-001")
    other = f.make_company("ООО Второе", is_own=True)
    assert make_proposal(w, seller=other, date=dt.date(2026, 3, 3)).number == "2026-001"


def test_q1_a_refused_creation_uses_no_number(w):
    with pytest.raises(InvalidInput):
        make_proposal(w, valid_until=dt.date(2000, 1, 1), date=dt.date(2026, 3, 1))
    assert make_proposal(w, date=dt.date(2026, 3, 1)).number == "2026-001"


def test_q1_update_and_lines_only_in_draft(w):
    proposal = make_sent(w)
    line = ProposalLine.objects.filter(proposal=proposal).first()
    before = snapshot()
    attempts = [
        lambda: svc.proposal_update(actor=w.manager, proposal=proposal, title="new"),
        lambda: svc.proposal_line_add(actor=w.manager, proposal=proposal, product=w.ring, quantity=1),
        lambda: svc.proposal_line_update(actor=w.manager, proposal=proposal, line=line, quantity=9),
        lambda: svc.proposal_line_remove(actor=w.manager, proposal=proposal, line=line),
    ]
    for attempt in attempts:
        with pytest.raises(RuleViolation) as err:
            attempt()
        assert err.value.code == "proposal_locked"
    assert snapshot() == before


def test_q1_update_in_draft_writes_from_and_to(w):
    proposal = make_proposal(w)
    valid = dt.date.today() + dt.timedelta(days=30)
    svc.proposal_update(actor=w.manager, proposal=proposal, title="КП на кольца", valid_until=valid)
    proposal.refresh_from_db()
    assert proposal.title == "КП на кольца" and proposal.valid_until == valid
    changed = {e.data["field"] for e in events(proposal, EventKind.UPDATED)}
    assert changed == {"title", "valid_until"}


def test_p2_line_unit_must_be_the_products(w):
    proposal = make_proposal(w)
    with pytest.raises(InvalidInput) as err:
        svc.proposal_line_add(actor=w.manager, proposal=proposal, product=w.ring, quantity=1, unit="т")
    assert err.value.field == "unit"


def test_r2_a_manager_cannot_touch_another_managers_proposal(w):
    proposal = make_proposal(w)
    before = snapshot()
    with pytest.raises(NotFound):
        svc.proposal_update(actor=w.outsider, proposal=proposal, title="x")
    with pytest.raises(InvalidInput) as err:
        svc.proposal_create(actor=w.outsider, deal=w.deal)
    assert err.value.field == "deal"
    assert snapshot() == before
    # the group manager sees the group's
    svc.proposal_update(actor=w.head, proposal=proposal, title="ok")


def test_r1_accounting_does_not_make_proposals(w):
    with pytest.raises(Forbidden):
        svc.proposal_create(actor=w.accountant, deal=w.deal)


def test_closed_deal_gets_no_proposal(w, f):
    w.deal.stage = f.stage(w.pipeline, "lost")
    w.deal.save()
    with pytest.raises(RuleViolation) as err:
        make_proposal(w)
    assert err.value.code == "deal_closed"
