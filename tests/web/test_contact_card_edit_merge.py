"""The contact card: edit in place with the service's errors at the field (a wrong phone under the
input it was typed in), and "Merge with…" offering duplicates by phone and e-mail first (L3)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dealbook.crm.models import Contact, ContactPoint
from dealbook.crm.services.contacts import contact_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(board):
    manager = board["manager"]
    roman = contact_create(
        actor=manager, first_name="Роман", last_name="Прорабов", phones=["+7 921 848-53-83"]
    )
    twin = contact_create(actor=manager, first_name="Роман", phones=["8 921 848 53 83"], emails=["r@site.ru"])
    stranger = contact_create(actor=manager, first_name="Ольга", last_name="Романова")
    return {**board, "roman": roman, "twin": twin, "stranger": stranger}


def test_edit_form_shows_names_and_one_input_per_point(people, client_as):
    html = (
        client_as(people["manager"]).get(reverse("contact_edit", args=[people["roman"].pk])).content.decode()
    )
    assert 'name="first_name" value="Роман"' in html
    assert 'name="phones" value="+7 921 848-53-83"' in html
    assert html.count('name="phones"') == 2  # the phone and an empty one to add


def test_edit_saves_names_and_points_and_writes_r3(people, client_as):
    contact = people["roman"]
    response = client_as(people["manager"]).post(
        reverse("contact_edit", args=[contact.pk]),
        {
            "first_name": "Роман",
            "last_name": "Прорабов",
            "middle_name": "Ильич",
            "position": "прораб",
            "phones": ["+7 921 848-53-83", "+7 812 000 00 01", ""],
            "emails": ["roman@site.ru"],
            "messengers": [""],
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Ильич" in response.content.decode() and "toast" in response["HX-Trigger"]
    contact.refresh_from_db()
    assert contact.middle_name == "Ильич" and contact.position == "прораб"
    assert sorted(contact.points.values_list("normalized", flat=True)) == [
        "+78120000001",
        "+79218485383",
        "roman@site.ru",
    ]


def test_a_wrong_phone_is_shown_under_its_input_and_nothing_is_saved(people, client_as):
    contact = people["roman"]
    before = list(ContactPoint.objects.filter(contact=contact).values())
    response = client_as(people["manager"]).post(
        reverse("contact_edit", args=[contact.pk]),
        {"first_name": "Роман Новый", "phones": ["+7 921 848-53-83", "", "12ab"], "emails": [""]},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 400 and response["X-Form-Errors"] == "1"
    # the error sits right after the third phone input (the one typed wrong), not the first
    wrong = html.split('value="12ab"')[1].split("</div>")[0]
    assert 'class="error"' in wrong
    assert html.split('value="+7 921 848-53-83"')[1].split("</div>")[0].count('class="error"') == 0
    contact.refresh_from_db()
    assert contact.first_name == "Роман"
    assert list(ContactPoint.objects.filter(contact=contact).values()) == before


def test_a_missing_name_is_shown_at_the_first_name(people, client_as):
    response = client_as(people["manager"]).post(
        reverse("contact_edit", args=[people["roman"].pk]), {"first_name": "", "last_name": ""}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="ce-first_name-error"' in html


def test_r2_another_managers_contact_cannot_be_edited(people, client_as):
    response = client_as(people["other"]).post(
        reverse("contact_edit", args=[people["roman"].pk]), {"first_name": "X"}
    )
    assert response.status_code == 404


def test_card_offers_the_duplicate_by_phone_first(people, client_as):
    html = client_as(people["manager"]).get(reverse("contact", args=[people["roman"].pk])).content.decode()
    options = html.split('id="merge-options"')[1].split("</div>")[0]
    assert f'value="{people["twin"].pk}"' in options and "same phone" in options
    assert f'value="{people["stranger"].pk}"' not in options


def test_merge_options_search_by_name_bounded(people, client_as):
    client = client_as(people["manager"])
    url = reverse("contact_merge_options", args=[people["roman"].pk])
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(url, {"q": "Роман"}).content.decode()
    assert f'value="{people["stranger"].pk}"' in html  # Романова by name
    assert html.count(f'value="{people["twin"].pk}"') == 1  # a duplicate is listed once
    assert len(ctx.captured_queries) <= 12


def test_merge_from_the_card(people, client_as):
    client = client_as(people["manager"])
    response = client.post(
        reverse("contact_merge", args=[people["roman"].pk]), {"other_id": people["twin"].pk}
    )
    assert response.status_code == 302 and response["Location"] == reverse(
        "contact", args=[people["roman"].pk]
    )
    assert not Contact.objects.filter(pk=people["twin"].pk).exists()
    html = client.get(response["Location"]).content.decode()
    assert "was merged into this contact" in html and "r@site.ru" in html


def test_merge_refused_comes_back_as_a_message(people, client_as):
    head = people["other"]  # a sales manager responsible of neither
    Contact.objects.filter(pk__in=[people["roman"].pk, people["twin"].pk]).update(is_shared=True)
    client = client_as(head)
    response = client.post(
        reverse("contact_merge", args=[people["roman"].pk]), {"other_id": people["twin"].pk}
    )
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "Only the responsible of both contacts" in html
    assert Contact.objects.filter(pk=people["twin"].pk).exists()


def test_contact_card_query_count_is_bounded(people, client_as):
    client = client_as(people["manager"])
    url = reverse("contact", args=[people["roman"].pk])
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    assert len(ctx.captured_queries) <= 20
