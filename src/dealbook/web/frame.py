"""What the page frame shows around every page: counters on the sidebar and the bell."""

from __future__ import annotations

from django.utils import timezone

from dealbook.accounts.models import Notification
from dealbook.activities.models import Task
from dealbook.crm.models import Stage
from dealbook.crm.queries.deals import visible_deals

CAP = 100  # a counter shows "99+" beyond this; the capped count stays an index range scan


def _capped(qs) -> int:
    return qs[:CAP].count()


def counts(user) -> dict:
    """New deals waiting for a responsible (that the user sees), the user's overdue tasks, and their
    unread notifications."""
    new_deals = _capped(
        visible_deals(user).filter(stage_id__in=Stage.objects.filter(code="new").values("pk")).values("pk")
    )
    overdue = _capped(Task.objects.overdue(timezone.now()).filter(responsible=user).values("pk"))
    unread = _capped(Notification.objects.filter(user=user, read_at__isnull=True).values("pk"))
    return {"new_deals": new_deals, "overdue_tasks": overdue, "unread": unread, "cap": CAP}
