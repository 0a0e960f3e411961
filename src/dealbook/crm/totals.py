"""Exact running totals per (stage, responsible, shared, currency) for kanban headers (D6, R2).

A GROUP BY over the deals table grows with it (~20 ms at 100k rows), so every service that changes
what a deal contributes (create, move, assign, share toggle, amount, delete) calls `apply` with the
deal's contribution before and after, inside its own transaction. Headers then sum a few dozen rows.
`recount`/`rebuild` recompute from the deals (bulk loaders, repairs); tests assert the running rows
always equal a recount.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum

from dealbook.accounts import policy
from dealbook.accounts.models import Role, User
from dealbook.core.money import ZERO, round_money
from dealbook.crm.models import Deal, Pipeline, Stage, StageTotal


@dataclass(frozen=True)
class Share:
    """What one deal adds to the StageTotal row of its key."""

    pipeline_id: int
    stage_id: int
    responsible_key: int
    is_shared: bool
    currency: str
    amount: Decimal

    @property
    def key(self) -> tuple:
        return (self.stage_id, self.responsible_key, self.is_shared, self.currency)


def share_of(deal: Deal | None) -> Share | None:
    """The deal's contribution as it is now (None for a deal that does not exist)."""
    if deal is None or deal.pk is None:
        return None
    return Share(
        pipeline_id=deal.pipeline_id,
        stage_id=deal.stage_id,
        responsible_key=deal.responsible_id or 0,
        is_shared=bool(deal.is_shared),
        currency=deal.currency,
        amount=Decimal(deal.amount or 0),
    )


def apply(before: Share | None, after: Share | None) -> None:
    """Move a deal's contribution from `before` to `after` (either may be None: create, delete).

    Rows are touched in key order so two transactions never wait on each other crosswise.
    """
    deltas: dict[tuple, list] = {}
    if before is not None:
        deltas[before.key] = [before.pipeline_id, -1, -before.amount]
    if after is not None:
        row = deltas.setdefault(after.key, [after.pipeline_id, 0, ZERO])
        row[1] += 1
        row[2] += after.amount
    for key in sorted(deltas):
        pipeline_id, count, amount = deltas[key]
        if count or amount:
            _add(pipeline_id, key, count, amount)


def _add(pipeline_id: int, key: tuple, count: int, amount: Decimal) -> None:
    stage_id, responsible_key, is_shared, currency = key
    where = dict(stage_id=stage_id, responsible_key=responsible_key, is_shared=is_shared, currency=currency)
    updated = StageTotal.objects.filter(**where).update(count=F("count") + count, amount=F("amount") + amount)
    if updated:
        return
    try:
        # a concurrent first writer may create the row between our UPDATE and INSERT: retry the UPDATE
        with transaction.atomic():
            StageTotal.objects.create(pipeline_id=pipeline_id, count=count, amount=amount, **where)
    except IntegrityError:
        StageTotal.objects.filter(**where).update(count=F("count") + count, amount=F("amount") + amount)


def live_totals(pipeline: Pipeline) -> dict[tuple, tuple[int, Decimal]]:
    """Count and sum per key computed from the deals themselves (the slow, authoritative way)."""
    rows = (
        Deal.objects.filter(pipeline=pipeline)
        .values("stage_id", "responsible_id", "is_shared", "currency")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by()
    )
    return {
        (r["stage_id"], r["responsible_id"] or 0, r["is_shared"], r["currency"]): (r["n"], r["total"] or ZERO)
        for r in rows
    }


def stored_totals(pipeline: Pipeline) -> dict[tuple, tuple[int, Decimal]]:
    """The running rows, leaving out those that went back to nothing."""
    return {
        (t.stage_id, t.responsible_key, t.is_shared, t.currency): (t.count, t.amount)
        for t in StageTotal.objects.filter(pipeline=pipeline)
        if t.count or t.amount
    }


@transaction.atomic
def recount(pipeline: Pipeline) -> None:
    """Replace the pipeline's running rows with a recount (after bulk loads or a repair)."""
    # lock the pipeline row so two recounts of one pipeline do not interleave
    Pipeline.objects.select_for_update().filter(pk=pipeline.pk).exists()
    StageTotal.objects.filter(pipeline=pipeline).delete()
    StageTotal.objects.bulk_create(
        StageTotal(
            pipeline_id=pipeline.pk,
            stage_id=stage_id,
            responsible_key=responsible_key,
            is_shared=is_shared,
            currency=currency,
            count=count,
            amount=amount,
        )
        for (stage_id, responsible_key, is_shared, currency), (count, amount) in live_totals(pipeline).items()
    )


def rebuild() -> None:
    """Recount every pipeline (demo data and benchmark loaders call this once at the end)."""
    for pipeline in Pipeline.objects.all():
        recount(pipeline)


def _visible_rows_q(user) -> Q | None:
    """R2 on totals rows: the same owners accounts.policy lets the user see, plus shared deals."""
    if policy.sees_all(user):
        return None
    q = Q(responsible_key=user.pk) | Q(is_shared=True)
    if user.role == Role.GROUP_MANAGER and user.group_id:
        q |= Q(responsible_key__in=User.objects.filter(group_id=user.group_id).values("pk"))
    return q


def stage_headers(user, pipeline: Pipeline, *, responsible_id: int | None = None) -> list[dict]:
    """Kanban headers: every stage of the pipeline in order with the count and sum the user may see.

    `responsible_id` narrows them to one responsible's deals, as the board's "mine" and responsible
    filters narrow its cards. `amount` is the sum in the installation's default currency; `amounts`
    has every currency present (deals in other currencies are never added to it unconverted).
    """
    stages = list(Stage.objects.filter(pipeline=pipeline).order_by("sort", "id"))
    rows = StageTotal.objects.filter(pipeline=pipeline)
    q = _visible_rows_q(user)
    if q is not None:
        rows = rows.filter(q)
    if responsible_id is not None:
        rows = rows.filter(responsible_key=responsible_id)
    sums = rows.values("stage_id", "currency").annotate(n=Sum("count"), total=Sum("amount")).order_by()
    return _headers(stages, sums)


def stage_headers_live(deals, pipeline: Pipeline) -> list[dict]:
    """Headers counted from `deals` (already R2-scoped and filtered) when the board is narrowed by
    something the running totals do not hold (source, creation dates): a GROUP BY over just the
    filtered deals of one pipeline, in the same shape as stage_headers."""
    stages = list(Stage.objects.filter(pipeline=pipeline).order_by("sort", "id"))
    sums = (
        deals.filter(pipeline=pipeline)
        .values("stage_id", "currency")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by()
    )
    return _headers(stages, sums)


def _headers(stages, sums) -> list[dict]:
    default_currency = settings.DEALBOOK_DEFAULT_CURRENCY
    per_stage: dict[int, dict] = {s.pk: {"count": 0, "amounts": {}} for s in stages}
    for r in sums:
        entry = per_stage.get(r["stage_id"])
        if entry is None:
            continue
        entry["count"] += int(r["n"] or 0)
        if r["n"]:
            # the database's SUM may drop the scale (SQLite): state it in the currency's minor unit
            total = Decimal(r["total"] or ZERO)
            entry["amounts"][r["currency"]] = round_money(total, r["currency"])
    return [
        {
            "stage": s,
            "count": per_stage[s.pk]["count"],
            "amount": per_stage[s.pk]["amounts"].get(default_currency, round_money(ZERO, default_currency)),
            "amounts": per_stage[s.pk]["amounts"],
        }
        for s in stages
    ]
