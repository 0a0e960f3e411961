"""Checklists (T2): items added at any time, ticked, reworded, removed; progress "3 of 6"."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealbook.activities.models import ChecklistItem, Task
from dealbook.activities.services.common import ITEM_MAX, clean_text, lock_task, require_edit
from dealbook.core import timeline
from dealbook.core.errors import InvalidInput, RuleViolation
from dealbook.core.models import EventKind

# ---- checklists (T2) -------------------------------------------------------------------------------


def _open_task_for_checklist(actor, task: Task) -> Task:
    task = lock_task(task)
    require_edit(actor, task)
    if not task.is_open:
        raise RuleViolation(_("The task is closed; reopen it to change its checklist."), code="task_closed")
    return task


def _item_of(task: Task, item: ChecklistItem) -> ChecklistItem:
    found = ChecklistItem.objects.filter(pk=item.pk, task=task).first()
    if found is None:
        raise InvalidInput(_("item: not an item of this task."), field="item")
    return found


@transaction.atomic
def checklist_add(*, actor, task: Task, text: str) -> ChecklistItem:
    """T2: items are added at any time while the task is open."""
    task = _open_task_for_checklist(actor, task)
    text = clean_text(text, "text", required=True, limit=ITEM_MAX)
    last = task.checklist.order_by("-sort").values_list("sort", flat=True).first() or 0
    item = ChecklistItem.objects.create(task=task, text=text, sort=last + 1)
    timeline.record(
        task, EventKind.UPDATED, actor=actor, data={"checklist": "added", "item_id": item.pk, "text": text}
    )
    return item


@transaction.atomic
def checklist_toggle(*, actor, item: ChecklistItem, done: bool | None = None) -> ChecklistItem:
    """T2: tick an item off (or back on); `done=None` flips it."""
    task = _open_task_for_checklist(actor, item.task)
    item = _item_of(task, item)
    new = (not item.is_done) if done is None else done
    if not isinstance(new, bool):
        raise InvalidInput(_("done: true or false."), field="done")
    if new != item.is_done:
        item.is_done = new
        item.done_at = timezone.now() if new else None
        item.done_by = actor if new else None
        item.save(update_fields=["is_done", "done_at", "done_by"])
        timeline.record(
            task,
            EventKind.UPDATED,
            actor=actor,
            data={"checklist": "done" if new else "undone", "item_id": item.pk, "text": item.text},
        )
    return item


@transaction.atomic
def checklist_edit(*, actor, item: ChecklistItem, text: str) -> ChecklistItem:
    """T2/R3: reword an item; the old wording stays on the task's timeline."""
    task = _open_task_for_checklist(actor, item.task)
    item = _item_of(task, item)
    text = clean_text(text, "text", required=True, limit=ITEM_MAX)
    if text != item.text:
        timeline.record(
            task,
            EventKind.UPDATED,
            actor=actor,
            data={"checklist": "edited", "item_id": item.pk, "from": item.text, "to": text},
        )
        item.text = text
        item.save(update_fields=["text"])
    return item


@transaction.atomic
def checklist_update(
    *, actor, item: ChecklistItem, text: str | None = None, done: bool | None = None
) -> ChecklistItem:
    """T2: reword and/or tick an item in one step (the API's PATCH)."""
    if text is not None:
        item = checklist_edit(actor=actor, item=item, text=text)
    if done is not None:
        item = checklist_toggle(actor=actor, item=item, done=done)
    return item


@transaction.atomic
def checklist_remove(*, actor, item: ChecklistItem) -> None:
    """T2: drop an item that no longer applies; recorded on the task's timeline."""
    task = _open_task_for_checklist(actor, item.task)
    item = _item_of(task, item)
    timeline.record(
        task,
        EventKind.UPDATED,
        actor=actor,
        data={"checklist": "removed", "item_id": item.pk, "text": item.text},
    )
    item.delete()
