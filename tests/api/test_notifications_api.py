"""notifications: the user's own messages with the unread count; marking them read."""

import pytest

from dealbook.accounts.models import Notification
from dealbook.accounts.services import notify

pytestmark = pytest.mark.django_db


def test_notifications_list_unread_count_and_cursor(f, api_as):
    me, other = f.make_user(), f.make_user()
    for n in range(5):
        notify(user=me, kind="task_assigned", text=f"note {n}")
    notify(user=other, kind="task_assigned", text="not mine")
    client = api_as(me)
    r = client.get("notifications", {"limit": 3})
    assert r.status_code == 200
    page = r.json()
    assert page["unread"] == 5
    assert [n["text"] for n in page["items"]] == ["note 4", "note 3", "note 2"]  # newest first
    page2 = client.get("notifications", {"limit": 3, "cursor": page["next_cursor"]}).json()
    assert [n["text"] for n in page2["items"]] == ["note 1", "note 0"] and page2["next_cursor"] is None


def test_mark_some_then_all_read(f, api_as):
    me, other = f.make_user(), f.make_user()
    mine = [notify(user=me, kind="k", text=f"n{n}") for n in range(3)]
    theirs = notify(user=other, kind="k", text="theirs")
    client = api_as(me)
    r = client.post("notifications/read", {"ids": [mine[0].pk, theirs.pk]})
    assert r.status_code == 200 and r.json() == {"marked": 1, "unread": 2}
    assert Notification.objects.get(pk=theirs.pk).read_at is None  # another user's ids are ignored
    unread = client.get("notifications", {"unread": "true"}).json()
    assert [n["id"] for n in unread["items"]] == [mine[2].pk, mine[1].pk]
    r = client.post("notifications/read", {})
    assert r.json() == {"marked": 2, "unread": 0}


def test_t3_task_notification_reaches_the_responsible(f, api_as):
    """T3: a task set for someone else appears in their notifications."""
    import datetime as dt

    from django.utils import timezone

    from dealbook.activities.services import task_create

    boss, manager = f.make_user(), f.make_user()
    task_create(
        actor=boss,
        title="Visit the site",
        deadline=timezone.now() + dt.timedelta(days=1),
        responsible=manager,
    )
    page = api_as(manager).get("notifications").json()
    assert page["unread"] == 1 and "Visit the site" in page["items"][0]["text"]


def test_notifications_need_authentication(client):
    r = client.get("/api/v1/notifications")
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"
