"""Reads of deals and pipelines shared by the API and the pages, always scoped by R2."""

from __future__ import annotations

import datetime as dt

from django.db.models.query import ValuesIterable
from django.utils.translation import gettext as _

from dealbook.accounts import policy
from dealbook.accounts.models import Role
from dealbook.core.errors import InvalidInput, NotFound
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
    qs = visible_deals(user)
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
    qs = qs.values(*LIST_VALUES)
    qs._iterable_class = _DealRows  # the documented values() machinery, yielding DealRow
    return qs


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
