"""Pipelines API: D1 stages as data, D6 kanban headers from running totals scoped by R2."""

import pytest

from dealbook.accounts.models import Role
from dealbook.crm.models import Pipeline
from dealbook.crm.services.deals import deal_create, deal_update
from dealbook.crm.setup import lost_reasons_create_default

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(f):
    class World:
        pass

    x = World()
    f.russia()
    x.pipeline = f.make_pipeline("ЖБИ")
    x.admin = f.make_user(Role.ADMIN)
    x.group = f.make_group("North")
    x.manager = f.make_user(Role.SALES_MANAGER, group=x.group)
    x.colleague = f.make_user(Role.SALES_MANAGER, group=x.group)
    x.head = f.make_user(Role.GROUP_MANAGER, group=x.group)
    return x


def test_d1_list_and_get_pipelines_with_ordered_stages(w, api_as):
    client = api_as(w.manager)
    body = client.get("pipelines").json()
    assert [p["name"] for p in body] == ["ЖБИ"]
    stages = client.get(f"pipelines/{w.pipeline.pk}").json()["stages"]
    assert [s["code"] for s in stages][:2] == ["new", "assigned"]
    assert [s["kind"] for s in stages][-2:] == ["won", "lost"]
    assert client.get("pipelines/999999").status_code == 404


def test_d1_only_admin_creates_pipelines_and_stages(w, api_as):
    r = api_as(w.manager).post("pipelines", {"name": "Нерудные материалы"})
    assert r.status_code == 403
    r = api_as(w.admin).post("pipelines", {"name": "Нерудные материалы"})
    assert r.status_code == 201 and len(r.json()["stages"]) == 9
    r = api_as(w.admin).post("pipelines", {"name": "Нерудные материалы"})
    assert r.status_code == 400 and r.json()["field"] == "name"
    r = api_as(w.admin).post(
        "pipelines",
        {"name": "Custom", "stages": [{"name": "Won", "kind": "won"}, {"name": "Lost", "kind": "lost"}]},
    )
    assert r.status_code == 400 and r.json()["field"] == "stages"
    assert Pipeline.objects.count() == 2
    pipeline_id = Pipeline.objects.get(name="Нерудные материалы").pk
    r = api_as(w.admin).post(f"pipelines/{pipeline_id}/stages", {"name": "Weighing", "code": "weighing"})
    assert r.status_code == 201 and r.json()["code"] == "weighing"
    r = api_as(w.admin).patch(f"pipelines/{pipeline_id}/stages/{r.json()['id']}", {"name": "Взвешивание"})
    assert r.status_code == 200 and r.json()["name"] == "Взвешивание"
    stages = api_as(w.admin).get(f"pipelines/{pipeline_id}").json()["stages"]
    ids = [s["id"] for s in stages]
    r = api_as(w.admin).post(f"pipelines/{pipeline_id}/stages/reorder", {"stage_ids": ids[-1:] + ids[:-1]})
    assert r.status_code == 400 and r.json()["field"] == "stage_ids"  # a lost stage cannot come first
    r = api_as(w.admin).post(f"pipelines/{pipeline_id}/stages/reorder", {"stage_ids": ids[1:] + ids[:1]})
    assert r.status_code == 200 and [s["id"] for s in r.json()] == ids[1:] + ids[:1]
    r = api_as(w.admin).post(f"pipelines/{pipeline_id}/stages/reorder", {"stage_ids": ids[:-1]})
    assert r.status_code == 400 and r.json()["field"] == "stage_ids"


def test_d6_r2_headers_from_running_totals(w, api_as):
    def make(user, amount, shared=False):
        deal = deal_create(actor=w.admin, title="x", pipeline=w.pipeline, responsible=user, is_shared=shared)
        deal_update(actor=w.admin, deal=deal, amount=amount)

    make(w.manager, "100.00")
    make(w.colleague, "200.00")
    make(w.admin, "400.00", shared=True)
    make(w.admin, "800.00")

    def assigned(user):
        r = api_as(user).get(f"pipelines/{w.pipeline.pk}/headers")
        assert r.status_code == 200, r.content
        body = r.json()
        assert body["currency"] == "RUB" and len(body["items"]) == 9
        row = next(h for h in body["items"] if h["stage_code"] == "assigned")
        return row["count"], row["amount"]

    assert assigned(w.admin) == (4, "1500.00")
    assert assigned(w.manager) == (2, "500.00")
    assert assigned(w.head) == (3, "700.00")
    assert api_as(w.manager).get("pipelines/999999/headers").status_code == 404


def test_lost_reasons_listed(w, api_as):
    lost_reasons_create_default()
    names = [r["name"] for r in api_as(w.manager).get("lost-reasons").json()]
    assert "Price too high" in names


def test_d1_stage_added_after_the_stage_named_by_after_id(w, api_as, f):
    """D1: `after_id` is a stage id of the same pipeline; another pipeline's stage is a 400 on `after_id`."""
    admin = api_as(w.admin)
    first = w.pipeline.stages.order_by("sort", "id").first()
    r = admin.post(f"pipelines/{w.pipeline.pk}/stages", {"name": "Weighing", "after_id": first.pk})
    assert r.status_code == 201, r.content
    ids = [s["id"] for s in admin.get(f"pipelines/{w.pipeline.pk}").json()["stages"]]
    assert ids[:2] == [first.pk, r.json()["id"]]
    foreign = f.make_pipeline("Нерудные материалы").stages.first()
    before = w.pipeline.stages.count()
    for after_id in (foreign.pk, 987654):
        r = admin.post(f"pipelines/{w.pipeline.pk}/stages", {"name": "Nowhere", "after_id": after_id})
        assert r.status_code == 400 and r.json()["field"] == "after_id", r.content
    assert w.pipeline.stages.count() == before
