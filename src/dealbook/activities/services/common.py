"""Input cleaning and helpers shared by the task services: one reading of times, links and rights."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from dealbook.accounts.models import User
from dealbook.accounts.policy import filter_visible
from dealbook.activities.models import LINK_FIELDS, Task, TaskKind
from dealbook.core.errors import Forbidden, InvalidInput

TITLE_MAX = 255
ITEM_MAX = 500


# ---- input cleaning --------------------------------------------------------------------------------


def clean_text(value, field: str, *, required: bool, limit: int | None = None) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(_("%(field)s: text is required.") % {"field": field}, field=field)
    value = value.strip()
    if required and not value:
        raise InvalidInput(_("%(field)s: cannot be empty.") % {"field": field}, field=field)
    if limit and len(value) > limit:
        raise InvalidInput(
            _("%(field)s: at most %(limit)s characters.") % {"field": field, "limit": limit}, field=field
        )
    return value


def clean_moment(value, field: str, *, required: bool) -> dt.datetime | None:
    """A point in time; naive values are read in the server's time zone and stored in UTC."""
    if value is None or value == "":
        if required:
            raise InvalidInput(_("%(field)s: a date and time is required.") % {"field": field}, field=field)
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, dt.datetime):
        raise InvalidInput(
            _("%(field)s: a date and time (YYYY-MM-DDTHH:MM) is required.") % {"field": field}, field=field
        )
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def clean_kind(value, *, allowed: Iterable[str] = TaskKind.values) -> str:
    allowed = list(allowed)
    if value not in allowed:
        raise InvalidInput(
            _("kind: must be one of %(choices)s.") % {"choices": ", ".join(allowed)}, field="kind"
        )
    return value


def clean_responsible(value) -> User:
    user = None
    if isinstance(value, User):
        user = User.objects.filter(pk=value.pk).first()
    elif isinstance(value, int) and not isinstance(value, bool):
        user = User.objects.filter(pk=value).first()
    if user is None or not user.is_active:
        raise InvalidInput(_("responsible: choose an active user."), field="responsible")
    return user


def check_reminder(remind_at, deadline) -> None:
    """T3: a reminder comes before the deadline, or it reminds of nothing."""
    if remind_at is not None and remind_at >= deadline:
        raise InvalidInput(_("remind_at: the reminder must come before the deadline."), field="remind_at")


def check_visible(actor, field: str, record) -> None:
    """R2: a task can only be put on a record the actor sees."""
    model = type(record)
    if not filter_visible(model._default_manager.filter(pk=record.pk), actor).exists():
        raise Forbidden(
            _("%(field)s: you cannot see this record, so you cannot put a task on it.") % {"field": field},
            field=field,
        )


def clean_links(actor, links: dict) -> dict:
    clean = {}
    for field in LINK_FIELDS:
        record = links.get(field)
        if record is None:
            continue
        expected = Task._meta.get_field(field).related_model
        if not isinstance(record, expected) or record.pk is None:
            raise InvalidInput(_("%(field)s: no such record.") % {"field": field}, field=field)
        if actor is not None:
            check_visible(actor, field, record)
        clean[field] = record
    return clean


def require_edit(actor, task: Task) -> None:
    if not task.can_edit(actor):
        raise Forbidden(_("Only the task's responsible, its author or their managers can change it."))


def lock_task(task: Task) -> Task:
    # the task row is the lock for its checklist too: completion sees a consistent list
    return Task.objects.select_for_update(of=("self",)).select_related("responsible").get(pk=task.pk)


def task_url(task: Task) -> str:
    return f"/tasks/{task.pk}/"


def local_time(moment: dt.datetime, user: User) -> str:
    try:
        zone = zoneinfo.ZoneInfo(user.time_zone or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def event_data(task: Task) -> dict:
    return {
        "task_id": task.pk,
        "title": task.title,
        "kind": task.kind,
        "deadline": task.deadline,
        "responsible_id": task.responsible_id,
        "responsible": task.responsible.display_name,
    }


def timeline_subjects(task: Task) -> list:
    return [task, *task.linked]
