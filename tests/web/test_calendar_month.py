"""T3 calendar: a month view (/calendar/?view=month&date=...) of the user's tasks and activities per
day, in the user's time zone, with prev/next, today and the week/month switch; one bounded query
over one month of the user's own calendar (R2), whatever the number of tasks."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dealbook.activities.models import Task, TaskKind, TaskStatus

pytestmark = pytest.mark.django_db
VLADIVOSTOK = zoneinfo.ZoneInfo("Asia/Vladivostok")


def task(user, title, when, **kw):
    return Task.objects.create(title=title, responsible=user, deadline=when, **kw)


def day_cell(html: str, date: str) -> str:
    return html.split(f'data-date="{date}"')[1].split('role="gridcell"')[0]


def month(client, date, **params):
    return client.get(reverse("calendar"), {"view": "month", "date": date, **params}).content.decode()


def test_month_grid_has_tasks_and_activities_on_their_days(board, client_as):
    manager = board["manager"]
    task(manager, "Send the proposal", dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC))
    task(manager, "Call Roman", dt.datetime(2026, 3, 10, 11, 0, tzinfo=dt.UTC), kind=TaskKind.CALL)
    task(manager, "Old meeting", dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC), status=TaskStatus.DONE)
    html = month(client_as(manager), "2026-03-17")
    assert "March 2026" in html
    cell = day_cell(html, "2026-03-10")
    assert "Send the proposal" in cell and "Call Roman" in cell
    assert "Old meeting" in day_cell(html, "2026-03-02") and "done" in day_cell(html, "2026-03-02")
    # the grid runs Monday to Sunday around the month: 23 Feb .. 5 Apr 2026
    assert 'data-date="2026-02-23"' in html and 'data-date="2026-04-05"' in html
    assert 'data-date="2026-02-22"' not in html and 'data-date="2026-04-06"' not in html
    assert "outside" in html.split('data-date="2026-02-23"')[0].rsplit("<div", 1)[1]


def test_times_and_days_are_the_users_time_zone(board, client_as):
    """A task due 31 March 20:00 UTC is on 1 April 06:00 in Vladivostok."""
    manager = board["manager"]
    manager.time_zone = "Asia/Vladivostok"
    manager.save()
    task(manager, "Late call", dt.datetime(2026, 3, 31, 20, 0, tzinfo=dt.UTC))
    html = month(client_as(manager), "2026-04-01")
    assert "06:00 Late call" in day_cell(html, "2026-04-01")
    assert "Late call" not in day_cell(html, "2026-03-31")


def test_r2_only_the_users_own_calendar(board, client_as):
    task(board["other"], "Olga's meeting", dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC))
    html = month(client_as(board["manager"]), "2026-03-01")
    assert "Olga's meeting" not in html


def test_prev_next_today_and_the_week_month_switch(board, client_as):
    html = month(client_as(board["manager"]), "2026-01-15")
    assert 'href="?view=month&amp;date=2025-12-01" rel="prev"' in html
    assert 'href="?view=month&amp;date=2026-02-01" rel="next"' in html
    assert 'href="?view=month">Today' in html
    assert 'href="?view=week&amp;date=2026-01-15"' in html  # switch keeps the date


def test_a_busy_day_shows_four_and_more(board, client_as):
    manager = board["manager"]
    for i in range(6):
        task(manager, f"Call {i}", dt.datetime(2026, 3, 10, 6 + i, 0, tzinfo=dt.UTC))
    cell = day_cell(month(client_as(manager), "2026-03-10"), "2026-03-10")
    assert cell.count('class="cal-item') == 4 and "+2 more" in cell


def test_month_query_count_does_not_grow_with_tasks(board, client_as):
    """Bounded: the same number of queries for 2 tasks as for 60 in the month."""
    manager = board["manager"]
    client = client_as(manager)
    for i in range(2):
        task(manager, f"T{i}", dt.datetime(2026, 3, 1 + i, 9, 0, tzinfo=dt.UTC))
    month(client, "2026-03-01")
    with CaptureQueriesContext(connection) as few:
        month(client, "2026-03-01")
    for i in range(60):
        task(manager, f"M{i}", dt.datetime(2026, 3, 1 + i % 28, 9, 0, tzinfo=dt.UTC))
    with CaptureQueriesContext(connection) as many:
        month(client, "2026-03-01")
    assert len(many.captured_queries) == len(few.captured_queries) <= 12
    # the calendar's own read is bounded by the month on both sides, and capped
    sql = [q["sql"] for q in many.captured_queries if "activities_task" in q["sql"]]
    assert any(re.search(r'deadline" >= .*deadline" < .*LIMIT', s, re.S) for s in sql)


def test_week_view_still_works_and_bad_dates_fall_back(board, client_as):
    manager = board["manager"]
    task(manager, "Weekly", dt.datetime(2026, 3, 11, 9, 0, tzinfo=dt.UTC))
    client = client_as(manager)
    html = client.get(reverse("calendar"), {"view": "week", "date": "2026-03-12"}).content.decode()
    assert "Weekly" in html and "09.03.2026 – 15.03.2026" in html
    assert client.get(reverse("calendar"), {"view": "month", "date": "bad"}).status_code == 200
    assert "Weekly" in client.get(reverse("calendar"), {"week": "2026-03-09"}).content.decode()
