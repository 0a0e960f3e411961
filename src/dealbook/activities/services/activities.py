"""Logged activities (T4) and reminders (T3)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealbook.accounts.services import notify
from dealbook.activities.models import ACTIVITY_KINDS, Task, TaskStatus
from dealbook.activities.services.common import (
    TITLE_MAX,
    clean_kind,
    clean_links,
    clean_moment,
    clean_text,
    local_time,
    task_url,
    timeline_subjects,
)
from dealbook.core import timeline
from dealbook.core.errors import InvalidInput
from dealbook.core.models import EventKind

# ---- activities (T3, T4) ---------------------------------------------------------------------------


@transaction.atomic
def activity_log(
    *,
    actor,
    kind: str,
    subject: str,
    deal=None,
    lead=None,
    contact=None,
    company=None,
    result: str = "",
    description: str = "",
    done_at=None,
) -> Task:
    """T4: a call, meeting, e-mail or visit that already happened, on the records it concerns.

    Stored as a done Task of that kind, so planned and done activities share one calendar (T3).
    """
    kind = clean_kind(kind, allowed=[k.value for k in ACTIVITY_KINDS])
    title = clean_text(subject, "subject", required=True, limit=TITLE_MAX)
    result = clean_text(result, "result", required=False)
    description = clean_text(description, "description", required=False)
    now = timezone.now()
    when = clean_moment(done_at, "done_at", required=False) or now
    if when > now + dt.timedelta(minutes=5):
        raise InvalidInput(
            _("done_at: a logged activity cannot be in the future; plan a task."), field="done_at"
        )
    links = clean_links(actor, {"deal": deal, "lead": lead, "contact": contact, "company": company})
    if not links:
        raise InvalidInput(_("deal: choose the record the activity belongs to."), field="deal")
    task = Task.objects.create(
        kind=kind,
        title=title,
        description=description,
        status=TaskStatus.DONE,
        responsible=actor,
        created_by=actor,
        deadline=when,
        completed_at=when,
        completed_by=actor,
        result=result,
        **links,
    )
    timeline.record_many(
        timeline_subjects(task),
        EventKind.ACTIVITY,
        actor=actor,
        text=result,
        data={"task_id": task.pk, "kind": kind, "subject": title, "result": result, "done_at": when},
    )
    return task


# ---- reminders (T3) --------------------------------------------------------------------------------


@transaction.atomic
def task_send_reminders(*, now: dt.datetime | None = None) -> int:
    """T3: tell each responsible about their tasks whose reminder time has come, once per reminder.

    Safe to run from several workers: rows are locked and skipped when another worker holds them.
    """
    from dealbook.activities.queries import tasks_due_for_reminder

    now = now or timezone.now()
    tasks = list(
        tasks_due_for_reminder(now)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("responsible")
        .order_by("remind_at", "id")[:500]
    )
    for task in tasks:
        notify(
            user=task.responsible,
            kind="task_reminder",
            text=_("Reminder: %(title)s, due %(deadline)s")
            % {"title": task.title, "deadline": local_time(task.deadline, task.responsible)},
            url=task_url(task),
        )
    Task.objects.filter(pk__in=[t.pk for t in tasks]).update(reminded_at=now)
    return len(tasks)
