"""The deal card: header with the progress bar, fields edited in place (D5), the tabs, the
timeline with comments and files (T4), and the header's actions (assign, copy, delete)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dealbook.accounts import policy
from dealbook.accounts.queries import active_users
from dealbook.activities.models import TaskKind, TaskStatus
from dealbook.core import timeline
from dealbook.core.errors import DomainError, InvalidInput, NotFound
from dealbook.core.models import Attachment, EventKind
from dealbook.crm.cardtabs import deal_tab, deal_tabs
from dealbook.crm.models import DealType, Source, StageKind
from dealbook.crm.queries import deals as dq
from dealbook.crm.services import deals as deal_services
from dealbook.crm.views.client_block import _client_context
from dealbook.crm.views.lines import _lines_context
from dealbook.web.pages import json_error, page, render_form
from dealbook.web.templatetags.web_tags import format_money

EDITABLE = {
    # name: (label, input kind)
    "title": (gettext_lazy("Title"), "text"),
    "deal_type": (gettext_lazy("Type"), "select"),
    "source": (gettext_lazy("Source"), "select"),
    "location": (gettext_lazy("Location"), "text"),
    "delivery_address": (gettext_lazy("Delivery address"), "text"),
    "begin_date": (gettext_lazy("Start date"), "date"),
    "tax_date": (gettext_lazy("Tax date"), "date"),
    "close_date": (gettext_lazy("Expected close date"), "date"),
    "probability": (gettext_lazy("Probability, %"), "number"),
    "amount": (gettext_lazy("Amount"), "number"),
    "is_shared": (gettext_lazy("Available to everyone"), "checkbox"),
    "comment": (gettext_lazy("Comment"), "textarea"),
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
DELIVERY_FIELDS = ("location", "tax_date", "delivery_address", "comment")
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
    if name in ("begin_date", "close_date", "tax_date", "source"):
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
    if name in ("title", "amount", "tax_date"):  # a new tax date reprices the lines (P3)
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
        "can_copy": policy.can(user, "deal.create"),
        # R1 only directors and administrators delete, D8 only open deals (the menu hides what fails)
        "can_delete": policy.can(user, "deal.delete") and deal.stage.kind == StageKind.OPEN,
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


@require_POST
@page
def deal_copy(request, pk: int):
    """The header's actions menu: copy the deal (fields, contacts, lines) and open the copy."""
    deal = dq.deal_for(request.user, pk)
    try:
        copy = deal_services.deal_copy(actor=request.user, deal=deal)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.message)
        return redirect("deal", pk)
    messages.success(request, _("This is a copy of deal #%(id)s.") % {"id": pk})
    return redirect("deal", copy.pk)


@require_POST
@page
def deal_delete(request, pk: int):
    """The header's actions menu, after the confirmation dialog: R1/D8 and billing's refusal (the
    deal has invoices) come back as a message on the card."""
    deal = dq.deal_for(request.user, pk)
    title = deal.title
    try:
        deal_services.deal_delete(actor=request.user, deal=deal)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.message)
        return redirect("deal", pk)
    messages.success(request, _("Deal #%(id)s “%(title)s” was deleted.") % {"id": pk, "title": title})
    return redirect(f"{reverse('deals')}?pipeline={deal.pipeline_id}")


def _timeline_context(request, deal, kind_filter: str = "all") -> dict:
    """The timeline tab: open tasks pinned on top as "To do", then events newest first (T4)."""
    from dealbook.activities.queries import tasks_of_record

    now = timezone.now()
    todo = list(tasks_of_record(request.user, deal).filter(status=TaskStatus.OPEN)[:10])
    for task in todo:
        task.overdue = task.is_overdue(now)
    events = _timeline(deal, kind_filter)
    return {
        "deal": deal,
        "events": events,
        "kind_filter": kind_filter,
        "kind_filters": _kind_filters(),
        "field_labels": field_labels(),
        "date_fields": [name for name, (_label, kind) in EDITABLE.items() if kind == "date"],
        "source_names": _source_names(events),
        "todo": todo,
    }


def _source_names(events) -> dict:
    """A source change is logged by id (R3); the timeline shows the names (one query, only when needed)."""
    ids = {
        e.data.get(end)
        for e in events
        if e.kind == EventKind.UPDATED and e.data.get("field") == "source"
        for end in ("from", "to")
    } - {None}
    return dict(Source.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}


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
