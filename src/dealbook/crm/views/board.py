"""Deal pages: the kanban per pipeline (D6 columns with running totals, drag to move, quick create).

Views fetch through the R2-scoped queries, call one service per action and render; every rule
(closed deals, loss reasons, who may assign) stays in crm.services and surfaces here as the
service's message, at the field it names."""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dealbook.accounts import policy
from dealbook.accounts.queries import active_users
from dealbook.api.pagination import paginate
from dealbook.core.errors import DomainError, InvalidInput
from dealbook.crm import totals
from dealbook.crm.models import Source, StageKind
from dealbook.crm.queries import deals as dq
from dealbook.crm.services import deals as deal_services
from dealbook.crm.views.card import _deal_head
from dealbook.crm.views.common import _currency, _decorate, _filters, _pipeline
from dealbook.web.pages import is_htmx, json_error, page, post_value, render_form
from dealbook.web.templatetags.web_tags import format_money

PAGE = 20  # cards per column per request


def _column_page(user, pipeline, stage_id, filters, cursor=None):
    qs = dq.deal_list(user, pipeline=pipeline.pk, stage=stage_id, **filters)
    return paginate(qs, ordering="-id", allowed=dq.ORDERINGS, default="-id", cursor=cursor, limit=PAGE)


def _headers_responsible(user, filters: dict) -> int | None:
    """The one responsible the board is narrowed to ("mine", the responsible filter), else None;
    -1 (nobody) when the two filters disagree, as the cards then do."""
    wanted = {user.pk} if filters.get("mine") else set()
    if filters.get("responsible") is not None:
        wanted.add(dq.as_id(filters["responsible"]) or -1)
    if not wanted:
        return None
    return wanted.pop() if len(wanted) == 1 else -1


# filters the running totals do not hold: with any of them the headers are counted live
LIVE_HEADER_FILTERS = ("source", "created_from", "created_to")


def _header_items(user, pipeline, filters: dict | None = None) -> list[dict]:
    """D6 column headers narrowed like the cards: from the running totals for "mine" and responsible,
    counted over the filtered deals for source and creation dates."""
    filters = filters or {}
    if any(filters.get(name) not in (None, "") for name in LIVE_HEADER_FILTERS):
        deals = dq.visible_deals(user)
        narrowed = dq.deal_list(user, pipeline=pipeline.pk, **filters).values("pk")
        headers = totals.stage_headers_live(deals.filter(pk__in=narrowed), pipeline)
    else:
        headers = totals.stage_headers(user, pipeline, responsible_id=_headers_responsible(user, filters))
    return [
        {
            "stage": h["stage"],
            "stage_id": h["stage"].pk,
            "count": h["count"],
            "amount": h["amount"],
            "sum": format_money(h["amount"], _currency()),
        }
        for h in headers
    ]


@page
def deals_board(request):
    """D6 kanban: a column per open stage with its count and sum (R2-scoped running totals), the first
    cards of each, and won/lost as drop zones. A fixed number of queries whatever the deal count."""
    user = request.user
    pipelines = list(dq.pipelines_active())
    try:
        pipeline = _pipeline(request, pipelines)
        filters = _filters(request)
    except InvalidInput as exc:
        return render(request, "web/error.html", {"title": _("Deals"), "message": exc.message}, status=400)
    headers = _header_items(user, pipeline, filters)
    open_cols, closed_cols = [], []
    all_rows = []
    for h in headers:
        if h["stage"].kind == StageKind.OPEN:
            rows, next_cursor = _column_page(user, pipeline, h["stage"].pk, filters)
            all_rows.extend(rows)
            open_cols.append({**h, "rows": rows, "next": next_cursor})
        else:
            closed_cols.append({**h, "rows": [], "next": None})
    _decorate(all_rows)
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(
        request,
        "crm/board.html",
        {
            "section": "deals",
            "pipelines": pipelines,
            "pipeline": pipeline,
            "open_columns": open_cols,
            "closed_columns": closed_cols,
            "scope": "mine" if filters.get("mine") else "all",
            "responsible": filters.get("responsible"),
            "users": list(active_users()),
            "sources": list(Source.objects.order_by("sort", "name")),
            "lost_reasons": list(dq.lost_reasons_active()),
            "filter_query": query.urlencode(),
            "can_create": policy.can(user, "deal.create"),
        },
    )


