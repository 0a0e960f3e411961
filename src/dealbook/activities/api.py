"""tasks and activities (T1–T4): lists, calendar, checklists, completion; every call scoped by R2."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from dealbook.activities import queries, services
from dealbook.activities.models import ChecklistItem, TaskKind
from dealbook.api.fields import request_fields
from dealbook.api.pagination import paginate
from dealbook.api.schemas import CommentIn, EventOut, TimelinePage, timeline_page
from dealbook.core import timeline
from dealbook.core.errors import NotFound

router = Router(tags=["tasks"])

TASK_ORDERING = {"deadline": "deadline", "created": "id", "id": "id"}


class ChecklistItemOut(Schema):
    id: int
    text: str
    sort: int
    is_done: bool
    done_at: dt.datetime | None
    done_by_id: int | None


class TaskOut(Schema):
    id: int
    kind: str
    title: str
    description: str
    status: str
    responsible_id: int
    responsible_name: str
    created_by_id: int | None
    deadline: dt.datetime
    remind_at: dt.datetime | None
    reminded_at: dt.datetime | None
    deal_id: int | None
    lead_id: int | None
    contact_id: int | None
    company_id: int | None
    result: str
    created_at: dt.datetime
    completed_at: dt.datetime | None
    completed_by_id: int | None
    is_overdue: bool
    progress: str
    checklist_done: int
    checklist_total: int
    checklist: list[ChecklistItemOut]

    @staticmethod
    def resolve_responsible_name(obj) -> str:
        return obj.responsible.display_name

    @staticmethod
    def resolve_is_overdue(obj) -> bool:
        return obj.is_overdue()

    @staticmethod
    def resolve_checklist_done(obj) -> int:
        return obj.checklist_counts()[0]

    @staticmethod
    def resolve_checklist_total(obj) -> int:
        return obj.checklist_counts()[1]

    @staticmethod
    def resolve_checklist(obj) -> list:
        return list(obj.checklist.all())


class TaskPage(Schema):
    items: list[TaskOut]
    next_cursor: str | None = None


class TaskFilters(Schema):
    mine: bool = False
    responsible_id: int | None = None
    status: str | None = None
    kind: str | None = None
    overdue: bool | None = None
    deal_id: int | None = None
    lead_id: int | None = None
    contact_id: int | None = None
    company_id: int | None = None
    date_from: dt.datetime | None = Field(None, alias="from")
    date_to: dt.datetime | None = Field(None, alias="to")
    ordering: str | None = None
    cursor: str | None = None
    limit: int = 50


class TaskIn(Schema):
    title: str
    deadline: dt.datetime | None = None
    responsible_id: int | None = None
    kind: str = TaskKind.TASK
    description: str = ""
    remind_at: dt.datetime | None = None
    deal_id: int | None = None
    lead_id: int | None = None
    contact_id: int | None = None
    company_id: int | None = None
    checklist: list[str] = []


class TaskPatch(Schema):
    title: str | None = None
    description: str | None = None
    deadline: dt.datetime | None = None
    remind_at: dt.datetime | None = None
    responsible_id: int | None = None
    kind: str | None = None


class CompleteIn(Schema):
    result: str = ""


class ChecklistIn(Schema):
    text: str


class ChecklistPatch(Schema):
    text: str | None = None
    done: bool | None = None


class ActivityIn(Schema):
    kind: str
    subject: str
    result: str = ""
    description: str = ""
    done_at: dt.datetime | None = None
    deal_id: int | None = None
    lead_id: int | None = None
    contact_id: int | None = None
    company_id: int | None = None


class OverdueCountOut(Schema):
    user_id: int
    name: str
    count: int


LINKS = ("deal", "lead", "contact", "company")


def _request_data(payload, **dict_kwargs) -> dict:
    # the request says `responsible_id`/`deal_id` …, the services `responsible`/`deal` …
    data = payload.dict(**dict_kwargs)
    for name in ("responsible", *LINKS):
        if f"{name}_id" in data:
            data[name] = data.pop(f"{name}_id")
    return data


def _links(payload) -> tuple[dict, dict]:
    """The request's fields without the linked ids, and the linked records by service name."""
    data = _request_data(payload)
    with request_fields(payload):
        links = queries.link_targets(**{k: data.pop(k) for k in LINKS})
    return data, links


def _reload(request, task_id: int):
    # after a write: the task as the list shows it (checklist prefetched, responsible joined)
    return queries.task_get(request.auth, task_id)


