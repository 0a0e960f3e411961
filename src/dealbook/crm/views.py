"""Deal pages: the kanban per pipeline, the deal card and the deals list.

Views fetch through the R2-scoped queries, call one service per action and render; every rule
(closed deals, loss reasons, who may assign) stays in crm.services and surfaces here as the
service's message, at the field it names.
"""

from __future__ import annotations

from django.db.models import Min
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dealbook.accounts import policy
from dealbook.accounts.queries import active_users
from dealbook.activities.models import Task, TaskKind, TaskStatus
from dealbook.api.pagination import paginate
from dealbook.catalog.queries import products as catalog_products
from dealbook.core import timeline
from dealbook.core.errors import DomainError, InvalidInput, NotFound
from dealbook.core.models import Attachment, EventKind
from dealbook.crm import totals
from dealbook.crm.cardtabs import deal_tab, deal_tabs
from dealbook.crm.models import BankAccount, DealContact, DealType, Pipeline, Source, Stage, StageKind
from dealbook.crm.queries import deals as dq
from dealbook.crm.services import deals as deal_services
from dealbook.crm.services import lines as line_services
from dealbook.web.pages import is_htmx, json_error, page, post_value, render_form
from dealbook.web.templatetags.web_tags import format_money

PAGE = 20  # cards per column per request


# ---------------------------------------------------------------- kanban


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


def _column_page(user, pipeline, stage_id, filters, cursor=None):
    qs = dq.deal_list(user, pipeline=pipeline.pk, stage=stage_id, **filters)
    return paginate(qs, ordering="-id", allowed=dq.ORDERINGS, default="-id", cursor=cursor, limit=PAGE)


def _header_items(user, pipeline) -> list[dict]:
    return [
        {
            "stage": h["stage"],
            "stage_id": h["stage"].pk,
            "count": h["count"],
            "amount": h["amount"],
            "sum": format_money(h["amount"], _currency()),
        }
        for h in totals.stage_headers(user, pipeline)
    ]


def _currency() -> str:
    from django.conf import settings

    return settings.DEALBOOK_DEFAULT_CURRENCY


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
    headers = _header_items(user, pipeline)
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
                for h in _header_items(request.user, deal.pipeline)
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


# ---------------------------------------------------------------- deals list


LIST_COLUMNS = (
    ("stage", _("Stage")),
    ("client", _("Client")),
    ("responsible", _("Responsible")),
    ("amount", _("Amount")),
    ("created", _("Created")),
    ("close_date", _("Expected close date")),
)
DEFAULT_COLUMNS = ("stage", "client", "responsible", "amount", "created")


def _list_columns(request) -> list[str]:
    """The columns the user picked (kept in their session until they pick again)."""
    known = {name for name, _label in LIST_COLUMNS}
    if "columns" in request.GET:
        picked = [c for c in request.GET.getlist("cols") if c in known]
        request.session["deal_list_columns"] = picked
    picked = request.session.get("deal_list_columns")
    if picked is None:
        picked = list(DEFAULT_COLUMNS)
    return [name for name, _label in LIST_COLUMNS if name in picked]


LIST_ORDERINGS = {"id", "-id", "title", "-title", "amount", "-amount", "created_at", "-created_at"}
PRESETS = {
    "in_work": {"status": "open"},
    "mine": {"mine": True, "status": "open"},
    "won": {"status": "won"},
    "lost": {"status": "lost"},
    "all": {},
}


@page
def deals_list(request):
    """D6 the deals table: presets as tabs, sortable columns, keyset pages of 50."""
    user = request.user
    preset = request.GET.get("preset", "in_work")
    if preset not in PRESETS:
        preset = "in_work"
    ordering = request.GET.get("ordering", "-id")
    if ordering not in LIST_ORDERINGS:
        ordering = "-id"
    args = dict(PRESETS[preset])
    q = request.GET.get("q", "").strip()
    try:
        filters = _filters(request)
        filters["mine"] = filters["mine"] or args.pop("mine", False)
        qs = dq.deal_list(
            user, q=q or None, pipeline=dq.as_id(request.GET.get("pipeline")), **args, **filters
        )
        rows, next_cursor = paginate(
            qs,
            ordering=ordering,
            allowed=dq.ORDERINGS,
            default="-id",
            cursor=request.GET.get("cursor"),
            limit=50,
        )
    except DomainError as exc:
        return render(request, "web/error.html", {"title": _("Deals"), "message": exc.message}, status=400)
    _decorate(rows)
    colors = dict(Stage.objects.values_list("pk", "color"))  # the small stage table, once
    for row in rows:
        row["stage_color"] = colors.get(row["stage_id"], "")
    base = request.GET.copy()
    base.pop("cursor", None)
    for name in ("cols", "columns"):
        base.pop(name, None)
    sort_base = base.copy()
    sort_base.pop("ordering", None)
    return render(
        request,
        "crm/deals_list.html",
        {
            "section": "deals",
            "rows": rows,
            "next": next_cursor,
            "preset": preset,
            "presets": [
                ("in_work", _("In work")),
                ("mine", _("Mine")),
                ("won", _("Won")),
                ("lost", _("Lost")),
                ("all", _("All")),
            ],
            "ordering": ordering,
            "q": q,
            "query": base.urlencode(),
            "sort_query": sort_base.urlencode(),
            "pipelines": list(dq.pipelines_active()),
            "users": list(active_users()),
            "columns": _list_columns(request),
            "all_columns": LIST_COLUMNS,
            "bulk_stages": _bulk_stages(),
            "lost_reasons": list(dq.lost_reasons_active()),
            "can_assign": policy.can(user, "deal.assign") or user.role == "group_manager",
        },
    )


