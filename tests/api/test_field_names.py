"""API conventions: references are `<name>_id` (lists `<name>_ids`) in requests and responses, and an
error names the field the client sent, even when the service that refused it says `responsible`."""

import pytest
from ninja import Schema

from dealbook.accounts.models import Role
from dealbook.activities.models import Task
from dealbook.api.fields import request_field, request_fields, sent_names
from dealbook.core.errors import Forbidden, InvalidInput
from dealbook.crm.models import Contact, Deal, DealLine


class _In(Schema):
    responsible_id: int | None = None
    contact_ids: list[int] = []
    stage: int | str | None = None


def test_request_field_maps_plain_names_to_what_the_request_has():
    names = sent_names(_In)
    assert request_field("responsible", names) == "responsible_id"
    assert request_field("contacts", names) == "contact_ids"
    assert request_field("contact", names) == "contact_ids"
    assert request_field("stage", names) == "stage"  # a code-or-id field keeps its plain name
    assert request_field("title", names) == "title"  # not a reference: unchanged
    assert request_field("pipeline", names) == "pipeline"  # the request has no pipeline_id
    assert request_field(None, names) is None
    assert request_field("id", names, {"id": "company_id"}) == "company_id"


def test_request_fields_reraises_the_same_error_with_the_mapped_field():
    with pytest.raises(Forbidden) as caught:
        with request_fields(_In(), after="after_id"):
            raise Forbidden("no", field="responsible", code="forbidden")
    assert caught.value.as_dict() == {"detail": "no", "field": "responsible_id", "code": "forbidden"}
    assert caught.value.status == 403
    with pytest.raises(InvalidInput) as caught:
        with request_fields("stage_id", after="after_id"):
            raise InvalidInput("bad", field="after")
    assert caught.value.field == "after_id"


@pytest.mark.django_db
def test_deal_create_takes_ids_and_rejects_the_old_names(f, api_as):
    """D1/C5 through the API: pipeline_id, contact_ids, primary_contact_id, responsible_id, tax_profile_id."""
    profile = f.russia()
    pipeline = f.make_pipeline("ЖБИ")
    operator, manager = f.make_user(Role.OPERATOR), f.make_user()
    roman, ivan = f.make_contact("Роман"), f.make_contact("Иван")
    client = api_as(operator)
    r = client.post(
        "deals",
        {
            "title": "КС",
            "pipeline_id": pipeline.pk,
            "contact_ids": [roman.pk, ivan.pk],
            "primary_contact_id": ivan.pk,
            "responsible_id": manager.pk,
            "tax_profile_id": profile.pk,
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["pipeline_id"], body["responsible_id"], body["tax_profile_id"]) == (
        pipeline.pk,
        manager.pk,
        profile.pk,
    )
    assert [(c["contact_id"], c["is_primary"]) for c in body["contacts"]] == [
        (ivan.pk, True),
        (roman.pk, False),
    ]
    before = Deal.objects.count()
    for payload, field in (
        ({"title": "x", "pipeline": pipeline.pk}, "pipeline_id"),  # the old name is not read
        ({"title": "x", "pipeline_id": pipeline.pk, "responsible_id": 987654}, "responsible_id"),
        ({"title": "x", "pipeline_id": pipeline.pk, "primary_contact_id": 987654}, "primary_contact_id"),
        ({"title": "x", "pipeline_id": pipeline.pk, "tax_profile_id": 987654}, "tax_profile_id"),
        ({"title": "x", "pipeline_id": pipeline.pk, "company_id": 987654}, "company_id"),
    ):
        r = client.post("deals", payload)
        assert r.status_code == 400 and r.json()["field"] == field, (payload, r.content)
    assert Deal.objects.count() == before


@pytest.mark.django_db
def test_deal_patch_and_line_errors_name_the_id_fields(f, api_as):
    """D5/P1: company_id and tax_profile_id on PATCH, product_id on a line; nothing written on error."""
    f.russia()
    manager = f.make_user()
    deal = f.make_deal(responsible=manager)
    client = api_as(manager)
    hidden = f.make_company("Чужая", responsible=f.make_user())  # another manager's, private (R2)
    r = client.patch(f"deals/{deal.pk}", {"company_id": hidden.pk})
    assert r.status_code == 400 and r.json()["field"] == "company_id"
    r = client.patch(f"deals/{deal.pk}", {"tax_profile_id": None})
    assert r.status_code == 400 and r.json()["field"] == "tax_profile_id"
    r = client.post(f"deals/{deal.pk}/lines", {"product_id": 987654, "quantity": "1"})
    assert r.status_code == 400 and r.json()["field"] == "product_id"
    deal.refresh_from_db()
    assert deal.company_id is None and not DealLine.objects.filter(deal=deal).exists()


@pytest.mark.django_db
def test_contact_create_by_a_manager_for_someone_else_names_responsible_id(f, api_as):
    """R1: a sales manager cannot make another user responsible; the 403 names `responsible_id`."""
    manager = f.make_user()
    r = api_as(manager).post("contacts", {"first_name": "Роман", "responsible_id": f.make_user().pk})
    assert r.status_code == 403 and r.json()["field"] == "responsible_id", r.content
    r = api_as(manager).post("contacts", {"first_name": "Роман", "company_id": 987654})
    assert r.status_code == 404 and r.json()["field"] == "company_id", r.content
    assert not Contact.objects.exists()


@pytest.mark.django_db
def test_task_errors_raised_by_the_service_name_the_request_fields(f, api_as):
    """T3/R2: a task's responsible_id and deal_id, as sent, in the service's 400/403."""
    manager = f.make_user()
    gone = f.make_user(is_active=False)
    client = api_as(manager)
    r = client.post("tasks", {"title": "x", "deadline": "2030-01-01T10:00", "responsible_id": gone.pk})
    assert r.status_code == 400 and r.json()["field"] == "responsible_id", r.content
    private = f.make_deal(responsible=f.make_user())
    r = client.post("tasks", {"title": "x", "deadline": "2030-01-01T10:00", "deal_id": private.pk})
    assert r.status_code == 403 and r.json()["field"] == "deal_id", r.content
    assert not Task.objects.exists()
    r = client.get("tasks", {"responsible_id": "abc"})
    assert r.status_code == 400 and r.json()["field"] == "responsible_id"
