"""Reads of deals and pipelines shared by the API and the pages, always scoped by R2."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models.query import ValuesIterable
from django.utils.translation import gettext as _

from dealbook.accounts import policy
from dealbook.accounts.models import Role
from dealbook.api.pagination import decode_cursor, page_ordering, page_query, page_result
from dealbook.core.errors import InvalidInput, NotFound
from dealbook.core.sqlcache import ShapeCache
from dealbook.crm.models import Deal, DealLine, LostReason, Pipeline, Source, Stage, StageKind

# Columns a deal list shows. Rows come back as dicts, not model instances: building four model
# objects per row costs more than the indexed query itself on the benchmarked list (50 rows).
LIST_VALUES = (
    "id",
    "title",
    "pipeline_id",
    "stage_id",
    "responsible_id",
    "company_id",
    "amount",
    "tax_amount",
    "currency",
    "is_shared",
    "source_id",
    "created_at",
    "close_date",
    "stage__name",
    "stage__code",
    "stage__kind",
    "company__name",
    "responsible__first_name",
    "responsible__last_name",
    "responsible__username",
)


class DealRow(dict):
    """A list row: a dict that also answers attributes (keyset pagination reads row.pk and the
    ordering field)."""

    __slots__ = ()

    def __getattr__(self, name):
        try:
            return self["id" if name == "pk" else name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def responsible_name(self) -> str | None:
        if not self["responsible_id"]:
            return None
        full = f"{self['responsible__first_name']} {self['responsible__last_name']}".strip()
        return full or self["responsible__username"]


class _DealRows(ValuesIterable):
    def __iter__(self):
        for row in super().__iter__():
            yield DealRow(row)


MAX_ID = 2**63 - 1


def as_id(value) -> int | None:
    """An id given as int or digits, or None when it cannot name a row (the database would
    overflow on it rather than find nothing)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and 1 <= value <= MAX_ID:
        return value
    return None


ORDERINGS = {"id": "pk", "created_at": "created_at", "amount": "amount", "title": "title"}
STATUSES = {"open": StageKind.OPEN, "won": StageKind.WON, "lost": StageKind.LOST}


def visible_deals(user):
    """Deals the user may see (R2)."""
    return policy.filter_visible(Deal.objects.all(), user)


def deal_visible_to(user, deal: Deal) -> bool:
    """R2 for one loaded deal, in Python (the same rule as policy.visible_q)."""
    if policy.sees_all(user) or deal.is_shared or deal.responsible_id == user.pk:
        return True
    if user.role == Role.GROUP_MANAGER and user.group_id and deal.responsible_id:
        return deal.responsible.group_id == user.group_id
    return False


def deal_for(user, pk) -> Deal:
    """One deal the user may see; another manager's private deal is as good as absent (404)."""
    pk = as_id(pk)
    if pk is None:
        raise NotFound(_("Deal not found."), field="id")
    deal = (
        visible_deals(user)
        .select_related("pipeline", "stage", "responsible", "company", "source", "tax_profile", "lost_reason")
        .filter(pk=pk)
        .first()
    )
    if deal is None:
        raise NotFound(_("Deal not found."), field="id")
    return deal


def line_for(deal: Deal, line_id) -> DealLine:
    line_id = as_id(line_id)
    line = (
        line_id and DealLine.objects.select_related("product", "unit").filter(deal=deal, pk=line_id).first()
    )
    if line is None:
        raise NotFound(_("Line not found."), field="line_id")
    return line


def deal_lines(deal: Deal):
    return DealLine.objects.filter(deal=deal).select_related("unit").order_by("sort", "id")


def deal_list(
    user,
    *,
    pipeline: int | None = None,
    stage: int | None = None,
    responsible: int | None = None,
    mine: bool = False,
    status: str | None = None,
    company: int | None = None,
    source: int | str | None = None,
    created_from: dt.date | None = None,
    created_to: dt.date | None = None,
    q: str | None = None,
):
    """D6 filters over the visible deals; one query whose DealRow rows carry the stage, company
    name and responsible's name."""
    qs = _filtered(
        visible_deals(user),
        user,
        pipeline=pipeline,
        stage=stage,
        responsible=responsible,
        mine=mine,
        status=status,
        company=company,
        source=source,
        created_from=created_from,
        created_to=created_to,
        q=q,
    )
    return _as_rows(qs)


def _filtered(
    qs,
    user,
    *,
    pipeline=None,
    stage=None,
    responsible=None,
    mine=False,
    status=None,
    company=None,
    source=None,
    created_from=None,
    created_to=None,
    q=None,
):
    """The D6 filters on a queryset of deals (the caller scopes it by R2)."""
    ids = {"pipeline": pipeline, "stage": stage, "responsible": responsible, "company": company}
    for name, value in ids.items():
        if value is not None and as_id(value) is None:
            raise InvalidInput(_("%(field)s: not an id.") % {"field": name}, field=name)
    if pipeline is not None:
        qs = qs.filter(pipeline_id=pipeline)
    if stage is not None:
        qs = qs.filter(stage_id=stage)
    if responsible is not None:
        qs = qs.filter(responsible_id=responsible)
    if mine:
        qs = qs.filter(responsible_id=user.pk)
    if status:
        if status not in STATUSES:
            raise InvalidInput(_("status: use open, won or lost."), field="status")
        # a subquery on the small stage table keeps the (stage, -id) index usable
        qs = qs.filter(stage_id__in=Stage.objects.filter(kind=STATUSES[status]).values("pk"))
    if company is not None:
        qs = qs.filter(company_id=company)
    if source not in (None, ""):
        if isinstance(source, int) or str(source).isdigit():
            qs = qs.filter(source_id=as_id(source) or 0)
        else:
            qs = qs.filter(source_id__in=Source.objects.filter(code=source).values("pk"))
    if created_from is not None:
        qs = qs.filter(created_at__date__gte=created_from)
    if created_to is not None:
        qs = qs.filter(created_at__date__lte=created_to)
    if q:
        qs = qs.filter(title__icontains=q.strip())
    return qs