def _bulk_stages() -> list[tuple[str, str]]:
    """Stages to move to in bulk, by code (each deal moves within its own pipeline, D1)."""
    pipelines = list(dq.pipelines_active())
    if not pipelines:
        return []
    default = next((p for p in pipelines if p.is_default), pipelines[0])
    return [(s.code, s.name) for s in default.stages.all()]


BULK_MAX = 100


@require_POST
@page
def deals_bulk(request):
    """Bulk assign or move the ticked deals: each deal goes through the same service as one by one
    (R2 visibility, R1 roles, D8 closed deals), so what a rule refuses is reported, not forced."""
    from django.contrib import messages
    from django.utils.http import url_has_allowed_host_and_scheme

    ids = [i for i in (dq.as_id(v) for v in request.POST.getlist("ids")) if i][:BULK_MAX]
    action = request.POST.get("action")
    back = request.POST.get("next") or reverse("deals_list")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("deals_list")
    if not ids:
        messages.error(request, _("Tick the deals first."))
        return redirect(back)
    done, refused = 0, []
    responsible = None
    if action == "assign":
        responsible = active_users().filter(pk=dq.as_id(request.POST.get("responsible")) or 0).first()
        if responsible is None:
            messages.error(request, _("Choose the new responsible."))
            return redirect(back)
    elif action != "move" or not request.POST.get("stage"):
        messages.error(request, _("Choose what to do with the deals."))
        return redirect(back)
    for deal_id in ids:
        try:
            deal = dq.deal_for(request.user, deal_id)
            if action == "assign":
                deal_services.deal_assign(actor=request.user, deal=deal, responsible=responsible)
            else:
                deal_services.deal_move(
                    actor=request.user,
                    deal=deal,
                    stage=request.POST["stage"],
                    lost_reason=request.POST.get("lost_reason") or None,
                )
            done += 1
        except DomainError as exc:
            refused.append(f"#{deal_id}: {exc.message}")
    if done:
        messages.success(request, _("%(n)d deal(s) changed.") % {"n": done})
    for line in refused[:10]:
        messages.error(request, line)
    return redirect(back)


# ---------------------------------------------------------------- deal card

EDITABLE = {
    # name: (label, input kind)
    "title": (_("Title"), "text"),
    "deal_type": (_("Type"), "select"),
    "source": (_("Source"), "select"),
    "location": (_("Location"), "text"),
    "delivery_address": (_("Delivery address"), "text"),
    "begin_date": (_("Start date"), "date"),
    "close_date": (_("Expected close date"), "date"),
    "probability": (_("Probability, %"), "number"),
    "amount": (_("Amount"), "number"),
    "is_shared": (_("Available to everyone"), "checkbox"),
    "comment": (_("Comment"), "textarea"),
}
ABOUT_FIELDS = (
    "title",
    "deal_type",
    "source",
    "amount",
    "begin_date",
    "close_date",
    "probability",
    "is_shared",
)
DELIVERY_FIELDS = ("location", "delivery_address", "comment")
TABS = ("timeline", "products", "tasks")
TIMELINE_FILTERS = {
    "all": None,
    "comments": [EventKind.COMMENT],
    "stages": [EventKind.STAGE_CHANGED, EventKind.RESPONSIBLE_CHANGED],
    "files": [EventKind.FILE_ATTACHED],
    "tasks": [EventKind.TASK_CREATED, EventKind.TASK_COMPLETED, EventKind.TASK_REOPENED, EventKind.ACTIVITY],
}


def _field_context(deal, name: str, *, editing=False, value=None) -> dict:
    label, kind = EDITABLE[name]
    current = getattr(deal, name)
    choices = []
    if name == "deal_type":
        choices = list(DealType.choices)
        display = deal.get_deal_type_display()
    elif name == "source":
        choices = [(s.pk, s.name) for s in Source.objects.order_by("sort", "name")]
        display = deal.source.name if deal.source_id else ""
        current = deal.source_id
    elif name == "amount":
        display = format_money(deal.amount, deal.currency)
    elif name == "is_shared":
        display = _("Yes") if deal.is_shared else _("No")
    elif kind == "date":
        display = current.strftime("%d.%m.%Y") if current else ""
        current = current.isoformat() if current else ""
    else:
        display = "" if current is None else str(current)
    return {
        "deal": deal,
        "name": name,
        "label": label,
        "kind": kind,
        "value": current if value is None else value,
        "display": display,
        "choices": choices,
        "editing": editing,
    }


