"""Q1: Draft → Sent → Viewed → Accepted / Declined / Expired — the full matrix of allowed and refused
transitions, and expiry past the validity date (lazily and by the periodic sweep)."""

import datetime as dt
import itertools

import pytest

from dealbook.core.errors import RuleViolation
from dealbook.core.models import EventKind
from dealbook.sales import services as svc
from dealbook.sales.models import ALLOWED, ProposalStatus, can_transition
from dealbook.sales.services.common import lock_proposal, set_status
from tests.sales.conftest import events, make_proposal, make_sent, snapshot

S = ProposalStatus
EXPECTED = {
    (S.DRAFT, S.SENT),
    (S.SENT, S.VIEWED),
    (S.SENT, S.ACCEPTED),
    (S.SENT, S.DECLINED),
    (S.SENT, S.EXPIRED),
    (S.VIEWED, S.ACCEPTED),
    (S.VIEWED, S.DECLINED),
    (S.VIEWED, S.EXPIRED),
}


def test_q1_transition_map_is_exactly_the_rule():
    allowed = {(a, b) for a, targets in ALLOWED.items() for b in targets}
    assert allowed == EXPECTED
    assert set(ALLOWED) == set(S.values)


@pytest.mark.parametrize("old,new", list(itertools.product(S.values, S.values)))
def test_q1_every_pair_is_allowed_or_refused_by_the_service(w, old, new):
    """set_status (the one place statuses change) follows the map; a refused move changes nothing."""
    from django.db import transaction

    proposal = make_proposal(w)
    proposal.status = old
    proposal.save()
    before = snapshot()
    with transaction.atomic():
        locked = lock_proposal(w.manager, proposal)
        if (old, new) in EXPECTED:
            set_status(locked, new, actor=w.manager, kind=EventKind.STATUS_CHANGED)
            assert can_transition(old, new)
        else:
            with pytest.raises(RuleViolation) as err:
                set_status(locked, new, actor=w.manager, kind=EventKind.STATUS_CHANGED)
            assert err.value.code == "proposal_transition"
    if (old, new) not in EXPECTED:
        assert snapshot() == before


@pytest.mark.parametrize("status", [S.ACCEPTED, S.DECLINED, S.EXPIRED])
def test_q1_an_answered_proposal_is_not_sent_again(w, status):
    proposal = make_sent(w)
    proposal.status = status
    proposal.save()
    before = snapshot()
    with pytest.raises(RuleViolation):
        svc.proposal_send(actor=w.manager, proposal=proposal)
    assert snapshot() == before


def test_q1_sending_again_keeps_the_status(w):
    proposal = make_sent(w)
    svc.proposal_send(actor=w.manager, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.status == S.SENT
    assert len(events(proposal, EventKind.PROPOSAL_SENT)) == 2


def test_q1_expire_past_validity_writes_both_timelines(w):
    proposal = make_sent(w)
    with pytest.raises(RuleViolation) as err:
        svc.proposal_expire(proposal=proposal)
    assert err.value.code == "proposal_still_valid"
    later = proposal.valid_until + dt.timedelta(days=1)
    svc.proposal_expire(proposal=proposal, today=later)
    svc.proposal_expire(proposal=proposal, today=later)  # safe to run twice
    proposal.refresh_from_db()
    assert proposal.status == S.EXPIRED
    assert len(events(proposal, EventKind.PROPOSAL_EXPIRED)) == 1
    assert len(events(w.deal, EventKind.PROPOSAL_EXPIRED)) == 1


def test_q1_sweep_expires_only_open_proposals_past_validity(w):
    due = make_sent(w)
    fresh = make_sent(w, valid_until=dt.date.today() + dt.timedelta(days=40))
    draft = make_proposal(w)
    assert svc.proposals_expire_due(today=due.valid_until + dt.timedelta(days=1)) == 1
    for p in (due, fresh, draft):
        p.refresh_from_db()
    assert (due.status, fresh.status, draft.status) == (S.EXPIRED, S.SENT, S.DRAFT)


def test_q1_a_draft_past_validity_cannot_be_sent(w):
    proposal = make_proposal(w, date=dt.date(2026, 1, 1), valid_until=dt.date(2026, 1, 2))
    if proposal.valid_until >= dt.date.today():
        pytest.skip("the clock is before 2026-01-03")
    with pytest.raises(Exception) as err:
        svc.proposal_send(actor=w.manager, proposal=proposal)
    assert getattr(err.value, "field", None) == "valid_until"
