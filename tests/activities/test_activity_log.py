"""T4: done calls, meetings, e-mails and visits on the timeline of the records they concern."""

import datetime as dt

import pytest
from django.utils import timezone

from dealbook.activities import services
from dealbook.activities.models import Task, TaskKind, TaskStatus
from dealbook.core.errors import Forbidden, InvalidInput
from dealbook.core.models import Event, EventKind
from dealbook.core.timeline import events_for

pytestmark = pytest.mark.django_db


def test_t4_logged_call_is_on_deal_and_contact_timelines(f):
    """T4: a logged call is a done task of kind call and an "activity" entry on each record."""
    manager = f.make_user()
    deal = f.make_deal(responsible=manager)
    contact = f.make_contact(responsible=manager)
    when = timezone.now() - dt.timedelta(hours=1)
    task = services.activity_log(
        actor=manager,
        kind=TaskKind.CALL,
        subject="Called Роман",
        deal=deal,
        contact=contact,
        result="Wants 3 rings",
        done_at=when,
    )
    assert task.kind == TaskKind.CALL and task.status == TaskStatus.DONE
    assert task.deadline == when and task.completed_at == when and task.responsible == manager
    for record in (deal, contact):
        [event] = events_for(record)
        assert event.kind == EventKind.ACTIVITY
        assert event.data["kind"] == "call" and event.data["result"] == "Wants 3 rings"
        assert event.actor == manager


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"kind": "task"}, "kind"),
        ({"kind": "intake"}, "kind"),
        ({"subject": ""}, "subject"),
        ({"deal": None}, "deal"),
        ({"done_at": "2999-01-01T00:00"}, "done_at"),
    ],
)
def test_t4_bad_activity_input(f, kw, field):
    manager = f.make_user()
    values = {"kind": TaskKind.MEETING, "subject": "Met", "deal": f.make_deal(responsible=manager)} | kw
    with pytest.raises(InvalidInput) as exc:
        services.activity_log(actor=manager, **values)
    assert exc.value.field == field
    assert not Task.objects.exists() and not Event.objects.exists()


def test_r2_activity_on_invisible_record_is_refused(f):
    deal = f.make_deal(responsible=f.make_user())
    with pytest.raises(Forbidden):
        services.activity_log(actor=f.make_user(), kind=TaskKind.VISIT, subject="Visit", deal=deal)
    assert not Task.objects.exists()
