"""Completion, reopening, updates and checklists: T2, T3, R3."""

import datetime as dt

import pytest
from django.utils import timezone

from dealbook.accounts.models import Notification, Role
from dealbook.activities import services
from dealbook.activities.models import ChecklistItem, Task, TaskStatus
from dealbook.core.errors import Forbidden, InvalidInput, RuleViolation
from dealbook.core.models import EventKind
from dealbook.core.timeline import events_for

pytestmark = pytest.mark.django_db


def _task(f, actor=None, *, checklist=(), **kw):
    actor = actor or f.make_user()
    return services.task_create(
        actor=actor, title="Task", deadline=timezone.now() + dt.timedelta(hours=1), checklist=checklist, **kw
    )


def test_t2_completion_refused_while_checklist_open(f):
    """T2: "3 of 6 done" — a task with open checklist items cannot be completed (409)."""
    manager = f.make_user()
    task = _task(f, manager, checklist=[f"step {n}" for n in range(6)])
    for item in list(task.checklist.all())[:3]:
        services.checklist_toggle(actor=manager, item=item)
    task = Task.objects.get(pk=task.pk)
    assert task.progress == "3 of 6"
    with pytest.raises(RuleViolation) as exc:
        services.task_complete(actor=manager, task=task)
    assert exc.value.code == "checklist_incomplete" and exc.value.status == 409
    assert "3 of 6 done" in exc.value.message
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN and task.completed_at is None
    assert EventKind.TASK_COMPLETED not in [e.kind for e in events_for(task)]


def test_t2_completion_once_checklist_is_done(f):
    """T2: with every item ticked the task completes; the deal's timeline shows it (T4)."""
    manager = f.make_user()
    deal = f.make_deal(responsible=manager)
    task = _task(f, manager, checklist=["a", "b"], deal=deal)
    for item in task.checklist.all():
        services.checklist_toggle(actor=manager, item=item, done=True)
    done = services.task_complete(actor=manager, task=task, result="Agreed on Monday")
    assert (
        done.status == TaskStatus.DONE and done.completed_by == manager and done.result == "Agreed on Monday"
    )
    assert [e.kind for e in events_for(deal)][:1] == [EventKind.TASK_COMPLETED]
    with pytest.raises(RuleViolation) as exc:
        services.task_complete(actor=manager, task=task)
    assert exc.value.code == "task_closed"


def test_t2_items_added_later_reopen_the_progress(f):
    """T2: items may be added at any time; the new item must be done before completion."""
    manager = f.make_user()
    task = _task(f, manager, checklist=["a"])
    services.checklist_toggle(actor=manager, item=task.checklist.get())
    services.checklist_add(actor=manager, task=task, text="b")
    task = Task.objects.get(pk=task.pk)
    assert task.progress == "1 of 2"
    with pytest.raises(RuleViolation):
        services.task_complete(actor=manager, task=task)
    services.checklist_remove(actor=manager, item=task.checklist.get(text="b"))
    assert services.task_complete(actor=manager, task=task).status == TaskStatus.DONE


def test_t2_checklist_edit_toggle_back_and_records(f):
    manager = f.make_user()
    task = _task(f, manager, checklist=["draft"])
    item = task.checklist.get()
    services.checklist_update(actor=manager, item=item, text="final", done=True)
    item.refresh_from_db()
    assert item.text == "final" and item.is_done and item.done_by == manager
    services.checklist_toggle(actor=manager, item=item)  # flips back
    item.refresh_from_db()
    assert not item.is_done and item.done_at is None
    actions = [e.data.get("checklist") for e in events_for(task) if e.kind == EventKind.UPDATED]
    assert actions == ["undone", "done", "edited"]
    with pytest.raises(InvalidInput) as exc:
        services.checklist_add(actor=manager, task=task, text="  ")
    assert exc.value.field == "text"


def test_t2_item_of_another_task_is_refused(f):
    manager = f.make_user()
    one, two = _task(f, manager, checklist=["a"]), _task(f, manager, checklist=["b"])
    stray = two.checklist.get()
    stray.task = one
    with pytest.raises(InvalidInput):
        services.checklist_toggle(actor=manager, item=stray)
    assert not ChecklistItem.objects.filter(is_done=True).exists()


