"""Task reads shared by the API and the pages, every one scoped by R2.

A user sees the tasks they are responsible for or wrote, the tasks of the people whose records they
see (a group manager: the group's), and the tasks on records they see (R2: own, shared, group's).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dealbook.accounts.policy import sees_all, visible_q
from dealbook.activities.models import LINK_FIELDS, Task, TaskKind, TaskStatus
from dealbook.core.errors import InvalidInput, NotFound


def tasks_visible_q(user) -> Q | None:
    """R2 for tasks; None means the user sees every task."""
    if sees_all(user):
        return None
    q = visible_q(user, owner="responsible", shared=None) | Q(created_by_id=user.pk)
    for link in LINK_FIELDS:
        q |= visible_q(user, owner=f"{link}__responsible", shared=f"{link}__is_shared")
    return q


def tasks_visible(user):
    qs = Task.objects.select_related("responsible").prefetch_related("checklist")
    q = tasks_visible_q(user)
    return qs if q is None else qs.filter(q)


def task_get(user, pk: int) -> Task:
    task = tasks_visible(user).filter(pk=pk).first()
    if task is None:
        raise NotFound(_("Task not found."), field="id")
    return task


def tasks_mine(user, *, now: dt.datetime | None = None):
    """T3 "my activities": my open tasks, overdue first, then by deadline.

    Ordering by deadline puts every overdue open task (deadline < now) before the others, so the
    list pages by one index (responsible, status, deadline).
    """
    return tasks_visible(user).filter(responsible=user, status=TaskStatus.OPEN).order_by("deadline", "id")


def tasks_of_record(user, record):
    """T3: the tasks and activities shown on a deal, lead, contact or company card."""
    field = record._meta.model_name
    if field not in LINK_FIELDS:
        raise InvalidInput(_("record: tasks link to deals, leads, contacts or companies."), field="record")
    return tasks_visible(user).filter(**{field: record}).order_by("deadline", "id")


def _clean_range(start, end) -> tuple[dt.datetime, dt.datetime]:
    if start is None or end is None:
        raise InvalidInput(
            _("from: a calendar needs both from and to."), field="from" if start is None else "to"
        )
    if timezone.is_naive(start):
        start = timezone.make_aware(start)
    if timezone.is_naive(end):
        end = timezone.make_aware(end)
    if end <= start:
        raise InvalidInput(_("to: must be after from."), field="to")
    return start, end


def tasks_calendar(user, *, start: dt.datetime, end: dt.datetime, responsible_id: int | None = None):
    """T3 calendar: tasks and activities of a user (the viewer by default) due in [start, end)."""
    start, end = _clean_range(start, end)
    return (
        tasks_visible(user)
        .filter(responsible_id=responsible_id or user.pk, deadline__gte=start, deadline__lt=end)
        .order_by("deadline", "id")
    )


def overdue_counts(user, *, now: dt.datetime | None = None) -> list[dict]:
    """T3: how many overdue tasks each responsible has, among the tasks the user sees."""
    qs = Task.objects.overdue(now)
    q = tasks_visible_q(user)
    if q is not None:
        qs = qs.filter(q)
    rows = (
        qs.values(
            "responsible_id", "responsible__first_name", "responsible__last_name", "responsible__username"
        )
        .annotate(count=Count("id", distinct=True))
        .order_by("-count", "responsible_id")
    )
    return [
        {
            "user_id": row["responsible_id"],
            "name": f"{row['responsible__first_name']} {row['responsible__last_name']}".strip()
            or row["responsible__username"],
            "count": row["count"],
        }
        for row in rows
    ]


def tasks_due_for_reminder(now: dt.datetime | None = None):
    """T3: open tasks whose reminder time has come and that were not reminded yet."""
    return Task.objects.filter(
        status=TaskStatus.OPEN, remind_at__lte=now or timezone.now(), reminded_at__isnull=True
    )


def tasks_filtered(
    user,
    *,
    mine: bool = False,
    responsible_id: int | None = None,
    status: str | None = None,
    kind: str | None = None,
    overdue: bool | None = None,
    links: dict | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    now: dt.datetime | None = None,
):
    """The task list's filters (API and pages), on top of R2."""
    qs = tasks_visible(user)
    if mine:
        qs = qs.filter(responsible=user)
    if responsible_id:
        qs = qs.filter(responsible_id=responsible_id)
    if status:
        if status not in TaskStatus.values:
            choices = ", ".join(TaskStatus.values)
            raise InvalidInput(
                _("status: must be one of %(choices)s.") % {"choices": choices}, field="status"
            )
        qs = qs.filter(status=status)
    if kind:
        if kind not in TaskKind.values:
            choices = ", ".join(TaskKind.values)
            raise InvalidInput(_("kind: must be one of %(choices)s.") % {"choices": choices}, field="kind")
        qs = qs.filter(kind=kind)
    if overdue is True:
        qs = qs.overdue(now)
    elif overdue is False:
        qs = qs.not_overdue(now)
    for field, pk in (links or {}).items():
        if field not in LINK_FIELDS:
            raise InvalidInput(_("%(field)s: unknown record type.") % {"field": field}, field=field)
        if pk:
            qs = qs.filter(**{f"{field}_id": pk})
    if start is not None or end is not None:
        start, end = _clean_range(start, end)
        qs = qs.filter(deadline__gte=start, deadline__lt=end)
    return qs


def link_targets(
    *,
    deal: int | None = None,
    lead: int | None = None,
    contact: int | None = None,
    company: int | None = None,
) -> dict:
    """Load the records a task or activity links to by id; a missing id is bad input on its field.

    Visibility (R2) is the service's check, so the API and the pages refuse in the same words.
    """
    found = {}
    for field, pk in (("deal", deal), ("lead", lead), ("contact", contact), ("company", company)):
        if pk is None:
            continue
        model = Task._meta.get_field(field).related_model
        record = model._default_manager.filter(pk=pk).first()
        if record is None:
            raise InvalidInput(_("%(field)s: no such record.") % {"field": field}, field=field)
        found[field] = record
    return found