def _field_value(name: str, raw):
    """Form text into the type the service expects; the service judges the value itself."""
    raw = (raw or "").strip() if isinstance(raw, str) or raw is None else raw
    if name == "is_shared":
        return raw in ("on", "1", "true")
    if name in ("begin_date", "close_date", "source"):
        return raw or None
    if name == "probability":
        if raw == "":
            return None
        return int(raw) if raw.isdigit() else raw
    return raw


@page
def deal_field(request, pk: int, name: str):
    """D5 one field edited in place: GET shows the editor (or the value), POST saves through
    deal_update and shows the value, or the editor with the service's message under it."""
    if name not in EDITABLE:
        raise InvalidInput(_("Field '%(field)s' cannot be changed here.") % {"field": name}, field=name)
    deal = dq.deal_for(request.user, pk)
    if request.method != "POST":
        editing = request.GET.get("edit") == "1"
        return render(request, "crm/_field.html", _field_context(deal, name, editing=editing))
    raw = request.POST.get(name, "")
    try:
        deal_services.deal_update(actor=request.user, deal=deal, **{name: _field_value(name, raw)})
    except DomainError as exc:
        return render_form(
            request, "crm/_field.html", _field_context(deal, name, editing=True, value=raw), exc
        )
    deal = dq.deal_for(request.user, pk)
    response = render(request, "crm/_field.html", _field_context(deal, name))
    if name in ("title", "amount"):
        response["HX-Trigger"] = "deal-changed"
    return response


def _deal_context(request, deal) -> dict:
    user = request.user
    stages = list(deal.pipeline.stages.all().order_by("sort", "id"))
    current_index = next((i for i, s in enumerate(stages) if s.pk == deal.stage_id), 0)
    open_stages = [s for s in stages if s.kind == StageKind.OPEN]
    progress = []
    for s in open_stages:
        index = stages.index(s)
        progress.append(
            {
                "stage": s,
                "done": index < current_index or deal.stage.kind == StageKind.WON,
                "current": s.pk == deal.stage_id,
            }
        )
    closed = [{"stage": s, "current": s.pk == deal.stage_id} for s in stages if s.kind != StageKind.OPEN]
    return {
        "deal": deal,
        "progress": progress,
        "closed_stages": closed,
        "is_closed": deal.stage.kind != StageKind.OPEN,
        "can_assign": deal_services._may_assign(user, deal),
        "can_edit": policy.can(user, "deal.edit"),
        "users": list(active_users()),
        "lost_reasons": list(dq.lost_reasons_active()),
    }


def _deal_head(request, pk: int, toast: str | None = None):
    deal = dq.deal_for(request.user, pk)
    response = render(request, "crm/_deal_head.html", _deal_context(request, deal))
    if toast:
        import json

        response["HX-Trigger"] = json.dumps(
            {"toast": {"message": toast, "kind": "success"}, "deal-changed": True}
        )
    return response


def field_labels() -> dict:
    """Labels of the deal's fields for "changed from → to" lines on the timeline."""
    labels = {name: label for name, (label, _kind) in EDITABLE.items()}
    labels.update(
        tax_profile=_("Tax profile"),
        tax_date=_("Tax date"),
        currency=_("Currency"),
        company=_("Company"),
        primary_contact=_("Primary contact"),
        lost_comment=_("Loss comment"),
    )
    return labels


def _timeline(deal, kind_filter: str):
    kinds = TIMELINE_FILTERS.get(kind_filter)
    return list(timeline.events_for(deal, kinds=kinds, limit=50))


def _lines_context(deal, *, product_q: str = "") -> dict:
    lines = list(dq.deal_lines(deal))
    net = sum((line.net for line in lines), start=deal.amount * 0)
    return {
        "deal": deal,
        "lines": lines,
        "net": net,
        "tax_warning": line_services.deal_tax_warning(deal) if lines else None,
        "products": _product_choices(product_q),
        "is_closed": deal.stage.kind != StageKind.OPEN,
    }


def _tasks_context(request, deal) -> dict:
    from dealbook.activities.queries import tasks_of_record

    tasks = list(tasks_of_record(request.user, deal))
    now = timezone.now()
    for task in tasks:
        task.overdue = task.is_overdue(now)
        task.may_edit = task.can_edit(request.user)
    return {"deal": deal, "tasks": tasks, "users": list(active_users()), "kinds": TaskKind.choices}