def test_t2_closed_task_checklist_is_frozen(f):
    manager = f.make_user()
    task = _task(f, manager)
    services.task_complete(actor=manager, task=task)
    with pytest.raises(RuleViolation):
        services.checklist_add(actor=manager, task=task, text="late")
    assert ChecklistItem.objects.count() == 0


def test_t3_reopen_restores_the_open_state(f):
    manager = f.make_user()
    task = _task(f, manager)
    services.task_complete(actor=manager, task=task)
    reopened = services.task_reopen(actor=manager, task=task)
    assert reopened.status == TaskStatus.OPEN and reopened.completed_at is None
    assert [e.kind for e in events_for(task)][0] == EventKind.TASK_REOPENED
    with pytest.raises(RuleViolation):
        services.task_reopen(actor=manager, task=task)


def test_r3_update_records_deadline_and_responsible_changes(f):
    """R3/T3: deadline and responsible changes are on the task's timeline with from/to."""
    author = f.make_user()
    other = f.make_user()
    task = _task(f, author, remind_at=timezone.now() + dt.timedelta(minutes=30))
    Task.objects.filter(pk=task.pk).update(reminded_at=timezone.now())
    old_deadline = task.deadline
    new_deadline = old_deadline + dt.timedelta(days=1)
    services.task_update(
        actor=author,
        task=task,
        deadline=new_deadline,
        responsible=other.pk,
        remind_at=new_deadline - dt.timedelta(hours=1),
        title="Task",
    )
    task.refresh_from_db()
    assert task.deadline == new_deadline and task.responsible == other
    assert task.reminded_at is None  # a new reminder time is reminded again
    events = {e.data.get("field"): e for e in events_for(task) if e.data.get("field")}
    assert set(events) == {"deadline", "responsible", "remind_at"}
    assert events["deadline"].data["from"] == old_deadline.isoformat()
    assert events["responsible"].kind == EventKind.RESPONSIBLE_CHANGED
    assert events["responsible"].data["to"]["id"] == other.pk
    assert Notification.objects.filter(user=other, kind="task_assigned").count() == 1


def test_t3_update_checks_the_reminder_against_the_new_deadline(f):
    manager = f.make_user()
    task = _task(f, manager, remind_at=timezone.now() + dt.timedelta(minutes=50))
    with pytest.raises(InvalidInput) as exc:
        services.task_update(actor=manager, task=task, deadline=timezone.now() + dt.timedelta(minutes=10))
    assert exc.value.field == "remind_at"
    with pytest.raises(InvalidInput) as exc:
        services.task_update(actor=manager, task=task, deadline=None)
    assert exc.value.field == "deadline"
    with pytest.raises(InvalidInput) as exc:
        services.task_update(actor=manager, task=task, status="done")
    assert exc.value.field == "status"


def test_r1_only_responsible_author_or_their_managers_change_a_task(f):
    """R1/R2: seeing a task on a shared deal does not let another manager close it."""
    group = f.make_group()
    owner = f.make_user(group=group)
    head = f.make_user(Role.GROUP_MANAGER, group=group)
    stranger = f.make_user()
    accountant = f.make_user(Role.ACCOUNTANT)
    deal = f.make_deal(responsible=owner, is_shared=True)
    task = _task(f, owner, deal=deal)
    for outsider in (stranger, accountant):
        with pytest.raises(Forbidden):
            services.task_complete(actor=outsider, task=task)
        with pytest.raises(Forbidden):
            services.task_update(actor=outsider, task=task, title="Mine now")
    task.refresh_from_db()
    assert task.is_open and task.title == "Task"
    assert services.task_complete(actor=head, task=task).status == TaskStatus.DONE
    assert services.task_reopen(actor=f.make_user(Role.DIRECTOR), task=task).is_open


def test_t3_is_overdue_is_decided_in_one_place(f):
    """T3: open and past the deadline is overdue; done is never overdue."""
    manager = f.make_user()
    task = _task(f, manager)
    later = task.deadline + dt.timedelta(seconds=1)
    assert not task.is_overdue(task.deadline - dt.timedelta(seconds=1))
    assert task.is_overdue(later)
    assert list(Task.objects.overdue(later)) == [task]
    services.task_complete(actor=manager, task=task)
    task.refresh_from_db()
    assert not task.is_overdue(later)
    assert not Task.objects.overdue(later).exists()
