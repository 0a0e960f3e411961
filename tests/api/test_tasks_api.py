"""tasks and activities over the API: T1–T4 with R1/R2 on every endpoint, and the list contract."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dealbook.accounts.models import Role
from dealbook.activities import services
from dealbook.activities.models import Task
from dealbook.core.models import Event

pytestmark = pytest.mark.django_db


def _iso(hours):
    return (timezone.now() + dt.timedelta(hours=hours)).isoformat()


def _task(actor, title="Task", hours=1, **kw):
    return services.task_create(
        actor=actor, title=title, deadline=timezone.now() + dt.timedelta(hours=hours), **kw
    )


def test_t3_create_task_on_a_deal_and_read_it(f, api_as):
    """T3: POST tasks with deadline, reminder, checklist and a deal; 201 with progress "0 of 2"."""
    manager = f.make_user()
    deal = f.make_deal(responsible=manager)
    client = api_as(manager)
    r = client.post(
        "tasks",
        {
            "title": "Send the price",
            "deadline": _iso(3),
            "remind_at": _iso(2),
            "deal_id": deal.pk,
            "checklist": ["count rings", "ask delivery"],
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["responsible_id"] == manager.pk and body["deal_id"] == deal.pk
    assert body["progress"] == "0 of 2" and body["checklist_total"] == 2 and not body["is_overdue"]
    r = client.get(f"tasks/{body['id']}")
    assert r.status_code == 200 and [i["text"] for i in r.json()["checklist"]] == [
        "count rings",
        "ask delivery",
    ]
    r = client.get(f"tasks/{body['id']}/timeline")
    assert [e["kind"] for e in r.json()["items"]] == ["task_created"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": "No deadline"}, "deadline"),
        ({"title": "x", "deadline": "not a date"}, "deadline"),
        ({"title": "x", "deadline": "2030-01-01T10:00", "remind_at": "2030-01-01T11:00"}, "remind_at"),
        ({"title": "x", "deadline": "2030-01-01T10:00", "deal_id": 999999}, "deal_id"),
        ({"title": "x", "deadline": "2030-01-01T10:00", "kind": "party"}, "kind"),
    ],
)
def test_t3_bad_task_input_is_400(f, api_as, payload, field):
    r = api_as(f.make_user()).post("tasks", payload)
    assert r.status_code == 400, r.content
    assert r.json()["field"] == field
    assert not Task.objects.exists() and not Event.objects.exists()


def test_r2_task_on_a_private_deal_of_another_manager_is_403(f, api_as):
    deal = f.make_deal(responsible=f.make_user())
    r = api_as(f.make_user()).post("tasks", {"title": "x", "deadline": _iso(1), "deal_id": deal.pk})
    assert r.status_code == 403 and r.json()["field"] == "deal_id"
    assert not Task.objects.exists()


def test_r2_list_and_detail_are_scoped(f, api_as):
    """R2: a sales manager lists their own tasks and those on records they see; others are 404."""
    ann, bob = f.make_user(), f.make_user()
    mine = _task(ann, "mine")
    shared = _task(bob, "on shared", deal=f.make_deal(responsible=bob, is_shared=True))
    private = _task(bob, "bob private")
    client = api_as(ann)
    ids = {t["id"] for t in client.get("tasks").json()["items"]}
    assert ids == {mine.pk, shared.pk}
    assert client.get(f"tasks/{private.pk}").status_code == 404
    assert client.post(f"tasks/{private.pk}/complete").status_code == 404
    assert client.patch(f"tasks/{private.pk}", {"title": "x"}).status_code == 404
    # visible but not theirs: reading is fine, closing someone else's work is not (R1)
    assert client.get(f"tasks/{shared.pk}").status_code == 200
    r = client.post(f"tasks/{shared.pk}/complete")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert Task.objects.get(pk=shared.pk).is_open


def test_t2_complete_refused_until_checklist_done(f, api_as):
    """T2: POST complete → 409 checklist_incomplete "3 of 6 done"; after ticking the rest, 200."""
    manager = f.make_user()
    task = _task(manager, checklist=[f"item {n}" for n in range(6)])
    client = api_as(manager)
    items = [i["id"] for i in client.get(f"tasks/{task.pk}").json()["checklist"]]
    for item_id in items[:3]:
        r = client.patch(f"tasks/{task.pk}/checklist/{item_id}", {"done": True})
        assert r.status_code == 200
    assert r.json()["progress"] == "3 of 6"
    r = client.post(f"tasks/{task.pk}/complete", {"result": "done"})
    assert r.status_code == 409
    assert r.json()["code"] == "checklist_incomplete" and "3 of 6 done" in r.json()["detail"]
    for item_id in items[3:]:
        client.patch(f"tasks/{task.pk}/checklist/{item_id}", {"done": True})
    r = client.post(f"tasks/{task.pk}/complete", {"result": "All agreed"})
    assert r.status_code == 200 and r.json()["status"] == "done" and r.json()["result"] == "All agreed"
    r = client.post(f"tasks/{task.pk}/reopen")
    assert r.status_code == 200 and r.json()["status"] == "open"


def test_t2_checklist_add_rename_delete(f, api_as):
    manager = f.make_user()
    task = _task(manager)
    client = api_as(manager)
    r = client.post(f"tasks/{task.pk}/checklist", {"text": "call"})
    assert r.status_code == 201 and r.json()["progress"] == "0 of 1"
    item_id = r.json()["checklist"][0]["id"]
    r = client.patch(f"tasks/{task.pk}/checklist/{item_id}", {"text": "call Роман", "done": True})
    assert r.json()["checklist"][0]["text"] == "call Роман" and r.json()["progress"] == "1 of 1"
    r = client.delete(f"tasks/{task.pk}/checklist/{item_id}")
    assert r.status_code == 200 and r.json()["checklist"] == [] and r.json()["progress"] == ""
    other = _task(manager, checklist=["x"])
    stray = other.checklist.get().pk
    assert client.delete(f"tasks/{task.pk}/checklist/{stray}").status_code == 404
    assert client.post(f"tasks/{task.pk}/checklist", {"text": ""}).status_code == 400


def test_t3_patch_records_changes(f, api_as):
    manager, other = f.make_user(), f.make_user()
    task = _task(manager)
    client = api_as(manager)
    r = client.patch(f"tasks/{task.pk}", {"deadline": _iso(48), "responsible_id": other.pk})
    assert r.status_code == 200 and r.json()["responsible_id"] == other.pk
    fields = {e["data"].get("field") for e in client.get(f"tasks/{task.pk}/timeline").json()["items"]}
    assert {"deadline", "responsible"} <= fields
    r = client.patch(f"tasks/{task.pk}", {"deadline": None})
    assert r.status_code == 400 and r.json()["field"] == "deadline"


def test_t3_filters_mine_overdue_record_and_calendar(f, api_as):
    ann, bob = f.make_user(), f.make_user()
    deal = f.make_deal(responsible=ann)
    late = _task(ann, "late", -2, deal=deal)
    soon = _task(ann, "soon", 2)
    next_week = _task(ann, "next week", 24 * 8)
    _task(ann, "for bob", 1, responsible=bob)
    client = api_as(ann)

    def titles(**params):
        r = client.get("tasks", params)
        assert r.status_code == 200, r.content
        return [t["title"] for t in r.json()["items"]]

    assert titles(mine="true") == ["late", "soon", "next week"]  # overdue first, then by deadline
    assert titles(overdue="true") == ["late"]
    assert titles(deal_id=deal.pk) == ["late"]
    assert titles(responsible_id=bob.pk) == ["for bob"]
    start = timezone.now()
    assert titles(
        mine="true", **{"from": start.isoformat(), "to": (start + dt.timedelta(days=7)).isoformat()}
    ) == ["soon"]
    r = client.get("tasks", {"from": start.isoformat()})
    assert r.status_code == 400 and r.json()["field"] == "to"
    r = client.get("tasks", {"status": "bogus"})
    assert r.status_code == 400 and r.json()["field"] == "status"
    assert late.pk and soon.pk and next_week.pk
    counts = client.get("tasks/overdue-counts").json()
    assert counts == [{"user_id": ann.pk, "name": ann.display_name, "count": 1}]


def test_task_list_cursor_pages_through_everything(f, api_as):
    manager = f.make_user()
    for n in range(7):
        _task(manager, f"t{n}", n + 1)
    client = api_as(manager)
    seen, cursor = [], None
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = client.get("tasks", params).json()
        seen += [t["title"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"t{n}" for n in range(7)]


def test_task_list_query_count_is_constant(f, api_as):
    """The task list runs the same number of queries for 1 or 30 tasks (responsible joined,
    checklists prefetched), for a sales manager whose scope joins the linked records."""
    manager = f.make_user()
    deal = f.make_deal(responsible=manager)
    _task(manager, checklist=["a"], deal=deal)
    client = api_as(manager)
    client.get("tasks")
    with CaptureQueriesContext(connection) as few:
        assert client.get("tasks").status_code == 200
    other = f.make_user()
    for n in range(30):
        _task(manager, f"t{n}", checklist=["a", "b"], deal=deal, responsible=other if n % 2 else manager)
    with CaptureQueriesContext(connection) as many:
        r = client.get("tasks")
    assert len(r.json()["items"]) == 31
    assert len(many) == len(few) <= 4


def test_t4_log_an_activity(f, api_as):
    """T4: POST activities logs a done call on the deal's timeline."""
    manager = f.make_user()
    deal = f.make_deal(responsible=manager)
    client = api_as(manager)
    r = client.post(
        "activities", {"kind": "call", "subject": "Called the foreman", "result": "OK", "deal_id": deal.pk}
    )
    assert r.status_code == 201, r.content
    assert r.json()["status"] == "done" and r.json()["kind"] == "call"
    r = client.get("tasks", {"deal_id": deal.pk, "kind": "call"})
    assert [t["title"] for t in r.json()["items"]] == ["Called the foreman"]
    r = client.post("activities", {"kind": "call", "subject": "Nowhere"})
    assert r.status_code == 400 and r.json()["field"] == "deal_id"
    other = f.make_deal(responsible=f.make_user())
    r = client.post("activities", {"kind": "visit", "subject": "Peek", "deal_id": other.pk})
    assert r.status_code == 403 and r.json()["field"] == "deal_id"


def test_task_comments(f, api_as):
    manager = f.make_user()
    task = _task(manager)
    client = api_as(manager)
    r = client.post(f"tasks/{task.pk}/comments", {"text": "Waiting for the drawing"})
    assert r.status_code == 201 and r.json()["kind"] == "comment"


def test_t1_deal_created_over_the_api_has_its_intake_task(f, api_as):
    """T1 end to end: the intake task of a new deal shows in the responsible's task list."""
    from dealbook.crm.services.deals import deal_create

    f.russia()
    operator = f.make_user(Role.OPERATOR)
    manager = f.make_user()
    deal = deal_create(actor=operator, title="01/12.05", pipeline=f.make_pipeline(), responsible=manager)
    r = api_as(manager).get("tasks", {"mine": "true"})
    [task] = r.json()["items"]
    assert task["kind"] == "intake" and task["deal_id"] == deal.pk
    assert task["title"] == "Take the incoming deal: 01/12.05"
