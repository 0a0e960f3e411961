"""Task reads: R2 scoping, "my activities" order, record tasks, calendar and overdue counts (T3)."""

import datetime as dt

import pytest
from django.utils import timezone

from dealbook.accounts.models import Role
from dealbook.activities import queries, services
from dealbook.activities.models import Task, TaskStatus
from dealbook.core.errors import InvalidInput, NotFound

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def _task(actor, title, hours, **kw):
    return services.task_create(actor=actor, title=title, deadline=NOW + dt.timedelta(hours=hours), **kw)


@pytest.fixture
def people(f):
    group = f.make_group()
    return {
        "head": f.make_user(Role.GROUP_MANAGER, group=group),
        "ann": f.make_user(group=group),
        "bob": f.make_user(group=group),
        "eve": f.make_user(),  # another group
        "director": f.make_user(Role.DIRECTOR),
    }


def test_r2_sales_manager_sees_own_tasks_and_tasks_on_visible_records(f, people):
    """R2: own tasks, tasks they wrote, and tasks on records they see (own or shared) — no others."""
    ann, bob, eve = people["ann"], people["bob"], people["eve"]
    own = _task(ann, "own", 1)
    written = _task(ann, "written for bob", 1, responsible=bob)
    ann_deal = f.make_deal(responsible=ann)
    on_my_deal = _task(people["director"], "on ann's deal", 1, deal=ann_deal, responsible=bob)
    shared = f.make_deal(responsible=eve, is_shared=True)
    on_shared = _task(eve, "on shared", 1, deal=shared)
    hidden = _task(eve, "eve private", 1, deal=f.make_deal(responsible=eve))
    bobs = _task(bob, "bob alone", 1)
    visible = set(queries.tasks_visible(ann))
    assert visible == {own, written, on_my_deal, on_shared}
    assert hidden not in visible and bobs not in visible
    with pytest.raises(NotFound):
        queries.task_get(ann, hidden.pk)
    assert queries.task_get(ann, on_shared.pk) == on_shared


def test_r2_group_manager_sees_the_groups_tasks_director_all(f, people):
    ann_task = _task(people["ann"], "a", 1)
    bob_task = _task(people["bob"], "b", 1)
    eve_task = _task(people["eve"], "e", 1)
    assert set(queries.tasks_visible(people["head"])) == {ann_task, bob_task}
    assert set(queries.tasks_visible(people["director"])) == {ann_task, bob_task, eve_task}


def test_t3_my_tasks_overdue_first_then_by_deadline(f, people):
    """T3 "my activities": open tasks of the user, overdue ones first, then by deadline."""
    ann = people["ann"]
    later = _task(ann, "later", 5)
    soon = _task(ann, "soon", 1)
    overdue = _task(ann, "overdue", -3)
    very_overdue = _task(ann, "very overdue", -30)
    done = _task(ann, "done", -50)
    services.task_complete(actor=ann, task=done)
    _task(people["bob"], "not mine", -40)
    mine = list(queries.tasks_mine(ann))
    assert mine == [very_overdue, overdue, soon, later]
    assert [t.is_overdue(NOW) for t in mine] == [True, True, False, False]


def test_t3_tasks_of_a_record(f, people):
    ann = people["ann"]
    deal = f.make_deal(responsible=ann)
    first = _task(ann, "first", 1, deal=deal)
    second = _task(ann, "second", 2, deal=deal)
    _task(ann, "elsewhere", 1)
    assert list(queries.tasks_of_record(ann, deal)) == [first, second]
    with pytest.raises(InvalidInput):
        queries.tasks_of_record(ann, ann)


def test_t3_calendar_range(f, people):
    """T3: a calendar shows the user's tasks and activities due in [from, to)."""
    ann = people["ann"]
    inside = _task(ann, "inside", 24)
    edge = _task(ann, "at start", 0)
    _task(ann, "after", 24 * 8)
    _task(people["bob"], "bob's", 24)
    week = list(queries.tasks_calendar(ann, start=NOW, end=NOW + dt.timedelta(days=7)))
    assert week == [edge, inside]
    bobs = list(
        queries.tasks_calendar(
            people["head"], start=NOW, end=NOW + dt.timedelta(days=7), responsible_id=people["bob"].pk
        )
    )
    assert [t.title for t in bobs] == ["bob's"]
    with pytest.raises(InvalidInput) as exc:
        queries.tasks_calendar(ann, start=NOW, end=NOW)
    assert exc.value.field == "to"


def test_t3_overdue_counts_per_user(f, people):
    """T3: overdue open tasks per responsible, within what the viewer sees."""
    ann, bob, eve = people["ann"], people["bob"], people["eve"]
    for hours in (-1, -2, -3):
        _task(ann, "late", hours)
    _task(bob, "late", -1)
    _task(bob, "fine", 4)
    done = _task(bob, "late but done", -5)
    services.task_complete(actor=bob, task=done)
    _task(eve, "late elsewhere", -1)
    counts = {row["user_id"]: row["count"] for row in queries.overdue_counts(people["head"], now=NOW)}
    assert counts == {ann.pk: 3, bob.pk: 1}
    everyone = {row["user_id"]: row["count"] for row in queries.overdue_counts(people["director"], now=NOW)}
    assert everyone == {ann.pk: 3, bob.pk: 1, eve.pk: 1}


def test_task_filters(f, people):
    ann = people["ann"]
    deal = f.make_deal(responsible=ann)
    late = _task(ann, "late", -1, deal=deal)
    fine = _task(ann, "fine", 1)
    qs = queries.tasks_filtered(ann, overdue=True, now=NOW)
    assert list(qs) == [late]
    assert list(queries.tasks_filtered(ann, overdue=False, now=NOW)) == [fine]
    assert list(queries.tasks_filtered(ann, links={"deal": deal.pk})) == [late]
    assert list(queries.tasks_filtered(ann, status=TaskStatus.DONE)) == []
    with pytest.raises(InvalidInput) as exc:
        queries.tasks_filtered(ann, status="lost")
    assert exc.value.field == "status"
    assert Task.objects.count() == 2
