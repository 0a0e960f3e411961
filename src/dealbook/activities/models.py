"""Tasks with checklists, and activities (calls, meetings, e-mails, visits) — T1–T3."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealbook.accounts.models import Role


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


ACTIVITY_KINDS = (TaskKind.CALL, TaskKind.MEETING, TaskKind.EMAIL, TaskKind.VISIT)
LINK_FIELDS = ("deal", "lead", "contact", "company")


class TaskQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=TaskStatus.OPEN)

    def overdue(self, now=None):
        """T3: open tasks past their deadline — the queryset twin of Task.is_overdue."""
        return self.filter(status=TaskStatus.OPEN, deadline__lt=now or timezone.now())

    def not_overdue(self, now=None):
        return self.exclude(status=TaskStatus.OPEN, deadline__lt=now or timezone.now())


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
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    deadline = models.DateTimeField(_("deadline"))
    remind_at = models.DateTimeField(_("reminder"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reminded at"))
    deal = models.ForeignKey(
        "crm.Deal",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tasks",
        verbose_name=_("deal"),
    )
    lead = models.ForeignKey(
        "crm.Lead",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tasks",
        verbose_name=_("lead"),
    )
    contact = models.ForeignKey(
        "crm.Contact",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tasks",
        verbose_name=_("contact"),
    )
    company = models.ForeignKey(
        "crm.Company",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tasks",
        verbose_name=_("company"),
    )
    result = models.TextField(_("result"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    completed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("completed at"))
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("completed by"),
    )

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["deadline", "id"]
        indexes = [
            models.Index(fields=["responsible", "status", "deadline"], name="task_resp_status_idx"),
            models.Index(fields=["responsible", "deadline"], name="task_resp_deadline_idx"),
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

    @property
    def linked(self) -> list:
        """Every record the task is linked to, for their timelines (T4)."""
        return [getattr(self, name) for name in LINK_FIELDS if getattr(self, f"{name}_id")]

    @property
    def is_open(self) -> bool:
        return self.status == TaskStatus.OPEN

    def checklist_counts(self) -> tuple[int, int]:
        """(done, total) of the checklist; uses the prefetched items when a list loaded them."""
        items = list(self.checklist.all())
        return sum(1 for item in items if item.is_done), len(items)

    @property
    def progress(self) -> str:
        """T2: "3 of 6" — empty when the task has no checklist."""
        done, total = self.checklist_counts()
        if not total:
            return ""
        return _("%(done)s of %(total)s") % {"done": done, "total": total}

    def can_edit(self, user) -> bool:
        """Who may change, complete or tick a task: its responsible and author, administrators and
        directors, and the group manager of the responsible's group (R1/R2). Seeing a task on a
        shared record is not enough to close someone else's work."""
        if user is None or not user.is_authenticated or not user.is_active:
            return False
        if user.is_superuser or user.role in (Role.ADMIN, Role.DIRECTOR):
            return True
        if user.pk in (self.responsible_id, self.created_by_id):
            return True
        return bool(
            user.role == Role.GROUP_MANAGER and user.group_id and user.group_id == self.responsible.group_id
        )


class ChecklistItem(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="checklist", verbose_name=_("task"))
    text = models.CharField(_("text"), max_length=500)
    sort = models.PositiveIntegerField(default=0, verbose_name=_("order"))
    is_done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(null=True, blank=True, verbose_name=_("done at"))
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("done by"),
    )

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["sort", "id"]

    def __str__(self) -> str:
        return self.text
