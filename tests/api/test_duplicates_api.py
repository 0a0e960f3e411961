"""POST /api/v1/duplicates/check (L3): matches before anything is created; R2 masking."""

import pytest

from dealbook.accounts.models import Role
from dealbook.core.models import Event
from dealbook.crm.models import Contact, Lead
from dealbook.crm.services.contacts import contact_create
from dealbook.crm.services.leads import lead_create


@pytest.mark.django_db
def test_l3_check_finds_phone_email_inn_and_vat_id(f, api_as):
    """L3: phone written differently, e-mail in another case, INN and VAT id all match."""
    op = f.make_user(Role.OPERATOR)
    roman = contact_create(
        actor=op, first_name="Роман", phones=["8 (921) 8485383"], emails=["roman@elexis.ru"]
    )
    west = f.make_company("ВЕСТ ГРУПП", inn="7806210729")
    eu = f.make_company("Acme GmbH", vat_id="DE136695976")
    lead = lead_create(actor=op, title="Mail", email="ROMAN@ELEXIS.RU")
    events_before = Event.objects.count()
    res = api_as(op).post(
        "duplicates/check",
        {
            "phones": ["+7 921 848-53-83"],
            "emails": ["Roman@Elexis.ru"],
            "inn": "7806210729",
            "vat_id": "DE136695976",
        },
    )
    assert res.status_code == 200, res.json()
    body = res.json()
    assert [(m["record"], m["id"], m["name"]) for m in body["phone"]] == [("contact", roman.pk, "Роман")]
    assert {(m["record"], m["id"]) for m in body["email"]} == {("contact", roman.pk), ("lead", lead.pk)}
    assert [(m["record"], m["id"]) for m in body["inn"]] == [("company", west.pk)]
    assert [(m["record"], m["id"]) for m in body["vat_id"]] == [("company", eu.pk)]
    assert body["count"] == 5
    assert body["summary"] == "1 match by phone, 2 matches by e-mail, 1 match by INN, 1 match by VAT id"
    # a check is a read: nothing was created or recorded
    assert Event.objects.count() == events_before
    assert (Contact.objects.count(), Lead.objects.count()) == (1, 1)


@pytest.mark.django_db
def test_l3_check_with_nothing_known_is_empty(f, api_as):
    res = api_as(f.make_user(Role.SALES_MANAGER)).post("duplicates/check", {"phones": ["+79218485383"]})
    assert res.status_code == 200
    assert res.json()["count"] == 0 and res.json()["summary"] == "No matches"


@pytest.mark.django_db
def test_l3_check_refuses_an_unparsable_phone(f, api_as):
    res = api_as(f.make_user(Role.OPERATOR)).post("duplicates/check", {"phones": ["call me maybe"]})
    assert res.status_code == 400
    assert res.json()["field"] == "phones" and res.json()["code"] == "invalid"
    res = api_as(f.make_user(Role.OPERATOR)).post("duplicates/check", {"phones": "not-a-list"})
    assert res.status_code == 400


@pytest.mark.django_db
def test_r2_check_masks_records_the_user_cannot_see(f, api_as):
    """R2: another manager's private contact is reported without id or name, with its responsible."""
    op = f.make_user(Role.OPERATOR)
    owner = f.make_user(Role.SALES_MANAGER, first_name="Анна", last_name="Смирнова")
    viewer = f.make_user(Role.SALES_MANAGER)
    contact_create(actor=op, first_name="Секретный", phones=["+79218485383"], responsible=owner)
    body = api_as(viewer).post("duplicates/check", {"phones": ["8 921 848-53-83"]}).json()
    (match,) = body["phone"]
    assert match == {
        "record": "contact",
        "id": None,
        "name": "a record you cannot see (responsible: Анна Смирнова)",
        "matched": "phone",
        "value": "+79218485383",
        "visible": False,
        "responsible": "Анна Смирнова",
    }
    assert "Секретный" not in str(body)
    seen = api_as(owner).post("duplicates/check", {"phones": ["8 921 848-53-83"]}).json()
    assert seen["phone"][0]["name"] == "Секретный" and seen["phone"][0]["visible"] is True


@pytest.mark.django_db
def test_check_requires_authentication(client):
    res = client.post("/api/v1/duplicates/check", {}, content_type="application/json")
    assert res.status_code == 401
