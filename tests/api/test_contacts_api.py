"""/api/v1/contacts: created freely (C4 step 3), phones normalised (L3), company links (C5),
timeline (T4, R3), visibility (R2), bounded list queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealbook.accounts.models import Role
from dealbook.core.models import Event
from dealbook.crm.models import Contact, ContactPoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(f):
    return {
        "operator": f.make_user(Role.OPERATOR),
        "manager": f.make_user(Role.SALES_MANAGER),
        "other": f.make_user(Role.SALES_MANAGER),
    }


def test_c4_operator_creates_a_contact_with_typed_phones(api_as, people, f):
    f.make_company("ЭЛЕКСИС ООО")
    res = api_as(people["operator"]).post(
        "contacts",
        {
            "first_name": "Роман",
            "position": "прораб",
            "phones": ["+7 921 848-53-83", {"value": "8 812 325 96 46", "label": "home"}],
            "emails": ["Roman@Example.com"],
            "messengers": [{"value": "@roman", "label": "telegram"}],
        },
    )
    assert res.status_code == 201, res.json()
    body = res.json()
    assert body["full_name"] == "Роман" and body["responsible_id"] == people["operator"].pk
    assert [(p["kind"], p["normalized"], p["label"]) for p in body["points"]] == [
        ("phone", "+79218485383", "work"),
        ("phone", "+78123259646", "home"),
        ("email", "roman@example.com", "work"),
        ("messenger", "@roman", "telegram"),
    ]


def test_l3_unparsable_phone_is_400_and_nothing_is_written(api_as, people):
    res = api_as(people["manager"]).post("contacts", {"first_name": "Роман", "phones": ["позвонить"]})
    assert res.status_code == 400
    assert res.json()["field"] == "phones.0" and res.json()["code"] == "invalid"
    assert not Contact.objects.exists() and not ContactPoint.objects.exists() and not Event.objects.exists()


def test_contact_with_unknown_source_is_400(api_as, people):
    res = api_as(people["manager"]).post("contacts", {"first_name": "Роман", "source": "nowhere"})
    assert res.status_code == 400 and res.json()["field"] == "source"
    assert not Contact.objects.exists()


def test_r2_another_managers_private_contact_is_404(api_as, people):
    created = api_as(people["manager"]).post("contacts", {"first_name": "Личный"}).json()
    other = api_as(people["other"])
    assert other.get(f"contacts/{created['id']}").status_code == 404
    assert other.patch(f"contacts/{created['id']}", {"position": "x"}).status_code == 404
    assert other.get("contacts").json()["items"] == []
    assert api_as(people["operator"]).get(f"contacts/{created['id']}").status_code == 200


def test_r3_patch_records_from_and_to_on_the_timeline(api_as, people):
    api = api_as(people["manager"])
    contact = api.post("contacts", {"first_name": "Роман", "phones": ["79218485383"]}).json()
    res = api.patch(f"contacts/{contact['id']}", {"position": "директор", "phones": ["+7 812 325-96-46"]})
    assert res.status_code == 200 and res.json()["position"] == "директор"
    assert [p["normalized"] for p in res.json()["points"]] == ["+78123259646"]
    items = api.get(f"contacts/{contact['id']}/timeline").json()["items"]
    changes = {i["data"].get("field"): i["data"] for i in items if i["kind"] == "updated"}
    assert changes["position"]["from"] == "" and changes["position"]["to"] == "директор"
    assert changes["phones"]["from"] == ["+79218485383"]
    assert api.patch(f"contacts/{contact['id']}", {"first_name": None}).status_code == 400
    bad = api.patch(f"contacts/{contact['id']}", {"comment": "x", "emails": ["nope"]})
    assert bad.status_code == 400 and bad.json()["field"] == "emails.0"
    assert Contact.objects.get().comment == ""


def test_c5_link_to_company_on_both_timelines_and_unlink(api_as, people, f):
    company = f.make_company("ЭЛЕКСИС ООО", responsible=people["manager"])
    api = api_as(people["manager"])
    contact = api.post("contacts", {"first_name": "Директор"}).json()
    res = api.post(f"contacts/{contact['id']}/companies", {"company_id": company.pk})
    assert res.status_code == 201 and [c["name"] for c in res.json()["companies"]] == ["ЭЛЕКСИС ООО"]
    assert api.get(f"contacts/{contact['id']}/timeline", {"kinds": "link_added"}).json()["items"]
    assert api.get(f"companies/{company.pk}/timeline", {"kinds": "link_added"}).json()["items"]
    in_company = api.get("contacts", {"company_id": company.pk}).json()["items"]
    assert [c["id"] for c in in_company] == [contact["id"]]
    assert api.delete(f"contacts/{contact['id']}/companies/{company.pk}").status_code == 204
    assert api.get(f"contacts/{contact['id']}").json()["companies"] == []


def test_r2_cannot_link_to_an_invisible_company(api_as, people, f):
    hidden = f.make_company("Чужая", responsible=people["other"])
    api = api_as(people["manager"])
    contact = api.post("contacts", {"first_name": "Роман"}).json()
    assert api.post(f"contacts/{contact['id']}/companies", {"company_id": hidden.pk}).status_code == 404
    assert api.post("contacts", {"first_name": "X", "company_id": hidden.pk}).status_code == 404


def test_points_add_remove_and_comments(api_as, people):
    api = api_as(people["manager"])
    contact = api.post("contacts", {"first_name": "Роман"}).json()
    point = api.post(f"contacts/{contact['id']}/points", {"kind": "email", "value": "R@Example.com"})
    assert point.status_code == 201 and point.json()["normalized"] == "r@example.com"
    assert api.post(f"contacts/{contact['id']}/points", {"kind": "fax", "value": "1"}).status_code == 400
    assert api.delete(f"contacts/{contact['id']}/points/{point.json()['id']}").status_code == 204
    assert api.delete(f"contacts/{contact['id']}/points/999999").status_code == 404
    assert api.post(f"contacts/{contact['id']}/comments", {"text": "Звонил"}).status_code == 201
    kinds = [i["kind"] for i in api.get(f"contacts/{contact['id']}/timeline").json()["items"]]
    assert kinds[0] == "comment" and kinds[-1] == "created"


def test_list_search_by_name_fragment_and_cursor(api_as, people):
    api = api_as(people["manager"])
    for last in ["Иванов", "Петров", "Сидоров"]:
        api.post("contacts", {"first_name": "Роман", "last_name": last})
    page = api.get("contacts", {"limit": 2}).json()
    assert [c["last_name"] for c in page["items"]] == ["Иванов", "Петров"]
    rest = api.get("contacts", {"limit": 2, "cursor": page["next_cursor"]}).json()
    assert [c["last_name"] for c in rest["items"]] == ["Сидоров"] and rest["next_cursor"] is None
    assert [c["last_name"] for c in api.get("contacts", {"q": "петр"}).json()["items"]] == ["Петров"]
    assert len(api.get("contacts", {"q": "роман"}).json()["items"]) == 3


def test_contact_list_query_count_is_constant(api_as, people, f):
    api = api_as(people["manager"])
    company = f.make_company(responsible=people["manager"])

    def fill(n):
        for i in range(n):
            c = Contact.objects.create(first_name=f"C{i}", responsible=people["manager"])
            ContactPoint.objects.create(
                contact=c, kind="phone", value="+79210000000", normalized="+79210000000"
            )
            c.companies.add(company)

    fill(2)
    api.get("contacts")  # the token's first use is written once; not part of the list's cost
    with CaptureQueriesContext(connection) as few:
        assert len(api.get("contacts").json()["items"]) == 2
    fill(25)
    with CaptureQueriesContext(connection) as many:
        assert len(api.get("contacts").json()["items"]) == 27
    assert len(few) == len(many)
