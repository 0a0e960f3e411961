"""API for leads: L1 intake, R1/R2 lists, L2 conversion with L3 answers, timeline and comments."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealbook.accounts.models import Role
from dealbook.core.models import Event
from dealbook.crm.models import Contact, Deal, Lead
from dealbook.crm.services.contacts import contact_create
from dealbook.crm.services.leads import lead_create
from dealbook.crm.setup import sources_create_default


@pytest.fixture
def world(f):
    f.russia()
    sources_create_default(language="ru")
    return {"operator": f.make_user(Role.OPERATOR), "pipeline": f.make_pipeline("ЖБИ")}


def seed_lead_body(**extra):
    return {
        "title": "Входящий звонок/тест_клиент",
        "source": "call",
        "channel": "manual",
        "phone": "+7 921 848-53-83",
        "name": "Роман",
        "comment": "КС-10-1 ×2, КС-10-1,5 ×3, ФБС 9-6-6 ×1, ФБС 12-5 ×3",
        **extra,
    }


@pytest.mark.django_db
def test_l1_post_lead_by_api_keeps_channel_and_source(world, api_as):
    """L1: an integration posts a lead; it keeps channel "api" and the "api" source."""
    res = api_as(world["operator"]).post(
        "leads", {"title": "Заявка с сайта", "phone": "8 (921) 8485383", "email": "A@B.ru"}
    )
    assert res.status_code == 201, res.json()
    body = res.json()
    assert body["channel"] == "api" and body["source"] == "api"
    assert body["phone_normalized"] == "+79218485383" and body["email_normalized"] == "a@b.ru"
    assert body["status"] == "new"
    assert body["duplicates"]["count"] == 0 and body["duplicates"]["summary"] == "No matches"
    assert Lead.objects.get(pk=body["id"]).created_by == world["operator"]


@pytest.mark.django_db
def test_l3_post_lead_reports_matches(world, api_as):
    op = world["operator"]
    contact_create(actor=op, first_name="Роман", phones=["8 (921) 8485383"])
    body = api_as(op).post("leads", seed_lead_body()).json()
    assert body["duplicates"]["summary"] == "1 match by phone"
    assert body["duplicates"]["phone"][0]["record"] == "contact"


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"title": "X", "phone": "12"}, "phone"),
        ({"title": "X", "email": "no-at"}, "email"),
        ({"title": "X", "inn": "1234567890"}, "inn"),
        ({"title": "X", "source": "nowhere"}, "source"),
        ({"title": "X", "channel": "fax"}, "channel"),
        ({"title": "X", "pipeline_id": 999999}, "pipeline_id"),
        ({"phone": "+79218485383"}, "title"),
    ],
)
@pytest.mark.django_db
def test_l1_bad_lead_input_is_400_with_field_and_nothing_written(world, api_as, payload, field):
    res = api_as(world["operator"]).post("leads", payload)
    assert res.status_code == 400, res.json()
    assert res.json()["field"] == field
    assert Lead.objects.count() == 0


@pytest.mark.django_db
def test_unauthenticated_is_401(world, client):
    res = client.get("/api/v1/leads")
    assert res.status_code == 401
    assert res.json()["code"] == "unauthenticated"


@pytest.mark.django_db
def test_r2_sales_manager_lists_own_and_shared_leads_operator_all(f, world, api_as):
    """R1/R2: a sales manager sees own + shared leads; another manager's private lead is 404."""
    op = world["operator"]
    me, other = f.make_user(Role.SALES_MANAGER), f.make_user(Role.SALES_MANAGER)
    own = lead_create(actor=op, title="Own", responsible=me)
    shared = lead_create(actor=op, title="Shared", responsible=other, is_shared=True)
    private = lead_create(actor=op, title="Private", responsible=other)
    unassigned = lead_create(actor=op, title="Unassigned")

    ids = [i["id"] for i in api_as(me).get("leads").json()["items"]]
    assert ids == [shared.pk, own.pk]
    assert api_as(me).get(f"leads/{private.pk}").status_code == 404
    assert api_as(me).post(f"leads/{private.pk}/status", {"status": "junk"}).status_code == 404
    every = [i["id"] for i in api_as(op).get("leads").json()["items"]]
    assert every == [unassigned.pk, private.pk, shared.pk, own.pk]


@pytest.mark.django_db
def test_r2_group_manager_sees_the_groups_leads(f, world, api_as):
    group = f.make_group()
    head = f.make_user(Role.GROUP_MANAGER, group=group)
    member = f.make_user(Role.SALES_MANAGER, group=group)
    outsider = f.make_user(Role.SALES_MANAGER)
    ours = lead_create(actor=world["operator"], title="Ours", responsible=member)
    lead_create(actor=world["operator"], title="Theirs", responsible=outsider)
    assert [i["id"] for i in api_as(head).get("leads").json()["items"]] == [ours.pk]


