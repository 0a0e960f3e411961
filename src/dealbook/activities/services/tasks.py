"""Tasks: creation, changes, completion and reopening (T2, T3, R3)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealbook.accounts.models import User
from dealbook.accounts.services import notify
from dealbook.activities.models import ChecklistItem, Task, TaskKind, TaskStatus
from dealbook.activities.services.common import (
    ITEM_MAX,
    TITLE_MAX,
    check_reminder,
    clean_kind,
    clean_links,
    clean_moment,
    clean_responsible,
    clean_text,
    event_data,
    local_time,
    lock_task,
    require_edit,
    task_url,
    timeline_subjects,
)
from dealbook.core import timeline
from dealbook.core.errors import InvalidInput, RuleViolation
from dealbook.core.models import EventKind

# ---- tasks -----------------------------------------------------------------------------------------


def insert_task(
    *,
    actor,
    title: str,
    deadline: dt.datetime,
    responsible: User,
    kind: str,
    description: str = "",
    remind_at: dt.datetime | None = None,
    links: dict,
    checklist: Iterable[str] = (),
    announce: bool = True,
) -> Task:
    """Write a validated task, its checklist and its events; notify the responsible (T3)."""
    task = Task.objects.create(
        kind=kind,
        title=title,
        description=description,
        responsible=responsible,
        created_by=actor if getattr(actor, "pk", None) else None,
        deadline=deadline,
        remind_at=remind_at,
        **links,
    )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(task=task, text=text, sort=index) for index, text in enumerate(checklist, start=1)
    )
    timeline.record_many(timeline_subjects(task), EventKind.TASK_CREATED, actor=actor, data=event_data(task))
    if announce and getattr(actor, "pk", None) != responsible.pk:
        notify(
            user=responsible,
            kind="task_assigned",
            text=_("New task: %(title)s, due %(deadline)s")
            % {"title": task.title, "deadline": local_time(deadline, responsible)},
            url=task_url(task),
        )
    return task


@transaction.atomic
def task_create(
    *,
    actor,
    title: str,
    deadline,
    responsible=None,
    kind: str = TaskKind.TASK,
    description: str = "",
    remind_at=None,
    deal=None,
    lead=None,
    contact=None,
    company=None,
    checklist: Iterable[str] = (),
) -> Task:
    """T3: a task with a deadline (required) and an optional reminder before it, for the actor or
    another user, linked to records the actor sees (R2); written on their timelines (T4)."""
    title = clean_text(title, "title", required=True, limit=TITLE_MAX)
    deadline = clean_moment(deadline, "deadline", required=True)
    remind_at = clean_moment(remind_at, "remind_at", required=False)
    check_reminder(remind_at, deadline)
    kind = clean_kind(kind)
    description = clean_text(description, "description", required=False)
    responsible = clean_responsible(actor if responsible is None else responsible)
    if isinstance(checklist, str):
        raise InvalidInput(_("checklist: a list of items is required."), field="checklist")
    items = [clean_text(text, "checklist", required=True, limit=ITEM_MAX) for text in checklist]
    links = clean_links(actor, {"deal": deal, "lead": lead, "contact": contact, "company": company})
    return insert_task(
        actor=actor,
        title=title,
        deadline=deadline,
        responsible=responsible,
        kind=kind,
        description=description,
        remind_at=remind_at,
        links=links,
        checklist=items,
    )


UPDATABLE = ("title", "description", "deadline", "remind_at", "responsible", "kind")


@transaction.atomic
def task_update(*, actor, task: Task, **changes) -> Task:
    """T3/R3: change a task's fields; each change is recorded with from/to on the task's timeline.

    A new responsible is told; a new reminder time is sent again even if the old one was.
    """
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        field = sorted(unknown)[0]
        raise InvalidInput(_("%(field)s: cannot be changed here.") % {"field": field}, field=field)
    task = lock_task(task)
    require_edit(actor, task)
    if not task.is_open:
        raise RuleViolation(_("A closed task cannot be changed; reopen it first."), code="task_closed")
    clean = {}
    if "title" in changes:
        clean["title"] = clean_text(changes["title"], "title", required=True, limit=TITLE_MAX)
    if "description" in changes:
        clean["description"] = clean_text(changes["description"], "description", required=False)
    if "deadline" in changes:
        clean["deadline"] = clean_moment(changes["deadline"], "deadline", required=True)
    if "remind_at" in changes:
        clean["remind_at"] = clean_moment(changes["remind_at"], "remind_at", required=False)
    if "kind" in changes:
        clean["kind"] = clean_kind(changes["kind"])
    if "responsible" in changes:
        clean["responsible"] = clean_responsible(changes["responsible"])
    check_reminder(clean.get("remind_at", task.remind_at), clean.get("deadline", task.deadline))

    previous_responsible = task.responsible
    for field, new in clean.items():
        old = getattr(task, field)
        if old == new:
            continue
        setattr(task, field, new)
        if field == "responsible":
            timeline.change(
                task,
                "responsible",
                {"id": old.pk, "name": old.display_name},
                {"id": new.pk, "name": new.display_name},
                actor=actor,
                kind=EventKind.RESPONSIBLE_CHANGED,
            )
        else:
            timeline.change(task, field, old, new, actor=actor)
        if field == "remind_at":
            task.reminded_at = None
    task.save()
    if task.responsible_id != previous_responsible.pk and task.responsible_id != getattr(actor, "pk", None):
        notify(
            user=task.responsible,
            kind="task_assigned",
            text=_("Task handed to you: %(title)s") % {"title": task.title},
            url=task_url(task),
        )
    return task


@transaction.atomic
def task_complete(*, actor, task: Task, result: str = "") -> Task:
    """T2: a task is completed only when its checklist is done ("3 of 6 done" is refused)."""
    task = lock_task(task)
    require_edit(actor, task)
    if not task.is_open:
        raise RuleViolation(_("The task is already closed."), code="task_closed")
    done, total = task.checklist_counts()
    if done < total:
        raise RuleViolation(
            _("The checklist is not finished: %(done)s of %(total)s done.") % {"done": done, "total": total},
            field="checklist",
            code="checklist_incomplete",
        )
    result = clean_text(result, "result", required=False)
    task.status = TaskStatus.DONE
    task.completed_at = timezone.now()
    task.completed_by = actor
    if result:
        task.result = result
    task.save(update_fields=["status", "completed_at", "completed_by", "result"])
    timeline.record_many(
        timeline_subjects(task),
        EventKind.TASK_COMPLETED,
        actor=actor,
        data={**event_data(task), "result": task.result},
    )
    return task


@transaction.atomic
def task_reopen(*, actor, task: Task) -> Task:
    """T3: a closed task goes back to work; overdue again if its deadline has passed."""
    task = lock_task(task)
    require_edit(actor, task)
    if task.is_open:
        raise RuleViolation(_("The task is already open."), code="task_open")
    previous = task.status
    task.status = TaskStatus.OPEN
    task.completed_at = None
    task.completed_by = None
    task.save(update_fields=["status", "completed_at", "completed_by"])
    timeline.record_many(
        timeline_subjects(task),
        EventKind.TASK_REOPENED,
        actor=actor,
        data={**event_data(task), "from": previous},
    )
    return task
