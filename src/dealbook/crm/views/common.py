"""What the CRM pages share: the board's and list's filters, the pipeline asked for, the rows
decorated for cards, and keyset list pages."""

from __future__ import annotations

from django.db.models import Min
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dealbook.activities.models import Task, TaskStatus
from dealbook.api.pagination import paginate
from dealbook.core.errors import DomainError, InvalidInput
from dealbook.crm.models import DealContact, Pipeline
from dealbook.crm.queries import deals as dq


def _filters(request) -> dict:
    """The board's and list's filters from the query string, as deal_list arguments."""
    scope = request.GET.get("scope", "all")
    filters = {"mine": scope == "mine"}
    responsible = request.GET.get("responsible") or None
    if responsible:
        filters["responsible"] = dq.as_id(responsible) or responsible
    source = request.GET.get("source") or None
    if source:
        filters["source"] = source
    for name in ("created_from", "created_to"):
        value = request.GET.get(name) or None
        if value:
            from dealbook.crm.services.deal_base import clean_date

            filters[name] = clean_date(value, name)
    return filters


def _pipeline(request, pipelines: list[Pipeline]) -> Pipeline:
    wanted = dq.as_id(request.GET.get("pipeline"))
    chosen = next((p for p in pipelines if p.pk == wanted), None)
    if chosen is None:
        chosen = next((p for p in pipelines if p.is_default), None) or (pipelines[0] if pipelines else None)
    if chosen is None:
        raise InvalidInput(_("There is no active pipeline yet."), field="pipeline")
    return chosen


def _decorate(rows: list) -> list:
    """Add what a card shows besides the list row: the client when there is no company (the primary
    contact), the next open activity (overdue or not) and the responsible's initials. Two queries
    for any number of cards."""
    ids = [r["id"] for r in rows]
    if not ids:
        return rows
    now = timezone.now()
    next_at = dict(
        Task.objects.filter(deal_id__in=ids, status=TaskStatus.OPEN)
        .values("deal_id")
        .annotate(at=Min("deadline"))
        .values_list("deal_id", "at")
        .order_by()
    )
    need_contact = [r["id"] for r in rows if not r["company_id"]]
    contacts = {}
    if need_contact:
        for link in DealContact.objects.filter(deal_id__in=need_contact, is_primary=True).select_related(
            "contact"
        ):
            contacts[link.deal_id] = link.contact.full_name
    for r in rows:
        r["client"] = r["company__name"] or contacts.get(r["id"], "")
        r["next_at"] = next_at.get(r["id"])
        r["overdue"] = bool(r["next_at"] and r["next_at"] < now)
        first, last = r["responsible__first_name"], r["responsible__last_name"]
        initials = (
            "".join(p[0] for p in (first, last) if p).upper()
            or (r["responsible__username"] or "")[:2].upper()
        )
        r["initials"] = initials if r["responsible_id"] else ""
    return rows


def _currency() -> str:
    from django.conf import settings

    return settings.DEALBOOK_DEFAULT_CURRENCY


def deal_url(deal_id: int) -> str:
    return reverse("deal", args=[deal_id])


def _keyset(request, qs, limit=50):
    return paginate(
        qs, ordering="-id", allowed={"id": "pk"}, default="-id", cursor=request.GET.get("cursor"), limit=limit
    )


def _list_page(request, template, section, qs, **extra):
    try:
        rows, next_cursor = _keyset(request, qs)
    except DomainError as exc:
        return render(request, "web/error.html", {"title": section, "message": exc.message}, status=400)
    base = request.GET.copy()
    base.pop("cursor", None)
    return render(
        request,
        template,
        {
            "section": section,
            "rows": rows,
            "next": next_cursor,
            "q": request.GET.get("q", ""),
            "query": base.urlencode(),
            **extra,
        },
    )