@pytest.mark.django_db
def test_lead_list_filters(f, world, api_as):
    op = world["operator"]
    manager = f.make_user(Role.SALES_MANAGER)
    call = lead_create(actor=op, title="Звонок", channel="call", phone="+7 921 848-53-83")
    form = lead_create(actor=op, title="Форма", channel="web_form", email="Ivan@Mail.ru", responsible=manager)
    mail = lead_create(actor=op, title="Письмо", channel="email", company_name="ЭЛЕКСИС", inn="7806210729")
    api = api_as(op)

    def ids(**params):
        res = api.get("leads", params)
        assert res.status_code == 200, res.json()
        return [i["id"] for i in res.json()["items"]]

    assert ids(channel="call") == [call.pk]
    assert ids(source="web_form") == [form.pk]
    assert ids(responsible_id=manager.pk) == [form.pk]
    assert ids(q="8 (921) 848-53-83") == [call.pk]
    assert ids(q="848-53") == [call.pk]
    assert ids(q="ivan@mail") == [form.pk]
    assert ids(q="ЭЛЕКСИС") == [mail.pk]
    assert ids(q="780621") == [mail.pk]
    api.post(f"leads/{call.pk}/status", {"status": "junk"})
    assert ids(status="junk") == [call.pk]
    assert ids(status="new") == [mail.pk, form.pk]
    res = api.get("leads", {"status": "lost"})
    assert res.status_code == 400 and res.json()["field"] == "status"


@pytest.mark.django_db
def test_lead_list_cursor_pagination_and_ordering(world, api_as):
    op = world["operator"]
    leads = [lead_create(actor=op, title=f"Lead {i:02d}") for i in range(5)]
    api = api_as(op)
    first = api.get("leads", {"limit": 2}).json()
    second = api.get("leads", {"limit": 2, "cursor": first["next_cursor"]}).json()
    third = api.get("leads", {"limit": 2, "cursor": second["next_cursor"]}).json()
    seen = [i["id"] for page in (first, second, third) for i in page["items"]]
    assert seen == [lead.pk for lead in reversed(leads)]
    assert third["next_cursor"] is None
    by_title = api.get("leads", {"ordering": "title", "limit": 3}).json()
    assert [i["title"] for i in by_title["items"]] == ["Lead 00", "Lead 01", "Lead 02"]
    assert api.get("leads", {"limit": 1000}).status_code == 400
    assert api.get("leads", {"ordering": "phone"}).json()["field"] == "ordering"


@pytest.mark.django_db
def test_lead_list_runs_a_constant_number_of_queries(f, world, api_as):
    """DESIGN: the list's query count does not grow with the rows (source, responsible joined)."""
    op = world["operator"]
    manager = f.make_user(Role.SALES_MANAGER)
    api = api_as(manager)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            res = api.get("leads")
        assert res.status_code == 200
        return len(ctx.captured_queries), len(res.json()["items"])

    lead_create(actor=op, title="One", responsible=manager, channel="call")
    api.get("leads")  # first request also refreshes the token's last use
    few, n_few = count()
    for i in range(15):
        lead_create(actor=op, title=f"Lead {i}", responsible=manager, channel="api", is_shared=i % 2 == 0)
    many, n_many = count()
    assert (n_few, n_many) == (1, 16)
    assert many == few <= 3


@pytest.mark.django_db
def test_patch_lead_updates_and_records(world, api_as):
    op = world["operator"]
    lead = lead_create(actor=op, title="Call")
    api = api_as(op)
    res = api.patch(f"leads/{lead.pk}", {"phone": "8 921 848 53 83", "pipeline_id": world["pipeline"].pk})
    assert res.status_code == 200, res.json()
    assert res.json()["phone_normalized"] == "+79218485383"
    assert res.json()["pipeline_id"] == world["pipeline"].pk
    bad = api.patch(f"leads/{lead.pk}", {"email": "x@", "title": "New"})
    assert bad.status_code == 400 and bad.json()["field"] == "email"
    assert api.get(f"leads/{lead.pk}").json()["title"] == "Call"
    assert api.patch(f"leads/{lead.pk}", {"title": None}).status_code == 400