@router.get("tasks", response=TaskPage)
def task_list(request, filters: Query[TaskFilters]):
    """Tasks the user may see (R2): "mine", by responsible, status, overdue, record, or a calendar
    range `from`–`to` (T3). Default order: deadline, so overdue open tasks come first."""
    with request_fields(filters):
        qs = queries.tasks_filtered(
            request.auth,
            mine=filters.mine,
            responsible_id=filters.responsible_id,
            status=filters.status,
            kind=filters.kind,
            overdue=filters.overdue,
            links={
                "deal": filters.deal_id,
                "lead": filters.lead_id,
                "contact": filters.contact_id,
                "company": filters.company_id,
            },
            start=filters.date_from,
            end=filters.date_to,
            now=timezone.now(),
        )
    items, next_cursor = paginate(
        qs,
        ordering=filters.ordering,
        allowed=TASK_ORDERING,
        default="deadline",
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return {"items": items, "next_cursor": next_cursor}


@router.get("tasks/overdue-counts", response=list[OverdueCountOut])
def task_overdue_counts(request):
    """T3: overdue tasks per responsible among those the user sees."""
    return queries.overdue_counts(request.auth)


@router.post("tasks", response={201: TaskOut})
def task_create(request, payload: TaskIn):
    """T3: a task with a deadline; linked records must be visible to the user (R2)."""
    data, links = _links(payload)
    with request_fields(payload):
        task = services.task_create(actor=request.auth, **data, **links)
    return Status(201, _reload(request, task.pk))


@router.get("tasks/{int:task_id}", response=TaskOut)
def task_detail(request, task_id: int):
    return queries.task_get(request.auth, task_id)


@router.patch("tasks/{int:task_id}", response=TaskOut)
def task_update(request, task_id: int, payload: TaskPatch):
    task = queries.task_get(request.auth, task_id)
    with request_fields(payload):
        services.task_update(actor=request.auth, task=task, **_request_data(payload, exclude_unset=True))
    return _reload(request, task_id)


@router.post("tasks/{int:task_id}/complete", response=TaskOut)
def task_complete(request, task_id: int, payload: CompleteIn | None = None):
    """T2: refused with 409 checklist_incomplete while checklist items are open."""
    task = queries.task_get(request.auth, task_id)
    services.task_complete(actor=request.auth, task=task, result=payload.result if payload else "")
    return _reload(request, task_id)


@router.post("tasks/{int:task_id}/reopen", response=TaskOut)
def task_reopen(request, task_id: int):
    task = queries.task_get(request.auth, task_id)
    services.task_reopen(actor=request.auth, task=task)
    return _reload(request, task_id)


def _item(request, task_id: int, item_id: int) -> ChecklistItem:
    task = queries.task_get(request.auth, task_id)
    item = next((i for i in task.checklist.all() if i.pk == item_id), None)
    if item is None:
        raise NotFound(_("Checklist item not found."), field="item_id")
    item.task = task
    return item


@router.post("tasks/{int:task_id}/checklist", response={201: TaskOut})
def checklist_add(request, task_id: int, payload: ChecklistIn):
    """T2: add an item; the answer is the task with its new progress."""
    task = queries.task_get(request.auth, task_id)
    services.checklist_add(actor=request.auth, task=task, text=payload.text)
    return Status(201, _reload(request, task_id))


@router.patch("tasks/{int:task_id}/checklist/{int:item_id}", response=TaskOut)
def checklist_update(request, task_id: int, item_id: int, payload: ChecklistPatch):
    """T2: tick (`done`) or reword (`text`) an item."""
    item = _item(request, task_id, item_id)
    services.checklist_update(actor=request.auth, item=item, text=payload.text, done=payload.done)
    return _reload(request, task_id)


@router.delete("tasks/{int:task_id}/checklist/{int:item_id}", response=TaskOut)
def checklist_remove(request, task_id: int, item_id: int):
    item = _item(request, task_id, item_id)
    services.checklist_remove(actor=request.auth, item=item)
    return _reload(request, task_id)


@router.get("tasks/{int:task_id}/timeline", response=TimelinePage)
def task_timeline(
    request, task_id: int, kinds: str | None = None, cursor: str | None = None, limit: int = 50
):
    task = queries.task_get(request.auth, task_id)
    return timeline_page(task, kinds=kinds, cursor=cursor, limit=limit)


@router.post("tasks/{int:task_id}/comments", response={201: EventOut})
def task_comment(request, task_id: int, payload: CommentIn):
    task = queries.task_get(request.auth, task_id)
    return Status(201, timeline.comment_add(subject=task, actor=request.auth, text=payload.text))


@router.post("activities", response={201: TaskOut}, tags=["activities"])
def activity_log(request, payload: ActivityIn):
    """T4: log a call, meeting, e-mail or visit that happened, on the records it concerns."""
    data, links = _links(payload)
    with request_fields(payload):
        task = services.activity_log(actor=request.auth, **data, **links)
    return Status(201, _reload(request, task.pk))