@page
def deal_card(request, pk: int):
    """The deal card: header with the progress bar and responsible, "About the deal" edited in
    place, the client block, and one tab (timeline, products or tasks) at a time."""
    deal = dq.deal_for(request.user, pk)
    tab = request.GET.get("tab", "timeline")
    extra = deal_tab(tab)
    if tab not in TABS and extra is None:
        tab = "timeline"
    context = {
        **_deal_context(request, deal),
        **_client_context(request, deal),
        "section": "deals",
        "tab": tab,
        "about": [_field_context(deal, n) for n in ABOUT_FIELDS],
        "delivery": [_field_context(deal, n) for n in DELIVERY_FIELDS],
        "extra_tabs": deal_tabs(),
        "extra_tab": extra,
    }
    if extra is not None:
        context.update(extra.context(request, deal))
    elif tab == "timeline":
        context.update(_timeline_context(request, deal, request.GET.get("kind", "all")))
    elif tab == "products":
        context.update(_lines_context(deal))
    else:
        context.update(_tasks_context(request, deal))
    return render(request, "crm/deal_card.html", context)


def _kind_filters():
    return [
        ("all", _("All")),
        ("comments", _("Comments")),
        ("stages", _("Stages")),
        ("tasks", _("Tasks")),
        ("files", _("Files")),
    ]


@page
def deal_head(request, pk: int):
    return _deal_head(request, pk)


@require_POST
@page
def deal_assign(request, pk: int):
    """D3 hand the deal to another manager from the card's header."""
    try:
        deal = dq.deal_for(request.user, pk)
        responsible = active_users().filter(pk=dq.as_id(request.POST.get("responsible")) or 0).first()
        if responsible is None:
            raise InvalidInput(_("Unknown or inactive user."), field="responsible")
        deal_services.deal_assign(actor=request.user, deal=deal, responsible=responsible)
    except DomainError as exc:
        return json_error(exc)
    return _deal_head(request, pk, toast=_("Responsible changed."))


def _timeline_context(request, deal, kind_filter: str = "all") -> dict:
    """The timeline tab: open tasks pinned on top as "To do", then events newest first (T4)."""
    from dealbook.activities.queries import tasks_of_record

    now = timezone.now()
    todo = list(tasks_of_record(request.user, deal).filter(status=TaskStatus.OPEN)[:10])
    for task in todo:
        task.overdue = task.is_overdue(now)
    return {
        "deal": deal,
        "events": _timeline(deal, kind_filter),
        "kind_filter": kind_filter,
        "kind_filters": _kind_filters(),
        "field_labels": field_labels(),
        "todo": todo,
    }


def _timeline_response(request, deal, error=None, kind_filter="all"):
    context = _timeline_context(request, deal, kind_filter)
    return render_form(request, "crm/_timeline.html", context, error)


@page
def deal_timeline(request, pk: int):
    deal = dq.deal_for(request.user, pk)
    return _timeline_response(request, deal, kind_filter=request.GET.get("kind", "all"))


@require_POST
@page
def deal_comment(request, pk: int):
    """T4 a comment on the deal's timeline."""
    deal = dq.deal_for(request.user, pk)
    try:
        timeline.comment_add(subject=deal, actor=request.user, text=request.POST.get("text", ""))
    except DomainError as exc:
        return _timeline_response(request, deal, exc)
    return _timeline_response(request, deal)


@require_POST
@page
def deal_file(request, pk: int):
    """D5/T4 a file dropped on the deal, shown on its timeline."""
    deal = dq.deal_for(request.user, pk)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise InvalidInput(_("Choose a file to upload."), field="file")
        timeline.attach_file(subject=deal, actor=request.user, uploaded_file=upload)
    except DomainError as exc:
        return _timeline_response(request, deal, exc)
    return _timeline_response(request, deal)


@page
def attachment_download(request, pk: int):
    """A file of a record the user may see (R2 through the record's own query)."""
    from django.http import FileResponse, Http404

    att = Attachment.objects.select_related("subject_type").filter(pk=pk).first()
    if att is None or att.subject_type.model != "deal":
        raise Http404
    dq.deal_for(request.user, att.subject_id)
    return FileResponse(att.file.open("rb"), as_attachment=True, filename=att.name)


# ---------------------------------------------------------------- client block (C5)


def _client_context(request, deal, error=None) -> dict:
    links = list(
        DealContact.objects.filter(deal=deal).select_related("contact").order_by("-is_primary", "id")
    )
    bank = None
    if deal.company_id:
        bank = BankAccount.objects.filter(company_id=deal.company_id).order_by("-is_primary", "id").first()
    return {
        "deal": deal,
        "contacts": links,
        "bank": bank,
        "can_edit": policy.can(request.user, "deal.edit"),
        "errors": {(error.field or "general"): error.message} if error else {},
    }


def _client_response(request, pk: int, error=None):
    deal = dq.deal_for(request.user, pk)
    response = render_form(request, "crm/_client.html", _client_context(request, deal, error), error)
    if error is None:
        response["HX-Trigger"] = "deal-changed"
    return response


@page
def client_options(request):
    """C3/C5 the contacts or companies the user sees matching a fragment, as <option>s."""
    from dealbook.crm.queries.parties import contacts_list
    from dealbook.crm.search import search_companies

    text = " ".join(request.GET.get("q", "").split())[:100]
    if request.GET.get("kind") == "company":
        found = search_companies(request.user, text, limit=20) if text else []
        items = [(c.pk, c.name + (f" · {c.inn}" if c.inn else "")) for c in found]
    else:
        qs = contacts_list(request.user, q=text or None).order_by("last_name", "first_name", "id")[:20]
        items = [(c.pk, c.full_name) for c in qs]
    return render(request, "crm/_client_options.html", {"items": items})


