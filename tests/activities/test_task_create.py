"""task_create: T3 (deadline, reminder, links), R2 (only visible records), T4 (timeline), notifications."""

import datetime as dt

import pytest
from django.utils import timezone

from dealbook.accounts.models import Notification, Role
from dealbook.activities import services
from dealbook.activities.models import ChecklistItem, Task, TaskKind
from dealbook.core.errors import Forbidden, InvalidInput
from dealbook.core.models import Event, EventKind
from dealbook.core.timeline import events_for

pytestmark = pytest.mark.django_db


def _soon(hours=2):
    return timezone.now() + dt.timedelta(hours=hours)


def test_t3_task_defaults_to_the_actor_and_lands_on_the_deal_timeline(f):
    """T3/T4: a task on a deal is written on the deal's timeline; the actor is responsible by default."""
    manager = f.make_user(Role.SALES_MANAGER)
    deal = f.make_deal(responsible=manager)
    task = services.task_create(actor=manager, title="Call the foreman", deadline=_soon(), deal=deal)
    assert task.responsible == manager and task.created_by == manager
    assert task.kind == TaskKind.TASK and task.is_open
    [event] = events_for(deal)
    assert event.kind == EventKind.TASK_CREATED
    assert event.data["task_id"] == task.pk and event.data["title"] == "Call the foreman"
    assert [e.kind for e in events_for(task)] == [EventKind.TASK_CREATED]
    assert Notification.objects.count() == 0  # nobody to tell: the actor set their own task


def test_t3_task_for_someone_else_notifies_them(f):
    director = f.make_user(Role.DIRECTOR)
    manager = f.make_user(Role.SALES_MANAGER)
    task = services.task_create(actor=director, title="Send the price", deadline=_soon(), responsible=manager)
    [note] = Notification.objects.all()
    assert note.user == manager and note.kind == "task_assigned"
    assert "Send the price" in note.text and note.url.endswith(f"/{task.pk}/")


def test_t3_deadline_is_required(f):
    """T3: a task without a deadline is refused on the deadline field; nothing is written."""
    manager = f.make_user()
    for bad in (None, "", "tomorrow"):
        with pytest.raises(InvalidInput) as exc:
            services.task_create(actor=manager, title="x", deadline=bad)
        assert exc.value.field == "deadline"
    assert Task.objects.count() == 0 and Event.objects.count() == 0


@pytest.mark.parametrize("offset", [dt.timedelta(0), dt.timedelta(minutes=5)])
def test_t3_reminder_must_come_before_the_deadline(f, offset):
    manager = f.make_user()
    deadline = _soon()
    with pytest.raises(InvalidInput) as exc:
        services.task_create(actor=manager, title="x", deadline=deadline, remind_at=deadline + offset)
    assert exc.value.field == "remind_at"
    assert Task.objects.count() == 0


def test_t3_naive_and_iso_times_are_read_in_the_server_zone(f):
    manager = f.make_user()
    task = services.task_create(
        actor=manager, title="x", deadline="2030-01-10T12:00", remind_at=dt.datetime(2030, 1, 10, 11, 0)
    )
    assert timezone.is_aware(task.deadline)
    assert task.remind_at == task.deadline - dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x" * 256}, "title"),
        ({"kind": "party"}, "kind"),
        ({"responsible": 999999}, "responsible"),
        ({"checklist": ["ok", " "]}, "checklist"),
        ({"checklist": "not a list"}, "checklist"),
    ],
)
def test_t3_bad_task_input_names_the_field(f, kw, field):
    manager = f.make_user()
    values = {"title": "Task", "deadline": _soon()} | kw
    with pytest.raises(InvalidInput) as exc:
        services.task_create(actor=manager, **values)
    assert exc.value.field == field
    assert Task.objects.count() == 0 and ChecklistItem.objects.count() == 0


def test_t3_inactive_user_cannot_be_responsible(f):
    gone = f.make_user(is_active=False)
    with pytest.raises(InvalidInput) as exc:
        services.task_create(actor=f.make_user(), title="x", deadline=_soon(), responsible=gone)
    assert exc.value.field == "responsible"


def test_r2_task_on_another_managers_private_deal_is_refused(f):
    """R2: a sales manager cannot put a task on a deal they do not see; nothing is written."""
    mine, other = f.make_user(), f.make_user()
    deal = f.make_deal(responsible=other)
    with pytest.raises(Forbidden) as exc:
        services.task_create(actor=mine, title="Peek", deadline=_soon(), deal=deal)
    assert exc.value.field == "deal"
    assert Task.objects.count() == 0 and Event.objects.count() == 0


def test_r2_shared_and_group_records_accept_tasks(f):
    """R2: a shared deal is visible to all; a group manager sees the group's contacts."""
    group = f.make_group()
    lead = f.make_user(Role.GROUP_MANAGER, group=group)
    member = f.make_user(group=group)
    outsider = f.make_user()
    shared = f.make_deal(responsible=member, is_shared=True)
    contact = f.make_contact(responsible=member)
    services.task_create(actor=outsider, title="On shared", deadline=_soon(), deal=shared)
    services.task_create(actor=lead, title="On group contact", deadline=_soon(), contact=contact)
    with pytest.raises(Forbidden):
        services.task_create(actor=outsider, title="No", deadline=_soon(), contact=contact)
    assert Task.objects.count() == 2


def test_t2_task_with_checklist_and_several_links(f):
    """T2/T4: a checklist is created with the task; every linked record gets the event."""
    manager = f.make_user()
    deal = f.make_deal(responsible=manager)
    company = f.make_company(responsible=manager)
    task = services.task_create(
        actor=manager,
        title="Prepare",
        deadline=_soon(),
        deal=deal,
        company=company,
        checklist=["a", "b", "c"],
    )
    assert [i.text for i in task.checklist.all()] == ["a", "b", "c"]
    assert task.progress == "0 of 3"
    assert [e.kind for e in events_for(company)] == [EventKind.TASK_CREATED]
    assert [e.kind for e in events_for(deal)] == [EventKind.TASK_CREATED]
    # the same action on several timelines shares one group id (L2-style)
    assert len({e.group for e in Event.objects.filter(kind=EventKind.TASK_CREATED)}) == 1


def test_wrong_record_type_for_a_link(f):
    manager = f.make_user()
    with pytest.raises(InvalidInput) as exc:
        services.task_create(actor=manager, title="x", deadline=_soon(), deal=f.make_company())
    assert exc.value.field == "deal"
