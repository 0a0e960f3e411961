"""The deals API: create, read (R2: 404 for what a user may not see), list with filters and a
constant number of queries, move (D1/D8), assign (D3), lines (P1–P6, D4), contacts (C5),
timeline, comments and files (T4, D5)."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealbook.accounts.models import Role
from dealbook.core.models import Attachment, Event
from dealbook.crm.models import Deal, DealLine, RoutingRule
from dealbook.crm.services.deals import deal_create, deal_move
from dealbook.crm.setup import lost_reasons_create_default, sources_create_default

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(f):
    class World:
        pass

    x = World()
    f.russia()
    x.pipeline = f.make_pipeline("ЖБИ")
    x.other = f.make_pipeline("Нерудные материалы")
    x.group = f.make_group("North")
    x.operator = f.make_user(Role.OPERATOR)
    x.manager = f.make_user(Role.SALES_MANAGER, group=x.group)
    x.colleague = f.make_user(Role.SALES_MANAGER, group=x.group)
    x.outsider = f.make_user(Role.SALES_MANAGER, group=f.make_group("South"))
    x.head = f.make_user(Role.GROUP_MANAGER, group=x.group)
    x.ring = f.make_product("Кольцо стеновое КС 10-3", price="700.00")
    x.block = f.make_product("фундаментный блок ФБС 9-5-3т", price="950.00")
    x.reasons = lost_reasons_create_default()
    sources_create_default()
    return x


def make(w, responsible, title="deal", **kw):
    return deal_create(actor=w.operator, title=title, pipeline=w.pipeline, responsible=responsible, **kw)


def test_create_deal_returns_201_with_stage_and_routing(w, api_as, f):
    RoutingRule.objects.create(pipeline=w.pipeline, responsible=w.manager)
    contact = f.make_contact("Роман")
    r = api_as(w.operator).post(
        "deals",
        {
            "title": "01/12.05 КС, ФБС тест",
            "pipeline_id": w.pipeline.pk,
            "source": "referral",
            "delivery_address": "Синявино",
            "contact_ids": [contact.pk],
            "tax_date": "2018-05-12",
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["stage_code"] == "assigned" and body["responsible_id"] == w.manager.pk
    assert body["responsible_name"] == w.manager.display_name
    assert body["contacts"] == [{"contact_id": contact.pk, "name": "Роман", "is_primary": True, "role": ""}]
    assert body["delivery_address"] == "Синявино" and body["tax_date"] == "2018-05-12"


def test_create_deal_bad_input_gives_400_with_field_and_writes_nothing(w, api_as):
    client = api_as(w.operator)
    for payload, field in (
        ({"title": "x", "pipeline_id": 999999}, "pipeline_id"),
        ({"title": "", "pipeline_id": w.pipeline.pk}, "title"),
        ({"title": "x", "pipeline_id": w.pipeline.pk, "contact_ids": [424242]}, "contact_ids"),
        ({"title": "x", "pipeline_id": w.pipeline.pk, "source": "pigeon"}, "source"),
        ({"title": "x", "pipeline_id": w.pipeline.pk, "tax_date": "not a date"}, "tax_date"),
        ({"title": "x"}, "pipeline_id"),
    ):
        r = client.post("deals", payload)
        assert r.status_code == 400, (payload, r.content)
        assert r.json()["field"] == field
    assert not Deal.objects.exists() and not Event.objects.exists()


def test_create_deal_forbidden_for_accountant(w, api_as, f):
    r = api_as(f.make_user(Role.ACCOUNTANT)).post("deals", {"title": "x", "pipeline_id": w.pipeline.pk})
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert not Deal.objects.exists()


def test_unauthenticated_gets_401(w):
    from django.test import Client

    r = Client().get("/api/v1/deals")
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"


def test_r2_reading_another_managers_private_deal_is_404(w, api_as):
    private = make(w, w.colleague)
    shared = make(w, w.colleague, is_shared=True)
    client = api_as(w.manager)
    r = client.get(f"deals/{private.pk}")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert client.get(f"deals/{shared.pk}").status_code == 200
    for path in (f"deals/{private.pk}/timeline", f"deals/{private.pk}/lines"):
        assert client.get(path).status_code == 404
    r = client.post(f"deals/{private.pk}/move", {"stage": "negotiation"})
    assert r.status_code == 404
    assert client.patch(f"deals/{private.pk}", {"title": "mine now"}).status_code == 404
    private.refresh_from_db()
    assert private.title == "deal" and private.stage.code == "assigned"
    assert api_as(w.head).get(f"deals/{private.pk}").status_code == 200  # group manager sees the group's
    assert api_as(w.outsider).get(f"deals/{private.pk}").status_code == 404


def test_r2_list_shows_sales_manager_own_and_shared_group_manager_the_group(w, api_as):
    own = make(w, w.manager)
    colleagues = make(w, w.colleague)
    shared = make(w, w.outsider, is_shared=True)
    outsiders = make(w, w.outsider)
    unassigned = make(w, None)

    def ids(user, **params):
        r = api_as(user).get("deals", params)
        assert r.status_code == 200, r.content
        return {d["id"] for d in r.json()["items"]}

    assert ids(w.manager) == {own.pk, shared.pk}
    assert ids(w.head) == {own.pk, colleagues.pk, shared.pk}
    assert ids(w.operator) == {own.pk, colleagues.pk, shared.pk, outsiders.pk, unassigned.pk}
    assert ids(w.manager, mine="true") == {own.pk}


@pytest.mark.usefixtures("without_win_guard")
def test_d6_list_filters(w, api_as, f):
    company = f.make_company("ЭЛЕКСИС ООО")
    a = make(w, w.manager, title="КС кольца", company=company, source="referral")
    b = make(w, w.colleague, title="ФБС блоки")
    c = deal_create(actor=w.operator, title="Песок", pipeline=w.other)
    deal_move(actor=w.operator, deal=b, stage="won")
    deal_move(actor=w.operator, deal=c, stage="lost", lost_reason=w.reasons[0])
    client = api_as(w.operator)

    def ids(**params):
        r = client.get("deals", params)
        assert r.status_code == 200, r.content
        return [d["id"] for d in r.json()["items"]]

    assert ids(pipeline_id=w.pipeline.pk) == [b.pk, a.pk]
    assert ids(stage_id=w.pipeline.stages.get(code="won").pk) == [b.pk]
    assert ids(status="open") == [a.pk]
    assert ids(status="lost") == [c.pk]
    assert ids(responsible_id=w.manager.pk) == [a.pk]
    assert ids(company_id=company.pk) == [a.pk]
    assert ids(source="referral") == [a.pk]
    assert ids(q="ФБС") == [b.pk]
    assert ids(q="кольца") == [a.pk]
    today = dt.date.today()
    assert len(ids(created_from=(today - dt.timedelta(days=1)).isoformat())) == 3
    assert ids(created_to=(today - dt.timedelta(days=2)).isoformat()) == []
    assert ids(ordering="title") == [a.pk, c.pk, b.pk]
    r = client.get("deals", {"status": "maybe"})
    assert r.status_code == 400 and r.json()["field"] == "status"
    r = client.get("deals", {"ordering": "secret"})
    assert r.status_code == 400 and r.json()["field"] == "ordering"
    for name in ("pipeline_id", "stage_id", "responsible_id", "company_id"):
        for bad in ("abc", 10**25):  # not a number / beyond any id: the error names the query field
            r = client.get("deals", {name: bad})
            assert r.status_code == 400 and r.json()["field"] == name, (name, bad, r.content)


def test_list_row_has_company_responsible_stage_and_amount(w, api_as, f):
    company = f.make_company("ЭЛЕКСИС ООО")
    deal = make(w, w.manager, company=company)
    api_as(w.manager).post(f"deals/{deal.pk}/lines", {"product_id": w.ring.pk, "quantity": "3"})
    row = api_as(w.manager).get("deals").json()["items"][0]
    assert row["company_name"] == "ЭЛЕКСИС ООО"
    assert row["responsible_name"] == w.manager.display_name
    assert row["stage_name"] == "Responsible assigned"
    assert row["amount"] == "2100.00"


def test_list_paginates_by_cursor_and_caps_page(w, api_as):
    made = [make(w, w.manager, title=f"d{i}").pk for i in range(5)]
    client = api_as(w.manager)
    first = client.get("deals", {"limit": 2}).json()
    second = client.get("deals", {"limit": 2, "cursor": first["next_cursor"]}).json()
    third = client.get("deals", {"limit": 2, "cursor": second["next_cursor"]}).json()
    seen = [d["id"] for page in (first, second, third) for d in page["items"]]
    assert seen == sorted(made, reverse=True) and third["next_cursor"] is None
    by_amount = client.get("deals", {"limit": 2, "ordering": "-amount"}).json()
    assert len(by_amount["items"]) == 2 and by_amount["next_cursor"]
    assert client.get("deals", {"limit": 5000}).status_code == 400
    assert client.get("deals", {"cursor": "garbage!"}).status_code == 400


@pytest.mark.parametrize("user_attr", ["manager", "head", "operator"])
def test_list_query_count_does_not_grow_with_rows(w, api_as, f, user_attr):
    """DESIGN: a list page runs a fixed number of queries whatever the number of rows."""
    user = getattr(w, user_attr)
    client = api_as(user)
    stage = w.pipeline.stages.get(code="assigned").pk

    def count_queries():
        client.get("deals", {"stage_id": stage})  # warm-up: token last-use stamp, content types
        with CaptureQueriesContext(connection) as ctx:
            r = client.get("deals", {"stage_id": stage})
        assert r.status_code == 200
        return len(ctx.captured_queries), len(r.json()["items"])

    make(w, w.manager, company=f.make_company())
    few, n_few = count_queries()
    for i in range(12):
        make(w, w.manager if i % 2 else w.colleague, company=f.make_company(), is_shared=bool(i % 3 == 0))
    many, n_many = count_queries()
    assert n_many > n_few
    assert few == many <= 3  # token lookup + the page (+ the group subquery is inline)


def test_move_via_api_and_its_errors(w, api_as):
    deal = make(w, w.manager)
    client = api_as(w.manager)
    r = client.post(f"deals/{deal.pk}/move", {"stage": "negotiation"})
    assert r.status_code == 200 and r.json()["stage_code"] == "negotiation"
    foreign = w.other.stages.get(code="won").pk
    for stage in (foreign, "nowhere", 999999):
        r = client.post(f"deals/{deal.pk}/move", {"stage": stage})
        assert r.status_code == 400 and r.json()["field"] == "stage"
    r = client.post(f"deals/{deal.pk}/move", {"stage": "lost"})
    assert r.status_code == 400 and r.json()["field"] == "lost_reason"
    r = client.post(f"deals/{deal.pk}/move", {"stage": "lost", "lost_reason": w.reasons[1].pk})
    assert r.status_code == 200 and r.json()["is_closed"] and r.json()["lost_reason_id"] == w.reasons[1].pk
    before = Event.objects.count()
    r = client.post(f"deals/{deal.pk}/move", {"stage": "negotiation"})
    assert r.status_code == 409 and r.json()["code"] == "deal_closed"
    r = client.post(f"deals/{deal.pk}/lines", {"product_id": w.ring.pk, "quantity": "1"})
    assert r.status_code == 409 and r.json()["code"] == "deal_closed"
    assert Event.objects.count() == before and not DealLine.objects.exists()


def test_assign_via_api(w, api_as):
    deal = make(w, None)
    r = api_as(w.manager).post(f"deals/{deal.pk}/assign", {"responsible_id": w.manager.pk})
    assert r.status_code == 404  # an unassigned private deal is not the manager's to see
    r = api_as(w.operator).post(f"deals/{deal.pk}/assign", {"responsible_id": w.manager.pk})
    assert r.status_code == 200 and r.json()["stage_code"] == "assigned"
    r = api_as(w.operator).post(f"deals/{deal.pk}/assign", {"responsible_id": 987654})
    assert r.status_code == 400 and r.json()["field"] == "responsible_id"
    r = api_as(w.manager).post(f"deals/{deal.pk}/assign", {"responsible_id": w.colleague.pk})
    assert r.status_code == 403 and r.json()["field"] == "responsible_id"  # the service said "responsible"
    deal.refresh_from_db()
    assert deal.responsible == w.manager


def test_p4_seed_lines_through_the_api_at_18_and_22_percent(w, api_as):
    client = api_as(w.manager)
    for year, tax in (("2018-05-12", "610.17"), ("2026-05-12", "721.31")):
        deal = make(w, w.manager, tax_date=dt.date.fromisoformat(year))
        r1 = client.post(f"deals/{deal.pk}/lines", {"product_id": w.ring.pk, "quantity": 3, "unit": "шт"})
        r2 = client.post(f"deals/{deal.pk}/lines", {"product_id": w.block.pk, "quantity": "2"})
        assert r1.status_code == r2.status_code == 201, (r1.content, r2.content)
        lines = client.get(f"deals/{deal.pk}/lines").json()
        assert (lines["amount"], lines["tax_amount"]) == ("4000.00", tax)
        assert lines["items"][0]["unit_name"] == "шт" and lines["tax_warning"] is None


def test_lines_bad_input_via_api(w, api_as, f):
    deal = make(w, w.manager)
    client = api_as(w.manager)
    for payload, field in (
        ({"product_id": 999999, "quantity": 1}, "product_id"),
        ({"product_id": w.ring.pk, "quantity": 1, "unit": "т"}, "unit"),
        ({"product_id": w.ring.pk, "quantity": 0}, "quantity"),
        ({"product_id": w.ring.pk, "quantity": -3}, "quantity"),
        ({"product_id": w.ring.pk, "quantity": "lots"}, "quantity"),
    ):
        r = client.post(f"deals/{deal.pk}/lines", payload)
        assert r.status_code == 400, (payload, r.content)
        assert r.json()["field"] == field
    assert not DealLine.objects.exists()
    r = client.patch(f"deals/{deal.pk}", {"amount": "10.00"})
    assert r.status_code == 200 and r.json()["amount"] == "10.00"
    line = client.post(f"deals/{deal.pk}/lines", {"product_id": w.ring.pk, "quantity": 1}).json()
    r = client.patch(f"deals/{deal.pk}", {"amount": "10.00"})
    assert r.status_code == 409 and r.json()["field"] == "amount"
    r = client.patch(
        f"deals/{deal.pk}/lines/{line['id']}",
        {"quantity": "2", "discount_kind": "percent", "discount_value": "50"},
    )
    assert r.status_code == 200 and r.json()["total"] == "700.00"
    assert client.get(f"deals/{deal.pk}").json()["amount"] == "700.00"
    other = make(w, w.manager)
    assert client.patch(f"deals/{other.pk}/lines/{line['id']}", {"quantity": 1}).status_code == 404
    assert client.delete(f"deals/{deal.pk}/lines/{line['id']}").status_code == 204
    assert client.get(f"deals/{deal.pk}").json()["amount"] == "0.00"


def test_patch_deal_fields_and_timeline(w, api_as, f):
    deal = make(w, w.manager)
    company = f.make_company("ЭЛЕКСИС ООО", is_shared=True)
    client = api_as(w.manager)
    r = client.patch(
        f"deals/{deal.pk}", {"delivery_address": "Синявино", "company_id": company.pk, "is_shared": True}
    )
    assert r.status_code == 200, r.content
    assert r.json()["company_name"] == "ЭЛЕКСИС ООО" and r.json()["is_shared"] is True
    r = client.patch(f"deals/{deal.pk}", {"stage": "won"})  # not a PATCH field: ignored, stage unchanged
    assert r.json()["stage_code"] == "assigned"
    timeline = client.get(f"deals/{deal.pk}/timeline").json()["items"]
    kinds = [e["kind"] for e in timeline]
    assert "link_added" in kinds and "updated" in kinds
    change = next(e for e in timeline if e["kind"] == "updated" and e["data"]["field"] == "delivery_address")
    assert change["data"] == {"field": "delivery_address", "from": "", "to": "Синявино"}
    assert change["actor_id"] == w.manager.pk


def test_contacts_endpoints_c5(w, api_as, f):
    deal = make(w, w.manager)
    roman, director = f.make_contact("Роман", is_shared=True), f.make_contact("Иван", is_shared=True)
    client = api_as(w.manager)
    assert client.post(f"deals/{deal.pk}/contacts", {"contact_id": roman.pk}).status_code == 201
    r = client.post(f"deals/{deal.pk}/contacts", {"contact_id": director.pk, "role": "director"})
    assert [c["is_primary"] for c in r.json()["contacts"]] == [True, False]
    r = client.post(f"deals/{deal.pk}/contacts/primary", {"contact_id": director.pk})
    assert r.json()["contacts"][0]["contact_id"] == director.pk
    r = client.delete(f"deals/{deal.pk}/contacts/{director.pk}")
    assert r.status_code == 200 and r.json()["contacts"][0]["is_primary"] is True
    r = client.delete(f"deals/{deal.pk}/contacts/{director.pk}")
    assert r.status_code == 400 and r.json()["field"] == "contact_id"
    r = client.post(f"deals/{deal.pk}/contacts", {"contact_id": 999999})
    assert r.status_code == 400 and r.json()["field"] == "contact_id"


def test_comments_and_files_t4_d5(w, api_as):
    deal = make(w, w.manager)
    client = api_as(w.manager)
    r = client.post(f"deals/{deal.pk}/comments", {"text": "Клиент просит доставку в субботу"})
    assert r.status_code == 201 and r.json()["kind"] == "comment"
    assert client.post(f"deals/{deal.pk}/comments", {"text": "  "}).status_code == 400
    upload = SimpleUploadedFile("card.pdf", b"%PDF-1.4 card", content_type="application/pdf")
    r = client.client.post(
        f"/api/v1/deals/{deal.pk}/files", {"file": upload, "purpose": "company_card"}, **client.headers
    )
    assert r.status_code == 201, r.content
    assert r.json()["purpose"] == "company_card" and r.json()["name"] == "card.pdf"
    bad = SimpleUploadedFile("x.txt", b"x")
    r = client.client.post(
        f"/api/v1/deals/{deal.pk}/files", {"file": bad, "purpose": "selfie"}, **client.headers
    )
    assert r.status_code == 400 and r.json()["field"] == "purpose"
    assert Attachment.objects.count() == 1
    files = client.get(f"deals/{deal.pk}/files").json()
    assert [x["name"] for x in files] == ["card.pdf"]
    kinds = [e["kind"] for e in client.get(f"deals/{deal.pk}/timeline").json()["items"]]
    assert kinds[:2] == ["file_attached", "comment"]


def test_delete_deal_via_api(w, api_as, f):
    deal = make(w, w.manager)
    assert api_as(w.manager).delete(f"deals/{deal.pk}").status_code == 403
    assert api_as(f.make_user(Role.DIRECTOR)).delete(f"deals/{deal.pk}").status_code == 204
    assert not Deal.objects.filter(pk=deal.pk).exists()


def test_out_of_range_ids_are_refused_not_500(w, api_as):
    """Bad input never yields a 500: ids beyond the database's integer range name nothing."""
    huge = 10**25
    client = api_as(w.operator)
    deal = make(w, w.manager)
    checks = [
        (client.get(f"deals/{huge}"), 404),
        (client.get(f"pipelines/{huge}/headers"), 404),
        (client.post("deals", {"title": "x", "pipeline_id": huge}), 400),
        (client.post("deals", {"title": "x", "pipeline_id": w.pipeline.pk, "contact_ids": [huge]}), 400),
        (client.post("deals", {"title": "x", "pipeline_id": w.pipeline.pk, "source": str(huge)}), 400),
        (client.get("deals", {"stage_id": huge}), 400),
        (client.post(f"deals/{deal.pk}/move", {"stage": str(huge)}), 400),
        (client.post(f"deals/{deal.pk}/move", {"stage": "lost", "lost_reason": huge}), 400),
        (client.post(f"deals/{deal.pk}/assign", {"responsible_id": huge}), 400),
        (client.post(f"deals/{deal.pk}/lines", {"product_id": huge, "quantity": 1}), 400),
        (client.patch(f"deals/{deal.pk}/lines/{huge}", {"quantity": 1}), 404),
    ]
    assert [r.status_code for r, _ in checks] == [code for _, code in checks]