@require_POST
@page
def deal_client(request, pk: int):
    """C5 add a contact (the first becomes primary), make one primary, remove one, or bind a company."""
    from dealbook.crm.queries.parties import companies_visible, contacts_visible

    deal = dq.deal_for(request.user, pk)
    action = request.POST.get("action")
    try:
        if action == "company":
            company = None
            if request.POST.get("company"):
                wanted = dq.as_id(request.POST["company"]) or 0
                company = companies_visible(request.user).filter(pk=wanted).first()
                if company is None:
                    raise InvalidInput(_("Choose a company."), field="company")
            deal_services.deal_set_company(actor=request.user, deal=deal, company=company)
        else:
            wanted = dq.as_id(request.POST.get("contact")) or 0
            contact = contacts_visible(request.user).filter(pk=wanted).first()
            if contact is None:
                raise InvalidInput(_("Choose a contact."), field="contact")
            if action == "primary":
                deal_services.deal_set_primary_contact(actor=request.user, deal=deal, contact=contact)
            elif action == "remove":
                deal_services.deal_contact_remove(actor=request.user, deal=deal, contact=contact)
            else:
                deal_services.deal_contact_add(actor=request.user, deal=deal, contact=contact)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return _client_response(request, pk, exc)
    return _client_response(request, pk)


# ---------------------------------------------------------------- lines (Products tab)


def _lines_response(request, deal, error=None, values=None):
    deal = dq.deal_for(request.user, deal.pk)
    context = {**_lines_context(deal), "values": values or {}}
    response = render_form(request, "crm/_lines.html", context, error)
    if error is None:
        response["HX-Trigger"] = "deal-changed"
    return response


@page
def product_options(request):
    """P1 catalog search for the line editor: the matching active products as <option>s."""
    text = " ".join(request.GET.get("product_q", "").split())[:100]
    return render(request, "crm/_product_options.html", {"products": _product_choices(text)})


def _product_choices(text: str = "") -> list:
    """Active catalog products matching a fragment of the name or article (catalog.queries); 50 at most."""
    return list(catalog_products(q=text or None).order_by("name", "id")[:50])


@require_POST
@page
def deal_line_add(request, pk: int):
    """P1–P6 a catalog product in its own unit, a quantity, a discount; D4 the amount follows."""
    deal = dq.deal_for(request.user, pk)
    discount = post_value(request, "discount_value", "") or "0"
    try:
        line_services.line_add(
            actor=request.user,
            deal=deal,
            product=dq.as_id(request.POST.get("product")),
            quantity=post_value(request, "quantity", ""),
            discount_kind=post_value(request, "discount_kind", ""),
            discount_value=discount,
        )
    except DomainError as exc:
        return _lines_response(request, deal, exc, request.POST)
    return _lines_response(request, deal)


@require_POST
@page
def deal_line_update(request, pk: int, line_id: int):
    deal = dq.deal_for(request.user, pk)
    line = dq.line_for(deal, line_id)
    fields = {}
    for name in ("quantity", "discount_value", "discount_kind"):
        if name in request.POST:
            fields[name] = post_value(request, name)
    if fields.get("discount_value") == "":
        fields["discount_value"] = "0"
    try:
        line_services.line_update(actor=request.user, line=line, deal=deal, **fields)
    except DomainError as exc:
        exc.field = f"line-{line_id}-{exc.field}"
        return _lines_response(request, deal, exc)
    return _lines_response(request, deal)


@require_POST
@page
def deal_line_remove(request, pk: int, line_id: int):
    deal = dq.deal_for(request.user, pk)
    line = dq.line_for(deal, line_id)
    try:
        line_services.line_remove(actor=request.user, line=line, deal=deal)
    except DomainError as exc:
        return _lines_response(request, deal, exc)
    return _lines_response(request, deal)


def deal_url(deal_id: int) -> str:
    return reverse("deal", args=[deal_id])


@page
def deals_home(request):
    return redirect("deals")


# ---------------------------------------------------------------- leads, companies, contacts


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


@page
def leads_list(request):
    """L1 the leads (R2-scoped), newest first, by status and a search fragment."""
    from dealbook.crm.models import LeadStatus
    from dealbook.crm.queries.leads import leads_list as leads_query

    status = request.GET.get("status") or None
    try:
        qs = leads_query(request.user, status=status, q=request.GET.get("q") or None)
    except DomainError as exc:
        return render(request, "web/error.html", {"title": _("Leads"), "message": exc.message}, status=400)
    return _list_page(
        request, "crm/leads_list.html", "leads", qs, statuses=LeadStatus.choices, status=status or ""
    )


