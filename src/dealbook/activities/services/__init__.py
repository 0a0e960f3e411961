"""Task and activity writes (T1–T4): creation, checklists, completion, reminders, intake tasks.

Every write is checked against R1/R2, recorded on the timelines it concerns (the task's own and the
linked records', R3/T4) and tells the responsible user what changed for them.
"""

from dealbook.activities.services.activities import activity_log, task_send_reminders
from dealbook.activities.services.checklists import (
    checklist_add,
    checklist_edit,
    checklist_remove,
    checklist_toggle,
    checklist_update,
)
from dealbook.activities.services.intake import intake_task_ensure, on_deal_assigned, on_deal_created
from dealbook.activities.services.tasks import task_complete, task_create, task_reopen, task_update

__all__ = [
    "activity_log",
    "checklist_add",
    "checklist_edit",
    "checklist_remove",
    "checklist_toggle",
    "checklist_update",
    "intake_task_ensure",
    "on_deal_assigned",
    "on_deal_created",
    "task_complete",
    "task_create",
    "task_reopen",
    "task_send_reminders",
    "task_update",
]
