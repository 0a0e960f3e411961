"""Reads of proposals shared by the API and the pages, scoped by R2 (as their deals)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from dealbook.accounts import policy
from dealbook.catalog import lines
from dealbook.core.errors import InvalidInput, NotFound
from dealbook.core.sqlcache import ShapeCache
from dealbook.crm.queries.deals import as_id
from dealbook.sales.models import Proposal, ProposalLine, ProposalStatus

PLANS = ShapeCache()
ORDERINGS = {"id": "pk", "date": "date", "total": "total", "valid_until": "valid_until"}
LIST_RELATED = ("seller", "payer_company", "payer_contact", "responsible", "invoice")


def visible_proposals(user):
    """R2: the responsible's own, the group's for a group manager, those of shared deals; all for
    directors, administrators, operators and accounting."""
    return policy.filter_visible(Proposal.objects.all(), user, shared="deal__is_shared")


# the card's: the manager, the invoice and the tax profile load on use — PostgreSQL plans eight
# joins in ~5 ms, five in ~1 ms, while a primary-key fetch costs a fraction of that
FULL_RELATED = ("seller", "payer_company", "payer_contact", "deal", "signature")
# what the API's detail shows besides the proposal's own fields: the client's name, the signature
DETAIL_RELATED = ("payer_company", "payer_contact", "signature")


def proposal_for(user, pk, related=FULL_RELATED) -> Proposal:
    """One proposal the user may see; anything else is as good as absent (404). `related`: the
    rows joined in (a handler that only hands the proposal to a service, which locks and loads it
    again, needs none)."""
    pk = as_id(pk)
    found = None
    if pk:
        related = tuple(related)

        def build(a):
            qs = visible_proposals(policy.stand_in(user, a)).filter(pk=a["pk"])
            qs = qs.select_related(*related) if related else qs  # select_related() would join all
            return qs.order_by()[:1]

        key = ("proposal_for", policy.visibility(user), related)
        found = PLANS.one(key, build, {"pk": pk, **policy.visibility_args(user)})
    if found is None:
        raise NotFound(_("Proposal not found."), field="id")
    return found


def proposal_lines(proposal: Proposal):
    return ProposalLine.objects.filter(proposal=proposal).select_related("unit").order_by("sort", "id")


def has_lines(proposal: Proposal) -> bool:
    return lines.has_lines(ProposalLine, "proposal", proposal)


def print_lines(proposal: Proposal) -> list[ProposalLine]:
    """The lines in order with their units and products, as the print form shows them."""
    return lines.ordered_lines(ProposalLine, "proposal", proposal, related=("unit", "product"))


def proposal_line_list(proposal: Proposal) -> list[ProposalLine]:
    """The proposal's lines in order, with their units."""
    return lines.ordered_lines(ProposalLine, "proposal", proposal)


def line_for(proposal: Proposal, line_id) -> ProposalLine:
    line = proposal_lines(proposal).filter(pk=as_id(line_id) or 0).first()
    if line is None:
        raise NotFound(_("Line not found."), field="line_id")
    return line


def proposal_list(user, *, status: str | None = None, deal=None, q: str | None = None):
    """Filters over the visible proposals: status (comma list), deal id, number or subject fragment."""
    qs = visible_proposals(user)
    if status:
        wanted = [s for s in status.split(",") if s]
        unknown = [s for s in wanted if s not in ProposalStatus.values]
        if unknown:
            raise InvalidInput(_("status: unknown status '%(s)s'.") % {"s": unknown[0]}, field="status")
        qs = qs.filter(status__in=wanted)
    if deal not in (None, ""):
        deal_id = as_id(deal)
        if deal_id is None:
            raise InvalidInput(_("%(field)s: not an id.") % {"field": "deal_id"}, field="deal_id")
        qs = qs.filter(deal_id=deal_id)
    if q:
        from django.db.models import Q

        q = q.strip()[:100]
        qs = qs.filter(Q(number__icontains=q) | Q(title__icontains=q))
    return qs.select_related(*LIST_RELATED)


def _by_token(a):
    return (
        Proposal.objects.select_related("seller", "payer_company", "payer_contact", "signature")
        .filter(public_token=a["token"])
        .exclude(status=ProposalStatus.DRAFT)[:1]
    )


def proposal_by_token(token: str) -> Proposal:
    """The proposal behind a public link (no login), read only; drafts and unknown tokens are a 404."""
    token = (token or "").strip()
    found = None
    if 20 <= len(token) <= 64:
        found = PLANS.one("proposal_by_token", _by_token, {"token": token})
    if found is None:
        raise NotFound(_("This link is not valid."), field="token")
    return found
