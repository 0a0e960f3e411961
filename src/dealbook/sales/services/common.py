"""What the proposal services share: role and visibility checks with row locks (R1, R2), status
changes by the transition map (Q1), and timeline entries on the proposal and its deal."""

from __future__ import annotations

from django.utils.translation import gettext as _

from dealbook.accounts import policy
from dealbook.accounts.models import Role
from dealbook.core import timeline
from dealbook.core.errors import NotFound, RuleViolation
from dealbook.core.sqlcache import ShapeCache
from dealbook.sales.models import Proposal, ProposalStatus, can_transition

# Joined when a proposal is locked: what nearly every service uses (the print form, the e-mail, the
# client's page). The deal, the responsible and the tax profile load on use (one plain query
# each): PostgreSQL's planning time grows steeply with every join (six cost it milliseconds),
# far more than a primary-key fetch.
RELATED = ("seller", "payer_company", "payer_contact")
PLANS = ShapeCache()


def require_sales(actor) -> None:
    """R1: proposals are made by those who work deals (not accounting or finance)."""
    policy.require(actor, "deal.edit", _("Your role does not allow working with proposals."))


def proposal_visible_to(user, proposal: Proposal) -> bool:
    """R2 for one loaded proposal, as its deal: the responsible's own, the group's, or shared."""
    if policy.sees_all(user) or proposal.responsible_id == user.pk:
        return True
    if proposal.deal_id and proposal.deal.is_shared:
        return True
    if user.role == Role.GROUP_MANAGER and user.group_id and proposal.responsible_id:
        return proposal.responsible.group_id == user.group_id
    return False


def lock_proposal(actor, proposal, *, require_role: bool = True) -> Proposal:
    """Lock the proposal's own row, then check role (403) and visibility (404)."""
    if require_role:
        require_sales(actor)
    pk = getattr(proposal, "pk", proposal)
    locked = PLANS.one("lock_proposal", _locked_by_pk, {"pk": pk}) if type(pk) is int else None
    if locked is None or not proposal_visible_to(actor, locked):
        raise NotFound(_("Proposal not found."), field="id")
    return locked


def lock_by_token(token: str) -> Proposal | None:
    """The proposal behind a public link, locked; None when no proposal has exactly this token."""
    token = (token or "").strip()
    if not 20 <= len(token) <= 64:
        return None
    return PLANS.one("lock_by_token", _locked_by_token, {"token": token})


# compiled once (core.sqlcache): the row locked with the joins every service uses
def _locked_by_pk(a):
    return Proposal.objects.select_for_update(of=("self",)).select_related(*RELATED).filter(pk=a["pk"])[:1]


def _locked_by_token(a):
    return (
        Proposal.objects.select_for_update(of=("self",))
        .select_related(*RELATED)
        .filter(public_token=a["token"])
        .exclude(status=ProposalStatus.DRAFT)[:1]
    )


def sync(target, source: Proposal) -> Proposal:
    """Copy the saved state onto the caller's instance so it can keep using its object."""
    if isinstance(target, Proposal) and target is not source:
        for f in Proposal._meta.concrete_fields:
            setattr(target, f.attname, getattr(source, f.attname))
        target._state.fields_cache = dict(source._state.fields_cache)
        return target
    return source


def record(proposal: Proposal, kind: str, *, actor, data: dict | None = None) -> None:
    """One entry on the proposal's timeline and, with the same group, on its deal's (Q2, T4)."""
    payload = {"proposal_id": proposal.pk, "number": proposal.number, **(data or {})}
    subjects = [proposal]
    if proposal.deal_id:
        subjects.append(proposal.deal)
    timeline.record_many(subjects, kind, actor=actor, data=payload)


def set_status(proposal: Proposal, new: str, *, actor, kind: str, data: dict | None = None) -> None:
    """Q1: move the locked proposal along the map, written on both timelines as `kind`."""
    old = proposal.status
    if not can_transition(old, new):
        raise RuleViolation(
            _("A proposal in status “%(old)s” cannot become “%(new)s”.")
            % {"old": ProposalStatus(old).label, "new": ProposalStatus(new).label},
            field="status",
            code="proposal_transition",
        )
    proposal.status = new
    proposal.save_changes()
    record(proposal, kind, actor=actor, data={"from": old, "to": new, **(data or {})})


def refuse_unless_draft(proposal: Proposal) -> None:
    """Q1: the lines, amounts and client change only while the proposal is a Draft."""
    if proposal.status != ProposalStatus.DRAFT:
        raise RuleViolation(
            _("Proposal %(number)s is “%(status)s”: only a draft can be edited.")
            % {"number": proposal.number, "status": proposal.get_status_display()},
            field="status",
            code="proposal_locked",
        )
