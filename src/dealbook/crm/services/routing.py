"""D3: who takes a new deal, by direction (pipeline) and company segment.

Choice of rule:
1. only active rules of the pipeline whose manager is an active user;
2. rules for the company's segment win over generic rules (segment left empty);
3. within that level the lowest `priority` number wins;
4. several rules still tied share the work round-robin: the manager with the fewest open deals in
   the pipeline gets it, and on a tie the older rule (lower id). This balances load without a stored
   pointer that concurrent creations would have to lock.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from dealbook.accounts import policy
from dealbook.accounts.models import User
from dealbook.core import timeline
from dealbook.core.errors import InvalidInput
from dealbook.core.models import EventKind
from dealbook.crm.models import Deal, Pipeline, RoutingRule, Segment, StageKind


def routing_pick(pipeline: Pipeline, segment: Segment | None) -> User | None:
    """The responsible a new deal of `pipeline` for a company of `segment` goes to (None: nobody)."""
    rules = RoutingRule.objects.filter(pipeline=pipeline, is_active=True, responsible__is_active=True)
    if segment is not None:
        rules = rules.filter(Q(segment=segment) | Q(segment__isnull=True))
    else:
        rules = rules.filter(segment__isnull=True)
    candidates = list(rules.select_related("responsible").order_by("priority", "id"))
    if not candidates:
        return None
    specific = [r for r in candidates if r.segment_id is not None]
    level = specific or candidates
    best = min(r.priority for r in level)
    tied = [r for r in level if r.priority == best]
    if len({r.responsible_id for r in tied}) == 1:
        return tied[0].responsible
    load = dict(
        Deal.objects.filter(
            pipeline=pipeline,
            stage__kind=StageKind.OPEN,
            responsible_id__in=[r.responsible_id for r in tied],
        )
        .values_list("responsible_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    chosen = min(tied, key=lambda r: (load.get(r.responsible_id, 0), r.id))
    return chosen.responsible


@transaction.atomic
def routing_rule_create(
    *, actor, pipeline: Pipeline, responsible: User, segment: Segment | None = None, priority: int = 100
) -> RoutingRule:
    """D3: an administrator adds a routing rule (the Django admin does the same through its forms)."""
    policy.require(actor, "settings.manage", _("Only administrators configure routing."))
    if responsible is None or not responsible.is_active:
        raise InvalidInput(_("The responsible must be an active user."), field="responsible")
    if priority < 0:
        raise InvalidInput(_("Priority cannot be negative."), field="priority")
    rule = RoutingRule.objects.create(
        pipeline=pipeline, segment=segment, responsible=responsible, priority=priority
    )
    timeline.record(
        pipeline,
        EventKind.UPDATED,
        actor=actor,
        data={
            "field": "routing_rule",
            "from": None,
            "to": {
                "id": rule.pk,
                "segment_id": segment.pk if segment else None,
                "responsible_id": responsible.pk,
            },
        },
    )
    return rule