LEAD_FIELDS = (
    ("title", _("Title"), "text", True),
    ("name", _("Contact name"), "text", False),
    ("company_name", _("Company name"), "text", False),
    ("phone", _("Phone"), "tel", False),
    ("email", _("E-mail"), "email", False),
    ("inn", _("INN"), "text", False),
    ("comment", _("Comment"), "textarea", False),
)


def _lead_form(request, values=None, error=None):
    errors = {(error.field or "general"): error.message} if error else {}
    values = values or {}
    context = {
        "section": "leads",
        "fields": [
            {
                "name": n,
                "label": label,
                "kind": kind,
                "required": req,
                "value": values.get(n, ""),
                "error": errors.get(n),
            }
            for n, label, kind, req in LEAD_FIELDS
        ],
        "sources": list(Source.objects.order_by("sort", "name")),
        "pipelines": list(dq.pipelines_active()),
        "users": list(active_users()),
        "values": values,
        "errors": errors,
    }
    return render_form(request, "crm/lead_new.html", context, error)


@page
def lead_new(request):
    """L1 a lead by hand (the operator's first step): the service checks the phone, e-mail and INN
    and says which field is wrong; nothing is written on error."""
    from dealbook.crm.services.leads import lead_create

    if request.method != "POST":
        return _lead_form(request)
    post = request.POST
    try:
        source = (
            Source.objects.filter(pk=dq.as_id(post.get("source")) or 0).first()
            if post.get("source")
            else None
        )
        pipeline = None
        if post.get("pipeline"):
            pipeline = next((p for p in dq.pipelines_active() if p.pk == dq.as_id(post["pipeline"])), None)
        responsible = None
        if post.get("responsible"):
            responsible = active_users().filter(pk=dq.as_id(post["responsible"]) or 0).first()
            if responsible is None:
                raise InvalidInput(_("Unknown or inactive user."), field="responsible")
        lead = lead_create(
            actor=request.user,
            source=source,
            pipeline=pipeline,
            responsible=responsible,
            **{n: post.get(n, "") for n, _label, _kind, _req in LEAD_FIELDS},
        )
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return _lead_form(request, post, exc)
    return redirect("lead", lead.pk)


def _lead_context(request, lead, *, error=None, values=None, matches=None) -> dict:
    from dealbook.crm.duplicates import find_matches
    from dealbook.crm.models import LeadStatus
    from dealbook.crm.services.leads import ConversionMode

    convertible = lead.status not in (LeadStatus.CONVERTED, LeadStatus.JUNK) and policy.can(
        request.user, "lead.convert"
    )
    if matches is None and convertible:
        # L3: the matches are shown before anything is saved, not only when a save is refused
        matches = find_matches(
            phones=[lead.phone_normalized],
            emails=[lead.email_normalized],
            inn=lead.inn,
            exclude=lead,
            viewer=request.user,
        )
    return {
        "section": "leads",
        "lead": lead,
        "events": list(timeline.events_for(lead, limit=50)),
        "pipelines": list(dq.pipelines_active()),
        "convertible": convertible,
        "matches": matches,
        "modes": [
            (ConversionMode.DEAL_CONTACT, _("Deal and contact")),
            (ConversionMode.DEAL, _("Deal only")),
            (ConversionMode.CONTACT, _("Contact only")),
            (ConversionMode.ATTACH, _("Attach to an existing contact")),
        ],
        "values": values
        or {"mode": ConversionMode.DEAL_CONTACT, "first_name": lead.name, "deal_title": lead.title},
        "errors": {(error.field or "general"): error.message} if error else {},
        "dialog_open": error is not None,
    }


@page
def lead_card(request, pk: int):
    """L1 the lead with its details and timeline; L2/L3 the conversion dialog with the duplicates."""
    from dealbook.crm.queries.leads import lead_get

    lead = lead_get(request.user, pk)
    return render(request, "crm/lead_card.html", _lead_context(request, lead))


@require_POST
@page
def lead_convert(request, pk: int):
    """L2 convert in one transaction; L3 while duplicates exist nothing is created unless the user
    confirms or attaches the lead to the existing contact."""
    from dealbook.crm.duplicates import DuplicatesFound
    from dealbook.crm.queries.leads import lead_get
    from dealbook.crm.queries.parties import contacts_visible
    from dealbook.crm.services.leads import lead_convert as convert

    lead = lead_get(request.user, pk)
    post = request.POST
    try:
        pipeline = None
        if post.get("pipeline"):
            pipeline = next((p for p in dq.pipelines_active() if p.pk == dq.as_id(post["pipeline"])), None)
            if pipeline is None:
                raise InvalidInput(_("Choose an active pipeline."), field="pipeline")
        contact = None
        if post.get("contact"):
            contact = contacts_visible(request.user).filter(pk=dq.as_id(post["contact"]) or 0).first()
            if contact is None:
                raise InvalidInput(_("Choose the contact or company to attach the lead to."), field="contact")
        result = convert(
            actor=request.user,
            lead=lead,
            mode=post.get("mode", ""),
            pipeline=pipeline,
            deal_title=post.get("deal_title", ""),
            contact=contact,
            first_name=post.get("first_name", ""),
            last_name=post.get("last_name", ""),
            confirm_duplicates=post.get("confirm_duplicates") == "on",
        )
    except DuplicatesFound as exc:
        context = _lead_context(request, lead, error=exc, values=post, matches=exc.matches)
        return render(request, "crm/lead_card.html", context, status=409)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        context = _lead_context(request, lead, error=exc, values=post)
        return render(request, "crm/lead_card.html", context, status=exc.status)
    if result.deal is not None:
        return redirect("deal", result.deal.pk)
    if result.contact is not None:
        return redirect("contact", result.contact.pk)
    return redirect("lead", lead.pk)