@pytest.mark.django_db
def test_status_assign_timeline_and_comments(f, world, api_as):
    op = world["operator"]
    manager = f.make_user(Role.SALES_MANAGER)
    lead = lead_create(actor=op, title="Call")
    api = api_as(op)
    assert api.post(f"leads/{lead.pk}/status", {"status": "in_work"}).json()["status"] == "in_work"
    res = api.post(f"leads/{lead.pk}/status", {"status": "converted"})
    assert res.status_code == 409 and res.json()["code"] == "status"
    res = api.post(f"leads/{lead.pk}/assign", {"responsible_id": manager.pk})
    assert res.json()["responsible_id"] == manager.pk
    assert res.json()["responsible_name"] == manager.display_name
    # the manager cannot pass it on (R1), but sees it now (R2)
    res = api_as(manager).post(f"leads/{lead.pk}/assign", {"responsible_id": op.pk})
    assert res.status_code == 403 and res.json()["field"] == "responsible_id"  # as sent, not "responsible"
    res = api_as(manager).post(f"leads/{lead.pk}/comments", {"text": "Перезвоню в 15:00"})
    assert res.status_code == 201 and res.json()["actor_id"] == manager.pk
    page = api.get(f"leads/{lead.pk}/timeline").json()
    kinds = [e["kind"] for e in page["items"]]
    assert kinds == ["comment", "responsible_changed", "status_changed", "created"]
    empty = api.post(f"leads/{lead.pk}/comments", {"text": " "})
    assert empty.status_code == 400 and empty.json()["field"] == "text"


@pytest.mark.django_db
def test_l2_l3_seed_scenario_convert_over_api(world, api_as):
    """Seed 002: lead 33082 → deal "01/12.05 КС, ФБС тест" + contact Роман; an existing contact with
    the same phone written differently answers 409 "duplicates" with the matches and creates nothing;
    confirmed, it converts; converting again is 409 "lead_converted"."""
    op = world["operator"]
    api = api_as(op)
    contact_create(actor=op, first_name="Роман (старый)", phones=["8 (921) 8485383"])
    lead_id = api.post("leads", seed_lead_body()).json()["id"]
    convert = {
        "mode": "deal_contact",
        "pipeline_id": world["pipeline"].pk,
        "deal_title": "01/12.05 КС, ФБС тест",
        "source": "referral",
        "delivery_address": "Синявино",
        "position": "прораб",
    }
    deals_before, contacts_before = Deal.objects.count(), Contact.objects.count()
    res = api.post(f"leads/{lead_id}/convert", convert)
    assert res.status_code == 409
    body = res.json()
    assert body["code"] == "duplicates" and "1 match by phone" in body["detail"]
    assert body["matches"]["phone"][0]["name"] == "Роман (старый)"
    assert (Deal.objects.count(), Contact.objects.count()) == (deals_before, contacts_before)

    res = api.post(f"leads/{lead_id}/convert", {**convert, "confirm_duplicates": True})
    assert res.status_code == 200, res.json()
    out = res.json()
    assert out["lead"]["status"] == "converted"
    deal = Deal.objects.get(pk=out["deal_id"])
    assert deal.title == "01/12.05 КС, ФБС тест" and deal.delivery_address == "Синявино"
    assert deal.source.code == "referral" and deal.pipeline.name == "ЖБИ"
    assert Contact.objects.get(pk=out["contact_id"]).position == "прораб"
    kinds = [e["kind"] for e in api.get(f"leads/{lead_id}/timeline").json()["items"]]
    assert kinds[0] == "converted"

    events_before = Event.objects.count()
    again = api.post(f"leads/{lead_id}/convert", {**convert, "confirm_duplicates": True})
    assert again.status_code == 409 and again.json()["code"] == "lead_converted"
    assert Event.objects.count() == events_before


@pytest.mark.django_db
def test_l2_attach_over_api_to_existing_contact(world, api_as):
    op = world["operator"]
    roman = contact_create(actor=op, first_name="Роман", phones=["8 (921) 8485383"])
    lead_id = api_as(op).post("leads", seed_lead_body()).json()["id"]
    dup = api_as(op).get(f"leads/{lead_id}/duplicates").json()
    assert [m["id"] for m in dup["phone"]] == [roman.pk]
    res = api_as(op).post(f"leads/{lead_id}/convert", {"mode": "attach", "contact_id": roman.pk})
    assert res.status_code == 200, res.json()
    assert res.json()["contact_id"] == roman.pk
    assert list(Deal.objects.get(pk=res.json()["deal_id"]).contacts.all()) == [roman]


@pytest.mark.django_db
def test_convert_bad_input(f, world, api_as):
    op = world["operator"]
    lead = lead_create(actor=op, title="Call", name="Роман")
    api = api_as(op)
    res = api.post(f"leads/{lead.pk}/convert", {"mode": "merge"})
    assert res.status_code == 400 and res.json()["field"] == "mode"
    res = api.post(f"leads/{lead.pk}/convert", {"mode": "attach", "contact_id": 999999})
    assert res.status_code == 404 and res.json()["field"] == "contact_id"
    res = api.post(f"leads/{lead.pk}/convert", {"mode": "deal", "responsible_id": 999999})
    assert res.status_code == 400 and res.json()["field"] == "responsible_id"
    res = api_as(f.make_user(Role.ACCOUNTANT)).post(f"leads/{lead.pk}/convert", {"mode": "deal"})
    assert res.status_code == 403
    assert Deal.objects.count() == 0
    assert Lead.objects.get(pk=lead.pk).status == "new"
