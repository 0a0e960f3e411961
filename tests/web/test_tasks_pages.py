"""Tasks on the deal card, checklists in place, my tasks and the calendar (T1–T3)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dealbook.activities import services
from dealbook.activities.models import ChecklistItem, Task, TaskStatus
from tests import factories
from tests.web.conftest import overdue_task


@pytest.mark.django_db
def test_task_created_from_the_deal_card_with_checklist(board, client_as):
    """T3/T2: title, deadline and responsible; the checklist one item per line shows "0 of 2"."""
    response = client_as(board["manager"]).post(
        reverse("deal_task_create", args=[board["mine"].pk]),
        {
            "title": "Send the proposal",
            "deadline": "2030-05-15T10:00",
            "checklist": "Check VAT\nAttach card\n",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    task = Task.objects.get(title="Send the proposal")
    assert task.deal == board["mine"] and task.responsible == board["manager"]
    assert task.checklist.count() == 2
    assert "0 of 2" in response.content.decode()


@pytest.mark.django_db
def test_deadline_is_read_in_the_users_time_zone(board, client_as):
    """Times in the user's zone: 10:00 typed by a user in Vladivostok is 00:00 UTC."""
    board["manager"].time_zone = "Asia/Vladivostok"
    board["manager"].save()
    client_as(board["manager"]).post(
        reverse("deal_task_create", args=[board["mine"].pk]),
        {"title": "Call", "deadline": "2030-05-15T10:00"},
        HTTP_HX_REQUEST="true",
    )
    task = Task.objects.get(title="Call")
    assert task.deadline == dt.datetime(2030, 5, 15, 0, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_task_without_deadline_is_refused_at_the_deadline_field(board, client_as):
    """T3: the deadline is required; the message sits under it and nothing is written."""
    response = client_as(board["manager"]).post(
        reverse("deal_task_create", args=[board["mine"].pk]), {"title": "Call"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="task-deadline"' in html and "deadline: a date and time is required" in html
    assert 'value="Call"' in html
    assert not Task.objects.exists()


@pytest.mark.django_db
def test_checklist_ticked_in_place_and_completion_refused_until_done(board, client_as):
    """T2: ticking shows "1 of 2"; completing with an open item is refused with its message."""
    task = services.task_create(
        actor=board["manager"],
        title="Prepare",
        deadline=timezone.now() + dt.timedelta(days=1),
        deal=board["mine"],
        checklist=["a", "b"],
    )
    first, second = task.checklist.all()
    client = client_as(board["manager"])
    ticked = client.post(reverse("checklist_toggle", args=[first.pk]), {"done": "1"}, HTTP_HX_REQUEST="true")
    assert ticked.status_code == 200 and "1 of 2" in ticked.content.decode()
    refused = client.post(reverse("task_complete", args=[task.pk]), HTTP_HX_REQUEST="true")
    assert refused.status_code == 409 and "1 of 2 done" in refused.content.decode()
    client.post(reverse("checklist_toggle", args=[second.pk]), {"done": "1"}, HTTP_HX_REQUEST="true")
    done = client.post(reverse("task_complete", args=[task.pk]), HTTP_HX_REQUEST="true")
    assert done.status_code == 200
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE


@pytest.mark.django_db
def test_another_users_checklist_is_not_ticked(board, client_as):
    """R2: a sales manager cannot tick items of a task on another manager's private deal."""
    task = services.task_create(
        actor=board["other"],
        title="Private",
        deadline=timezone.now() + dt.timedelta(days=1),
        deal=board["private"],
        checklist=["x"],
    )
    item = task.checklist.get()
    response = client_as(board["manager"]).post(reverse("checklist_toggle", args=[item.pk]), {"done": "1"})
    assert response.status_code == 404
    assert not ChecklistItem.objects.get(pk=item.pk).is_done


@pytest.mark.django_db
def test_checklist_item_added(board, client_as):
    task = services.task_create(
        actor=board["manager"], title="T", deadline=timezone.now() + dt.timedelta(days=1), deal=board["mine"]
    )
    response = client_as(board["manager"]).post(
        reverse("checklist_add", args=[task.pk]), {"text": "new item"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "new item" in response.content.decode()


@pytest.mark.django_db
def test_my_tasks_overdue_first(board, client_as):
    """T3: my open tasks, the overdue one first and marked."""
    services.task_create(
        actor=board["manager"],
        title="Later one",
        deadline=timezone.now() + dt.timedelta(days=2),
        deal=board["mine"],
    )
    overdue_task(board["mine"], board["manager"])
    html = client_as(board["manager"]).get(reverse("tasks")).content.decode()
    assert html.index("Call back") < html.index("Later one")
    assert "overdue" in html


@pytest.mark.django_db
def test_calendar_week_shows_tasks(board, client_as):
    services.task_create(
        actor=board["manager"],
        title="Meeting",
        deadline=timezone.now() + dt.timedelta(hours=1),
        deal=board["mine"],
    )
    html = client_as(board["manager"]).get(reverse("calendar")).content.decode()
    assert "Meeting" in html
    assert client_as(board["manager"]).get(reverse("calendar"), {"week": "bad"}).status_code == 200


@pytest.mark.django_db
def test_task_page(board, client_as):
    task = overdue_task(board["mine"], board["manager"])
    assert client_as(board["manager"]).get(reverse("task", args=[task.pk])).status_code == 200
    stranger = factories.make_user()
    assert client_as(stranger).get(reverse("task", args=[task.pk])).status_code == 404
