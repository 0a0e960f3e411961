"""Task pages: the deal card's "to do" panel, my tasks (overdue first), a task page with its
checklist, and a week or month calendar. Each action calls one activities service (T1–T3)."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dealbook.accounts.queries import active_users
from dealbook.activities import queries, services
from dealbook.activities.models import ChecklistItem, TaskKind
from dealbook.core.errors import DomainError, InvalidInput, NotFound
from dealbook.crm.queries import deals as dq
from dealbook.crm.queries.parties import contact_get
from dealbook.web.pages import page, render_form


def _annotate(tasks, user):
    now = timezone.now()
    for task in tasks:
        task.overdue = task.is_overdue(now)
        task.may_edit = task.can_edit(user)
    return tasks


def _deal_tasks(request, deal, error=None, values=None, *, record=None, create_url=None):
    tasks = _annotate(list(queries.tasks_of_record(request.user, record or deal)), request.user)
    context = {
        "deal": deal,
        "task_create_url": create_url,
        "tasks": tasks,
        "users": list(active_users()),
        "kinds": TaskKind.choices,
        "values": values or {},
    }
    return render_form(request, "activities/_deal_tasks.html", context, error)


def _moment(value: str):
    """A datetime-local value read in the user's own time zone (the page's active zone)."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value  # the service names the field and the format
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


@require_POST
@page
def deal_task_create(request, pk: int):
    """T3 a task on the deal: title and deadline required, for me or another responsible; the
    checklist's items one per line (T2)."""
    deal = dq.deal_for(request.user, pk)
    try:
        _create_task(request, deal=deal)
    except DomainError as exc:
        return _deal_tasks(request, deal, exc, request.POST)
    return _deal_tasks(request, deal)


@require_POST
@page
def contact_task_create(request, pk: int):
    """T3 on a contact's card: the follow-up call after the deal (seed step 61), same form and rules."""
    contact = contact_get(request.user, pk)
    url = reverse("contact_task_create", args=[contact.pk])
    try:
        _create_task(request, contact=contact)
    except DomainError as exc:
        return _deal_tasks(request, None, exc, request.POST, record=contact, create_url=url)
    return _deal_tasks(request, None, record=contact, create_url=url)


def _create_task(request, **links):
    responsible = None
    if request.POST.get("responsible"):
        responsible = active_users().filter(pk=dq.as_id(request.POST["responsible"]) or 0).first()
        if responsible is None:
            raise InvalidInput(_("Unknown or inactive user."), field="responsible")
    checklist = [line for line in request.POST.get("checklist", "").splitlines() if line.strip()]
    return services.task_create(
        actor=request.user,
        title=request.POST.get("title", ""),
        deadline=_moment(request.POST.get("deadline", "")),
        responsible=responsible,
        kind=request.POST.get("kind") or TaskKind.TASK,
        checklist=checklist,
        **links,
    )


def _task_partial(request, task, error=None):
    task = queries.task_get(request.user, task.pk)
    _annotate([task], request.user)
    return render_form(request, "activities/_task.html", {"task": task}, error)


def _item(request, item_id: int) -> ChecklistItem:
    item = ChecklistItem.objects.filter(pk=item_id).first()
    if item is None:
        raise NotFound(_("Checklist item not found."), field="id")
    queries.task_get(request.user, item.task_id)  # R2: only items of a task the user sees
    return item


@require_POST
@page
def checklist_toggle(request, item_id: int):
    """T2 tick an item in place; the task shows "3 of 6"."""
    item = _item(request, item_id)
    try:
        services.checklist_toggle(actor=request.user, item=item, done=request.POST.get("done") == "1")
    except DomainError as exc:
        return _task_partial(request, item.task, exc)
    return _task_partial(request, item.task)


@require_POST
@page
def checklist_add(request, pk: int):
    task = queries.task_get(request.user, pk)
    try:
        services.checklist_add(actor=request.user, task=task, text=request.POST.get("text", ""))
    except DomainError as exc:
        return _task_partial(request, task, exc)
    return _task_partial(request, task)


@require_POST
@page
def task_complete(request, pk: int):
    """T2 complete a task (refused while its checklist is not done)."""
    task = queries.task_get(request.user, pk)
    try:
        services.task_complete(actor=request.user, task=task, result=request.POST.get("result", ""))
    except DomainError as exc:
        return _task_partial(request, task, exc)
    return _task_partial(request, task)


