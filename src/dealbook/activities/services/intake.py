"""The intake task of a new deal (T1), driven by the crm hooks registered in AppConfig.ready()."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from dealbook.activities.models import Task, TaskKind
from dealbook.activities.services.common import TITLE_MAX
from dealbook.activities.services.tasks import insert_task
from dealbook.core import timeline
from dealbook.core.models import EventKind

# ---- the intake task (T1) --------------------------------------------------------------------------


def intake_task_ensure(*, deal, actor=None) -> Task | None:
    """T1 (step 20): the deal's responsible must take it within DEALBOOK_INTAKE_TASK_MINUTES.

    Called from the crm hooks inside the deal's transaction: creates the intake task once the deal
    has a responsible, and hands the open intake task to a new responsible (with a fresh intake time)
    when the deal is reassigned. A task already done stays with whoever did it.
    """
    if deal.responsible_id is None:
        return None
    task = Task.objects.select_for_update().filter(deal=deal, kind=TaskKind.INTAKE).order_by("-id").first()
    minutes = int(getattr(settings, "DEALBOOK_INTAKE_TASK_MINUTES", 10))
    due = timezone.now() + dt.timedelta(minutes=minutes)
    if task is None:
        if deal.stage.is_closed:
            return None
        title = _("Take the incoming deal: %(title)s") % {"title": deal.title}
        return insert_task(
            actor=actor,
            title=title[:TITLE_MAX],
            deadline=due,
            responsible=deal.responsible,
            kind=TaskKind.INTAKE,
            links={"deal": deal},
            # the deal's own assignment notice (D3) already tells the manager; one message, not two
            announce=False,
        )
    if task.is_open and task.responsible_id != deal.responsible_id:
        old = task.responsible
        task.responsible = deal.responsible
        # the new manager gets the full intake time too; the old deadline stays on the timeline
        if task.deadline < due:
            timeline.change(task, "deadline", task.deadline, due, actor=actor)
            task.deadline = due
        task.save(update_fields=["responsible", "deadline"])
        timeline.change(
            task,
            "responsible",
            {"id": old.pk, "name": old.display_name},
            {"id": deal.responsible.pk, "name": deal.responsible.display_name},
            actor=actor,
            kind=EventKind.RESPONSIBLE_CHANGED,
        )
    return task


def on_deal_created(*, deal, actor=None, **_kwargs) -> None:
    intake_task_ensure(deal=deal, actor=actor)


def on_deal_assigned(*, deal, actor=None, **_kwargs) -> None:
    intake_task_ensure(deal=deal, actor=actor)