@page
def deals_column(request, stage_id: int):
    """The next cards of one column (keyset, PAGE at a time) — the board asks when the end scrolls in."""
    user = request.user
    pipelines = list(dq.pipelines_active())
    pipeline = _pipeline(request, pipelines)
    if not any(s.pk == stage_id for s in pipeline.stages.all()):
        raise InvalidInput(_("Unknown stage, or a stage of another pipeline."), field="stage")
    try:
        rows, next_cursor = _column_page(
            user, pipeline, stage_id, _filters(request), request.GET.get("cursor")
        )
    except DomainError as exc:
        return json_error(exc)
    _decorate(rows)
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(
        request,
        "crm/_cards.html",
        {"rows": rows, "next": next_cursor, "stage_id": stage_id, "filter_query": query.urlencode()},
    )


def _card_html(request, deal_id: int) -> str:
    rows = _decorate(list(dq.deal_list(request.user).filter(pk=deal_id)))
    if not rows:
        return ""
    return render_to_string("crm/_card.html", {"d": rows[0]}, request=request)


def _move_filters(request) -> dict:
    """The board's filters, sent along with a drop so the headers it gets back stay narrowed."""
    try:
        return _filters(request)
    except InvalidInput:
        return {}


@require_POST
@page
def deal_move(request, pk: int):
    """D1/D8 a drag on the board or a click on the progress bar: the same service as the API; a move
    a rule forbids answers with the rule's message (the board snaps the card back)."""
    try:
        deal = dq.deal_for(request.user, pk)
        deal_services.deal_move(
            actor=request.user,
            deal=deal,
            stage=post_value(request, "stage"),
            lost_reason=post_value(request, "lost_reason") or None,
            lost_comment=post_value(request, "lost_comment", ""),
        )
    except DomainError as exc:
        return json_error(exc)
    if is_htmx(request):
        return _deal_head(request, pk, toast=_("Moved to “%(stage)s”.") % {"stage": deal.stage.name})
    return JsonResponse(
        {
            "ok": True,
            "message": _("Moved to “%(stage)s”.") % {"stage": deal.stage.name},
            "headers": [
                {"stage_id": h["stage_id"], "count": h["count"], "sum": h["sum"]}
                for h in _header_items(request.user, deal.pipeline, _move_filters(request))
            ],
            "card": _card_html(request, pk),
        }
    )


@require_POST
@page
def deal_quick_create(request):
    """D1/D3 quick create on the board: a title (and optionally a responsible; routing picks one
    otherwise); the card appears in the column of its stage."""
    user = request.user
    pipelines = list(dq.pipelines_active())
    context = {"pipeline": None, "users": list(active_users()), "values": request.POST}
    try:
        wanted = dq.as_id(request.POST.get("pipeline"))
        pipeline = next((p for p in pipelines if p.pk == wanted), None)
        if pipeline is None:
            raise InvalidInput(_("Choose an active pipeline."), field="pipeline")
        context["pipeline"] = pipeline
        responsible = None
        if request.POST.get("responsible"):
            responsible = active_users().filter(pk=dq.as_id(request.POST["responsible"]) or 0).first()
            if responsible is None:
                raise InvalidInput(_("Unknown or inactive user."), field="responsible")
        deal = deal_services.deal_create(
            actor=user, title=request.POST.get("title", ""), pipeline=pipeline, responsible=responsible
        )
    except DomainError as exc:
        return render_form(request, "crm/_quick_create.html", context, exc)
    context["values"] = {}
    context["created"] = _card_html(request, deal.pk)
    context["created_stage"] = deal.stage_id
    context["created_title"] = deal.title
    response = render(request, "crm/_quick_create.html", context)
    return response


@page
def deals_home(request):
    return redirect("deals")