@page
def companies_list(request):
    """C3 companies the user sees, searched by name, phone, INN or VAT id."""
    from dealbook.crm.queries.parties import companies_list as companies_query
    from dealbook.crm.search import search_companies

    q = request.GET.get("q", "").strip()
    if q:
        rows = search_companies(request.user, q, limit=50)
        return render(
            request,
            "crm/companies_list.html",
            {"section": "companies", "rows": rows, "next": None, "q": q, "query": ""},
        )
    return _list_page(request, "crm/companies_list.html", "companies", companies_query(request.user))


REQUISITES = (
    ("name", _("Name")),
    ("legal_name", _("Legal name")),
    ("inn", _("INN")),
    ("kpp", _("KPP")),
    ("ogrn", _("OGRN")),
    ("vat_id", _("VAT id")),
    ("legal_address", _("Legal address")),
    ("director_name", _("Director")),
)


def _company_context(request, company, *, error=None, values=None) -> dict:
    accounts = list(BankAccount.objects.filter(company=company).order_by("-is_primary", "id"))
    deals = _decorate(list(dq.deal_list(request.user, company=company.pk).order_by("-id")[:20]))
    contacts = list(company.contacts.order_by("last_name", "first_name")[:50])
    current = values or {name: getattr(company, name) for name, _label in REQUISITES}
    errors = {(error.field or "general"): error.message} if error else {}
    return {
        "section": "companies",
        "company": company,
        "accounts": accounts,
        "deals": deals,
        "contacts": contacts,
        "events": list(timeline.events_for(company, limit=30)),
        "can_edit_requisites": policy.can(request.user, "company.edit_requisites"),
        "can_take": policy.can(request.user, "company.take")
        and not company.is_own
        and company.responsible_id != request.user.pk,
        "requisites": [
            {"name": name, "label": label, "value": current.get(name, ""), "error": errors.get(name)}
            for name, label in REQUISITES
        ],
        "errors": errors,
        "editing": error is not None or request.GET.get("edit") == "requisites",
    }


@page
def company_card(request, pk: int):
    """C1/C2 the company: requisites (edited by accounting, errors at the field), bank accounts,
    contacts, deals and timeline."""
    from dealbook.crm.queries.parties import company_get

    company = company_get(request.user, pk)
    return render(request, "crm/company_card.html", _company_context(request, company))


@require_POST
@page
def company_requisites(request, pk: int):
    """C4 accounting changes requisites; C2 each wrong checksum is shown under its field and nothing
    is saved."""
    from dealbook.crm.queries.parties import company_get
    from dealbook.crm.services.companies import company_update_requisites

    company = company_get(request.user, pk)
    fields = {name: request.POST.get(name, "") for name, _label in REQUISITES}
    try:
        company_update_requisites(actor=request.user, company=company, **fields)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        context = _company_context(request, company, error=exc, values=fields)
        return render_form(request, "crm/company_card.html", context, exc)
    return redirect("company", company.pk)


CONTACT_FIELDS = (
    ("last_name", _("Last name"), False),
    ("first_name", _("First name"), True),
    ("middle_name", _("Middle name"), False),
    ("position", _("Position"), False),
    ("phone", _("Phone"), False),
    ("email", _("E-mail"), False),
)


@page
def contact_new(request):
    """Step 3: operators and managers create contacts; phones and e-mails are checked by the service
    and a wrong one is shown under its field."""
    from dealbook.crm.services.contacts import contact_create

    values = request.POST if request.method == "POST" else {}
    error = None
    if request.method == "POST":
        try:
            contact = contact_create(
                actor=request.user,
                first_name=values.get("first_name", ""),
                last_name=values.get("last_name", ""),
                middle_name=values.get("middle_name", ""),
                position=values.get("position", ""),
                phones=[values["phone"]] if values.get("phone", "").strip() else [],
                emails=[values["email"]] if values.get("email", "").strip() else [],
                responsible=request.user,
            )
            return redirect("contact", contact.pk)
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            error = exc
    errors = {}
    if error is not None:
        # the service names list fields ("phones", "phones.0"); the form has one of each
        field = (error.field or "general").split("[")[0].split(".")[0]
        errors[{"phones": "phone", "emails": "email"}.get(field, field)] = error.message
    fields = [
        {"name": n, "label": label, "required": req, "value": values.get(n, ""), "error": errors.get(n)}
        for n, label, req in CONTACT_FIELDS
    ]
    context = {"section": "contacts", "fields": fields, "errors": errors}
    return render_form(request, "crm/contact_new.html", context, error)


