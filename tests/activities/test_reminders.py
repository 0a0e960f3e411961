"""T3 reminders: the responsible is told once when the reminder time comes."""

import datetime as dt

import pytest
from django.utils import timezone

from dealbook.accounts.models import Notification
from dealbook.activities import services
from dealbook.activities.models import Task
from dealbook.activities.queries import tasks_due_for_reminder

pytestmark = pytest.mark.django_db


def _task(f, actor, *, remind_in, deadline_in=dt.timedelta(hours=2), responsible=None):
    now = timezone.now()
    return services.task_create(
        actor=actor,
        title="Call back",
        deadline=now + deadline_in,
        remind_at=now + remind_in,
        responsible=responsible,
    )


def test_t3_due_reminders_are_sent_once(f):
    """T3: reminders whose time has passed notify the responsible, once (reminded_at)."""
    author = f.make_user()
    manager = f.make_user()
    due = _task(f, author, remind_in=dt.timedelta(minutes=5), responsible=manager)
    later = _task(f, author, remind_in=dt.timedelta(hours=1), responsible=manager)
    Notification.objects.all().delete()
    now = timezone.now() + dt.timedelta(minutes=10)
    assert list(tasks_due_for_reminder(now)) == [due]
    assert services.task_send_reminders(now=now) == 1
    [note] = Notification.objects.all()
    assert note.user == manager and note.kind == "task_reminder" and "Call back" in note.text
    due.refresh_from_db()
    assert due.reminded_at == now
    assert services.task_send_reminders(now=now + dt.timedelta(minutes=1)) == 0
    assert Notification.objects.count() == 1
    assert Task.objects.get(pk=later.pk).reminded_at is None


def test_t3_closed_tasks_are_not_reminded(f):
    manager = f.make_user()
    task = _task(f, manager, remind_in=dt.timedelta(minutes=1))
    services.task_complete(actor=manager, task=task)
    assert services.task_send_reminders(now=timezone.now() + dt.timedelta(minutes=5)) == 0
    assert not Notification.objects.exists()


def test_t3_a_moved_reminder_is_sent_again(f):
    manager = f.make_user()
    task = _task(f, manager, remind_in=dt.timedelta(minutes=1))
    first = timezone.now() + dt.timedelta(minutes=2)
    assert services.task_send_reminders(now=first) == 1
    services.task_update(actor=manager, task=task, remind_at=timezone.now() + dt.timedelta(minutes=30))
    assert services.task_send_reminders(now=first) == 0
    assert services.task_send_reminders(now=timezone.now() + dt.timedelta(minutes=31)) == 1
    assert Notification.objects.filter(kind="task_reminder").count() == 2
