"""T1 (seed step 20): every new deal gets its intake task for the responsible, due in 10 minutes."""

import datetime as dt

import pytest
from django.utils import timezone

from dealbook.accounts.models import Notification, Role
from dealbook.activities import services as task_services
from dealbook.activities.models import Task, TaskKind, TaskStatus
from dealbook.core.models import EventKind
from dealbook.core.timeline import events_for
from dealbook.crm.services.deals import deal_assign, deal_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(f):
    f.russia()
    return {
        "pipeline": f.make_pipeline(),
        "operator": f.make_user(Role.OPERATOR),
        "manager": f.make_user(Role.SALES_MANAGER),
        "other": f.make_user(Role.SALES_MANAGER),
    }


def _intake(deal):
    return Task.objects.filter(deal=deal, kind=TaskKind.INTAKE)


def test_t1_new_deal_with_responsible_gets_intake_task_due_in_10_minutes(world):
    """T1: deal_create with a responsible creates the intake task for them, deadline now + 10 min."""
    before = timezone.now()
    deal = deal_create(
        actor=world["operator"],
        title="01/12.05 КС, ФБС тест",
        pipeline=world["pipeline"],
        responsible=world["manager"],
    )
    after = timezone.now()
    [task] = _intake(deal)
    assert task.responsible == world["manager"]
    assert task.status == TaskStatus.OPEN
    assert task.title == "Take the incoming deal: 01/12.05 КС, ФБС тест"
    assert before + dt.timedelta(minutes=10) <= task.deadline <= after + dt.timedelta(minutes=10)
    assert EventKind.TASK_CREATED in [e.kind for e in events_for(deal)]
    # one message about the new deal, not a second one about its intake task
    assert Notification.objects.filter(user=world["manager"]).count() == 1


def test_t1_intake_minutes_come_from_settings(world, settings):
    settings.DEALBOOK_INTAKE_TASK_MINUTES = 30
    before = timezone.now()
    deal = deal_create(
        actor=world["operator"], title="D", pipeline=world["pipeline"], responsible=world["manager"]
    )
    [task] = _intake(deal)
    assert task.deadline >= before + dt.timedelta(minutes=30)


def test_t1_deal_without_responsible_gets_the_task_when_assigned(world):
    """T1: no responsible yet, no intake task; assigning the deal creates it for the manager."""
    deal = deal_create(actor=world["operator"], title="Unrouted", pipeline=world["pipeline"])
    assert deal.responsible_id is None
    assert not _intake(deal).exists()
    deal_assign(actor=world["operator"], deal=deal, responsible=world["manager"])
    [task] = _intake(deal)
    assert task.responsible == world["manager"] and task.is_open


def test_t1_open_intake_task_follows_a_new_responsible(world):
    """T1: reassigning the deal hands its open intake task to the new responsible (recorded, R3)."""
    deal = deal_create(
        actor=world["operator"], title="D", pipeline=world["pipeline"], responsible=world["manager"]
    )
    [task] = _intake(deal)
    Task.objects.filter(pk=task.pk).update(deadline=timezone.now() - dt.timedelta(minutes=1))
    deal_assign(actor=world["operator"], deal=deal, responsible=world["other"])
    [task] = _intake(deal)
    assert task.responsible == world["other"]
    assert not task.is_overdue()  # the new manager gets their own 10 minutes
    changes = [e for e in events_for(task) if e.kind == EventKind.RESPONSIBLE_CHANGED]
    assert changes and changes[0].data["from"]["id"] == world["manager"].pk


def test_t1_done_intake_task_stays_with_who_did_it(world):
    manager = world["manager"]
    deal = deal_create(actor=world["operator"], title="D", pipeline=world["pipeline"], responsible=manager)
    [task] = _intake(deal)
    task_services.task_complete(actor=manager, task=task)
    deal_assign(actor=world["operator"], deal=deal, responsible=world["other"])
    [task] = _intake(deal)  # no second intake task
    assert task.responsible == manager and task.status == TaskStatus.DONE


def test_t1_failed_deal_creation_leaves_no_task(world):
    """The hook runs in the deal's transaction: a refused deal leaves no intake task behind."""
    from dealbook.core.errors import DomainError

    with pytest.raises(DomainError):
        deal_create(
            actor=world["operator"], title="  ", pipeline=world["pipeline"], responsible=world["manager"]
        )
    assert not Task.objects.exists()