@page
def contacts_list(request):
    from dealbook.crm.queries.parties import contacts_list as contacts_query

    return _list_page(
        request,
        "crm/contacts_list.html",
        "contacts",
        contacts_query(request.user, q=request.GET.get("q") or None),
    )


@page
def contact_card(request, pk: int):
    from dealbook.crm.models import ContactPoint
    from dealbook.crm.queries.parties import contact_get

    contact = contact_get(request.user, pk)
    points = list(ContactPoint.objects.filter(contact=contact).order_by("kind", "id"))
    companies = list(contact.companies.order_by("name"))
    deals = _decorate(
        list(
            dq.deal_list(request.user)
            .filter(id__in=DealContact.objects.filter(contact=contact).values("deal_id"))
            .order_by("-id")[:20]
        )
    )
    events = list(timeline.events_for(contact, limit=30))
    return render(
        request,
        "crm/contact_card.html",
        {
            "section": "contacts",
            "contact": contact,
            "points": points,
            "companies": companies,
            "deals": deals,
            "events": events,
        },
    )


# ---------------------------------------------------------------- counterparty requests (C4)

REQUEST_COMPANY_FIELDS = (
    ("name", _("Name")),
    ("legal_name", _("Legal name")),
    ("inn", _("INN")),
    ("kpp", _("KPP")),
    ("ogrn", _("OGRN")),
    ("legal_address", _("Legal address")),
    ("director_name", _("Director")),
)


@page
def requests_list(request):
    """C4 counterparty requests: accounting sees all of them (open first), managers their own."""
    from dealbook.crm.queries.parties import requests_list as requests_query

    status = request.GET.get("status", "open")
    qs = requests_query(request.user, status=status or None)
    return _list_page(
        request,
        "crm/requests_list.html",
        "companies",
        qs,
        status=status,
        can_complete=policy.can(request.user, "counterparty_request.complete"),
    )


def _request_form(request, values=None, error=None, deal=None):
    errors = {(error.field or "general"): error.message} if error else {}
    context = {"section": "companies", "values": values or {}, "errors": errors, "deal": deal}
    return render_form(request, "crm/request_new.html", context, error)


@page
def request_new(request):
    """C4/step 38: a manager asks accounting to register a company, the company card attached;
    accountants are notified by the service."""
    from dealbook.crm.services.requests import counterparty_request_file

    source = request.POST if request.method == "POST" else request.GET
    deal = dq.deal_for(request.user, source["deal"]) if source.get("deal") else None
    if request.method != "POST":
        return _request_form(request, deal=deal)
    try:
        req = counterparty_request_file(
            actor=request.user,
            name=request.POST.get("name", ""),
            inn=request.POST.get("inn", ""),
            comment=request.POST.get("comment", ""),
            card=request.FILES.get("card"),
            deal=deal,
        )
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return _request_form(request, request.POST, exc, deal)
    return redirect("request", req.pk)


def _request_context(request, req, *, error=None, values=None) -> dict:
    errors = {(error.field or "general").removeprefix("company."): error.message} if error else {}
    values = values or {"name": req.name, "inn": req.inn}
    return {
        "section": "companies",
        "req": req,
        "can_complete": policy.can(request.user, "counterparty_request.complete") and req.status == "open",
        "fields": [
            {"name": n, "label": label, "value": values.get(n, ""), "error": errors.get(n)}
            for n, label in REQUEST_COMPANY_FIELDS
        ],
        "errors": errors,
        "values": values,
    }


@page
def request_card(request, pk: int):
    from dealbook.crm.queries.parties import request_get

    req = request_get(request.user, pk)
    return render(request, "crm/request_card.html", _request_context(request, req))


@require_POST
@page
def request_complete(request, pk: int):
    """C4/step 39: accounting registers the company (requisites checked as in company_create, each
    error under its field) or rejects the request with an answer."""
    from dealbook.crm.queries.parties import request_get
    from dealbook.crm.services.requests import counterparty_request_complete, counterparty_request_reject

    req = request_get(request.user, pk)
    values = {n: request.POST.get(n, "") for n, _label in REQUEST_COMPANY_FIELDS}
    try:
        if request.POST.get("action") == "reject":
            counterparty_request_reject(
                actor=request.user, request=req, answer=request.POST.get("answer", "")
            )
        else:
            counterparty_request_complete(actor=request.user, request=req, company_data=values)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        context = _request_context(request, req, error=exc, values=values)
        return render_form(request, "crm/request_card.html", context, exc)
    return redirect("request", req.pk)


@require_POST
@page
def company_take(request, pk: int):
    """C4/step 39: a sales manager takes the registered company under responsibility."""
    from django.contrib import messages

    from dealbook.crm.queries.parties import company_get
    from dealbook.crm.services.companies import company_take as take

    company = company_get(request.user, pk)
    try:
        take(actor=request.user, company=company)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.message)
    return redirect("company", pk)