@page
def task_page(request, pk: int):
    task = queries.task_get(request.user, pk)
    _annotate([task], request.user)
    return render(request, "activities/task.html", {"section": "tasks", "task": task})


@page
def my_tasks(request):
    """T3 my open tasks, overdue first, then by deadline (100 at most on one page)."""
    tasks = _annotate(list(queries.tasks_mine(request.user).select_related("deal")[:100]), request.user)
    return render(request, "activities/my_tasks.html", {"section": "tasks", "tasks": tasks})


MONTH_CAP = 500  # tasks one month of one person's calendar shows at most (R2: bounded)
DAY_SHOWN = 4  # entries per day in the month grid; the rest behind "+N more" (the week view)


def _calendar_date(request, today: dt.date) -> dt.date:
    raw = request.GET.get("date") or request.GET.get("week") or ""
    try:
        return dt.date.fromisoformat(raw) if raw else today
    except ValueError:
        return today


def _aware(day: dt.date) -> dt.datetime:
    """Midnight of the day in the active (the user's) time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _month_bounds(anchor: dt.date) -> tuple[dt.date, dt.date, dt.date, dt.date]:
    """(first day of the month, first Monday shown, the day after the last Sunday shown, next month)."""
    first = anchor.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    grid_start = first - dt.timedelta(days=first.weekday())
    last = following - dt.timedelta(days=1)
    grid_end = last + dt.timedelta(days=7 - last.weekday())
    return first, grid_start, grid_end, following


def _by_day(tasks) -> dict[dt.date, list]:
    days: dict[dt.date, list] = {}
    for task in tasks:
        days.setdefault(timezone.localdate(task.deadline), []).append(task)
    return days


def _calendar_week(request, today: dt.date, anchor: dt.date) -> dict:
    start = anchor - dt.timedelta(days=anchor.weekday())
    tasks = _annotate(
        list(
            queries.tasks_calendar(
                request.user, start=_aware(start), end=_aware(start + dt.timedelta(days=7))
            )
        ),
        request.user,
    )
    per_day = _by_day(tasks)
    days = [start + dt.timedelta(days=i) for i in range(7)]
    return {
        "days": [{"date": d, "today": d == today, "tasks": per_day.get(d, [])} for d in days],
        "prev": (start - dt.timedelta(days=7)).isoformat(),
        "next": (start + dt.timedelta(days=7)).isoformat(),
        "start": start,
        "end": start + dt.timedelta(days=6),
    }


def _calendar_month(request, today: dt.date, anchor: dt.date) -> dict:
    first, grid_start, grid_end, following = _month_bounds(anchor)
    rows = queries.tasks_calendar(request.user, start=_aware(grid_start), end=_aware(grid_end))
    tasks = _annotate(list(rows[:MONTH_CAP]), request.user)
    per_day = _by_day(tasks)
    weeks, day = [], grid_start
    while day < grid_end:
        week = []
        for _i in range(7):
            items = per_day.get(day, [])
            week.append(
                {
                    "date": day,
                    "today": day == today,
                    "outside": day.month != first.month,
                    "tasks": items[:DAY_SHOWN],
                    "more": max(0, len(items) - DAY_SHOWN),
                }
            )
            day += dt.timedelta(days=1)
        weeks.append(week)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    return {
        "weeks": weeks,
        "weekdays": [w["date"] for w in weeks[0]],
        "prev": previous.isoformat(),
        "next": following.isoformat(),
        "start": first,
        "truncated": len(tasks) >= MONTH_CAP,
    }


@page
def calendar(request):
    """T3 the user's tasks and activities by day: a week (a column per day) or a month (a grid of
    weeks); one bounded query over the user's own calendar in their time zone (R2)."""
    today = timezone.localdate()
    anchor = _calendar_date(request, today)
    view = "month" if request.GET.get("view") == "month" else "week"
    context = (_calendar_month if view == "month" else _calendar_week)(request, today, anchor)
    return render(
        request,
        "activities/calendar.html",
        {**context, "section": "calendar", "view": view, "anchor": anchor.isoformat(), "today": today},
    )
