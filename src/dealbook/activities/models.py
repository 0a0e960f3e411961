"""Tasks with checklists, and activities (calls, meetings, e-mails, visits) — T1–T3."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TaskKind(models.TextChoices):
    TASK = "task", _("Task")
    INTAKE = "intake", _("Take the incoming deal")
    CALL = "call", _("Call")
    MEETING = "meeting", _("Meeting")
    EMAIL = "email", _("E-mail")
    VISIT = "visit", _("Visit")
    FOLLOW_UP = "follow_up", _("Follow-up call")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Task(models.Model):
    """Planned work with a deadline, linked to at most one record of each kind."""

    kind = models.CharField(_("kind"), max_length=16, choices=TaskKind.choices, default=TaskKind.TASK)
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deadline = models.DateTimeField(_("deadline"))
    remind_at = models.DateTimeField(_("reminder"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    deal = models.ForeignKey(
        "crm.Deal", null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    lead = models.ForeignKey(
        "crm.Lead", null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    company = models.ForeignKey(
        "crm.Company", null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    result = models.TextField(_("result"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["deadline", "id"]
        indexes = [
            models.Index(fields=["responsible", "status", "deadline"], name="task_resp_status_idx"),
            models.Index(fields=["status", "remind_at"], name="task_remind_idx"),
            models.Index(fields=["deal", "status"], name="task_deal_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, now=None) -> bool:
        """T3: an open task past its deadline (the one place overdue is decided)."""
        return self.status == TaskStatus.OPEN and self.deadline < (now or timezone.now())

    @property
    def subject(self):
        return self.deal or self.lead or self.contact or self.company


class ChecklistItem(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="checklist")
    text = models.CharField(_("text"), max_length=500)
    sort = models.PositiveIntegerField(default=0)
    is_done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["sort", "id"]

    def __str__(self) -> str:
        return self.text
