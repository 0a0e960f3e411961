"""Seed step 61 / T3: after the deal the manager plans a follow-up call on the contact's card — the
same task form and rules as the deal's "to do" panel, errors at the field, R2 on the contact."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dealbook.activities.models import Task
from dealbook.crm.services.contacts import contact_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def roman(board):
    return contact_create(actor=board["manager"], first_name="Роман", last_name="Прорабов")


def deadline(days=3) -> str:
    return (timezone.localtime() + dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def test_contact_card_has_the_task_form(board, roman, client_as):
    html = client_as(board["manager"]).get(reverse("contact", args=[roman.pk])).content.decode()
    assert reverse("contact_task_create", args=[roman.pk]) in html and 'name="deadline"' in html


def test_t3_follow_up_call_created_on_the_contact(board, roman, client_as):
    client = client_as(board["manager"])
    response = client.post(
        reverse("contact_task_create", args=[roman.pk]),
        {"title": "Позвонить: как доставка?", "deadline": deadline(), "kind": "call"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    task = Task.objects.get(title="Позвонить: как доставка?")
    assert task.contact_id == roman.pk and task.responsible_id == board["manager"].pk and task.kind == "call"
    assert "Позвонить: как доставка?" in response.content.decode()
    html = client.get(reverse("contact", args=[roman.pk])).content.decode()
    assert "Позвонить: как доставка?" in html


def test_t3_deadline_is_required_and_the_error_is_at_the_field(board, roman, client_as):
    response = client_as(board["manager"]).post(
        reverse("contact_task_create", args=[roman.pk]), {"title": "Позвонить"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert 'id="task-deadline"' in html and 'class="invalid"' in html and 'role="alert"' in html
    assert not Task.objects.filter(contact=roman).exists()


def test_r2_no_task_on_a_contact_the_user_cannot_see(board, roman, client_as):
    response = client_as(board["other"]).post(
        reverse("contact_task_create", args=[roman.pk]),
        {"title": "Чужой", "deadline": deadline()},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 404
    assert not Task.objects.filter(contact=roman).exists()