def _as_rows(qs):
    qs = qs.values(*LIST_VALUES)
    qs._iterable_class = _DealRows  # the documented values() machinery, yielding DealRow
    return qs


# ---------------------------------------------------------------- one page of the list (API hot path)

PAGES = ShapeCache()
_ID_FILTERS = ("pipeline", "stage", "responsible", "company", "source")


def deal_page(user, *, ordering: str | None = None, cursor: str | None = None, limit: int = 50, **filters):
    """One keyset page of deal_list(user, **filters): (DealRow items, next_cursor), one query.

    A page whose arguments are all integers (ids, the user, a cursor of the id ordering) runs the
    SQL compiled for its shape the first time (core.sqlcache); any other page, or a shape the
    cache refuses, goes through the ORM. Both come from `_page_query`.
    """
    field, desc = page_ordering(ordering, allowed=ORDERINGS, default="-id", limit=limit)
    position = decode_cursor(cursor) if cursor else None
    items = None
    args = _page_args(user, filters, field, position)
    if args is not None:
        key = (
            "deal_page",
            policy.visibility(user),
            field,
            desc,
            limit,
            bool(filters.get("mine")),
            filters.get("status"),
        )

        def build(stand_ins):
            return _page_query(
                policy.stand_in(user, stand_ins),
                {**filters, **{name: stand_ins[name] for name in _ID_FILTERS if name in stand_ins}},
                field=field,
                desc=desc,
                position=(stand_ins["after"], stand_ins["after"]) if "after" in stand_ins else None,
                limit=limit,
            )

        items = PAGES.rows(key, build, args, row=DealRow)
    if items is None:
        items = list(_page_query(user, filters, field=field, desc=desc, position=position, limit=limit))
    return page_result(items, field=field, limit=limit)


def _page_query(user, filters: dict, *, field: str, desc: bool, position, limit: int):
    """The page's queryset. A sales manager's R2 (own or shared) selects a small share of the
    deals, so the OR of its branches walks the id index filtering row by row (12k rows skipped for
    a page at 1M deals); where the database can order and limit inside a UNION (PostgreSQL), each
    branch is one indexed scan of `limit + 1` rows and the UNION is ordered and limited again
    (1M deals: 2.6 -> 1.5 ms planning + execution). A group manager's branches cover a large share
    of the deals, where the OR is cheaper (1.2 vs 4 ms), and it stays."""
    branches = policy.visible_branches(user)
    if (
        policy.visibility(user) != "own"
        or len(branches) < 2
        or not connection.features.supports_slicing_ordering_in_compound
    ):
        return page_query(deal_list(user, **filters), field=field, desc=desc, position=position, limit=limit)
    parts = [
        page_query(
            _as_rows(_filtered(Deal.objects.filter(branch), user, **filters)),
            field=field,
            desc=desc,
            position=position,
            limit=limit,
        )
        for branch in branches
    ]
    return page_query(parts[0].union(*parts[1:]), field=field, desc=desc, position=None, limit=limit)


def _page_args(user, filters: dict, field: str, position) -> dict[str, int] | None:
    """The page's integer arguments by name, or None when it has any other kind (dates, text, a
    cursor on another field) or a value deal_list would refuse."""
    if filters.get("q") or filters.get("created_from") is not None or filters.get("created_to") is not None:
        return None
    if filters.get("status") and filters["status"] not in STATUSES:
        return None
    args = {"user": user.pk}
    if user.group_id is not None:
        args["group"] = user.group_id
    for name in _ID_FILTERS:
        value = filters.get(name)
        if value is None or (name == "source" and value == ""):
            continue
        if name == "source" and not isinstance(value, int) and str(value).isdigit():
            value = int(value)
        if type(value) is not int or as_id(value) is None:
            return None
        args[name] = value
    if position is not None:
        if field != "pk":
            return None
        args["after"] = position[1]
    return args


def pipelines_active():
    return Pipeline.objects.filter(is_active=True).prefetch_related("stages").order_by("sort", "id")


def pipeline_for(pk) -> Pipeline:
    pk = as_id(pk)
    pipeline = pk and Pipeline.objects.prefetch_related("stages").filter(pk=pk).first()
    if pipeline is None:
        raise NotFound(_("Pipeline not found."), field="id")
    return pipeline


def lost_reasons_active():
    return LostReason.objects.filter(is_active=True).order_by("sort", "name")
