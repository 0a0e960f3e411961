"""The seed's worked example (seed 002, SPEC "Demo scenario") through the API, from lead 33082 to
"price announced": L1, L2, L3, D1–D5, T1, C4, C5, P1–P4 in one flow, as an operator, a sales manager
and an accountant would do it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from dealbook.accounts.models import Notification, Role
from dealbook.catalog.setup import tax_profile_russia
from dealbook.crm.setup import pipeline_create_default, sources_create_default
from dealbook.demo import inn_with_check

SEED_COMMENT = (
    "КС-10-1 кольцо колодезное стеновое 2 шт, КС-10-1,5 кольцо колодезное стеновое 3 шт, "
    "ФБС 9-6-6 1 шт, ФБС 12-5-3 шт"
)


@pytest.fixture
def world(f):
    group = f.make_group("Отдел продаж ЖБИ")
    tax_profile_russia()
    sources_create_default("ru")
    return {
        "zhbi": pipeline_create_default(name="ЖБИ", language="ru", is_default=True),
        "operator": f.make_user(Role.OPERATOR, username="operator"),
        "manager": f.make_user(Role.SALES_MANAGER, group=group, username="grakun", first_name="Екатерина"),
        "accountant": f.make_user(Role.ACCOUNTANT, username="accountant"),
        "ring": f.make_product("Кольцо стеновое КС 10-3", price="700.00", unit_name="шт"),
        "block": f.make_product("фундаментный блок ФБС 9-5-3т", price="950.00", unit_name="шт"),
    }


def _stage_codes(timeline):
    return [(e["data"]["from_code"], e["data"]["to_code"]) for e in timeline if e["kind"] == "stage_changed"]


@pytest.mark.django_db
def test_seed_scenario_from_lead_33082_to_price_announced(world, api_as):
    operator, manager = api_as(world["operator"]), api_as(world["manager"])
    accountant = api_as(world["accountant"])

    # Step 1 (L1): an incoming call becomes a lead that keeps its source.
    r = operator.post(
        "leads",
        {
            "title": "Входящий звонок/тест_клиент",
            "source": "call",
            "channel": "call",
            "phone": "+7 921 848-53-83",
            "comment": SEED_COMMENT,
        },
    )
    assert r.status_code == 201, r.content
    lead_id = r.json()["id"]

    # L3: the same phone written the other way is found before anything is created.
    r = operator.post("duplicates/check", {"phones": ["8 (921) 8485383"]})
    assert r.status_code == 200
    assert [m["id"] for m in r.json()["phone"]] == [lead_id]

    # Steps 2–3 (L2): the operator converts the lead into deal + contact in one action.
    r = operator.post(
        f"leads/{lead_id}/convert",
        {
            "mode": "deal_contact",
            "pipeline_id": world["zhbi"].pk,
            "deal_title": "01/12.05 КС, ФБС тест",
            "first_name": "Роман",
            "position": "прораб",
            "source": "referral",
            "delivery_address": "Синявино",
            "tax_date": "2018-05-12",
        },
    )
    assert r.status_code == 200, r.content
    deal_id, contact_id = r.json()["deal_id"], r.json()["contact_id"]
    assert r.json()["lead"]["status"] == "converted"
    deal = operator.get(f"deals/{deal_id}").json()
    assert deal["stage_code"] == "new" and deal["delivery_address"] == "Синявино"
    assert deal["comment"] == SEED_COMMENT
    assert [c["contact_id"] for c in deal["contacts"]] == [contact_id]
    # converting twice is refused
    assert operator.post(f"leads/{lead_id}/convert", {"mode": "deal"}).status_code == 409

    # The sales manager cannot see the deal before it is theirs (R2) ...
    assert manager.get(f"deals/{deal_id}").status_code == 404
    # ... step 4 (D3): the operator assigns it; the stage moves and the manager is told.
    r = operator.post(f"deals/{deal_id}/assign", {"responsible_id": world["manager"].pk})
    assert r.status_code == 200, r.content
    assert r.json()["stage_code"] == "assigned"
    assert Notification.objects.filter(user=world["manager"]).exists()

    # T1: the manager has the intake task, due within 10 minutes.
    tasks = manager.get("tasks", {"deal_id": deal_id}).json()["items"]
    intake = [t for t in tasks if t["kind"] == "intake"]
    assert len(intake) == 1 and intake[0]["responsible_id"] == world["manager"].pk
    deadline = dt.datetime.fromisoformat(intake[0]["deadline"])
    assert deadline - timezone.now() <= dt.timedelta(minutes=10)
    assert manager.post(f"tasks/{intake[0]['id']}/complete", {}).status_code == 200

    # Steps 24–26: negotiation, with a comment in the timeline (T4).
    assert manager.post(f"deals/{deal_id}/move", {"stage": "negotiation"}).status_code == 200
    r = manager.post(f"deals/{deal_id}/comments", {"text": "Созвонилась с клиентом, продукция нужна 15.05."})
    assert r.status_code == 201

    # Steps 27–34 (P1–P4): lines from the catalog with the product's unit; VAT 18 % on the 2018 date.
    for product, qty in ((world["ring"], "3"), (world["block"], "2")):
        r = manager.post(f"deals/{deal_id}/lines", {"product_id": product.pk, "quantity": qty})
        assert r.status_code == 201, r.content
    deal = manager.get(f"deals/{deal_id}").json()
    assert Decimal(deal["amount"]) == Decimal("4000.00")
    assert Decimal(deal["tax_amount"]) == Decimal("610.17")
    assert deal["tax_warning"] is None
    assert manager.post(f"deals/{deal_id}/move", {"stage": "price_announced"}).status_code == 200

    # Steps 36–39 (C4, C5): the manager cannot create the company; accounting does; the manager takes it.
    company = {"name": "ЭЛЕКСИС ООО", "inn": inn_with_check("781000001"), "director_name": "Иванов И. И."}
    r = manager.post("companies", company)
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = accountant.post("companies", company)
    assert r.status_code == 201, r.content
    company_id = r.json()["id"]
    assert manager.post(f"companies/{company_id}/take", {}).status_code == 200
    r = manager.post(
        "contacts",
        {"first_name": "Иван", "last_name": "Иванов", "position": "директор", "company_id": company_id},
    )
    assert r.status_code == 201, r.content
    director_id = r.json()["id"]
    assert manager.patch(f"deals/{deal_id}", {"company_id": company_id}).status_code == 200
    assert manager.post(f"deals/{deal_id}/contacts", {"contact_id": director_id}).status_code == 201

    deal = manager.get(f"deals/{deal_id}").json()
    assert deal["company_name"] == "ЭЛЕКСИС ООО" and deal["stage_code"] == "price_announced"
    assert {c["contact_id"] for c in deal["contacts"]} == {contact_id, director_id}
    assert [c["contact_id"] for c in deal["contacts"] if c["is_primary"]] == [contact_id]

    # D2: the whole path is on the deal's timeline with from → to.
    timeline = manager.get(f"deals/{deal_id}/timeline", {"limit": 200}).json()["items"]
    assert _stage_codes(reversed(timeline)) == [
        ("new", "assigned"),
        ("assigned", "negotiation"),
        ("negotiation", "price_announced"),
    ]
    kinds = {e["kind"] for e in timeline}
    assert {"converted", "responsible_changed", "comment", "line_added"} <= kinds


@pytest.mark.django_db
def test_seed_scenario_same_lines_at_22_percent(world, api_as):
    """P3: the same lines on a 2026 deal take the VAT rate in force then (22 %): 4 000.00, VAT 721.31."""
    manager = api_as(world["manager"])
    r = manager.post(
        "deals",
        {"title": "01/12.05 КС, ФБС тест (2026)", "pipeline_id": world["zhbi"].pk, "tax_date": "2026-05-12"},
    )
    assert r.status_code == 201, r.content
    deal_id = r.json()["id"]
    for product, qty in ((world["ring"], "3"), (world["block"], "2")):
        assert (
            manager.post(f"deals/{deal_id}/lines", {"product_id": product.pk, "quantity": qty}).status_code
            == 201
        )
    deal = manager.get(f"deals/{deal_id}").json()
    assert (Decimal(deal["amount"]), Decimal(deal["tax_amount"])) == (Decimal("4000.00"), Decimal("721.31"))
