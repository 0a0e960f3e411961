"""Timeline events, attachments and numbering sequences: facts every app writes through core."""

from __future__ import annotations

import copy

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


def _snapshot(value):
    """What TracksChanges remembers of a value: a copy of a dict or list (JSON can change in place)."""
    return copy.deepcopy(value) if isinstance(value, dict | list) else value


class TracksChanges(models.Model):
    """A row that remembers the values it was loaded with, so a service saves only the columns it
    changed (save_changes): a status change writes a few columns, not the forty of an invoice,
    and Django builds a short UPDATE instead of a wide one on every action."""

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # a dict or list (JSON) may be changed in place: remember a copy, not the same object
        instance._loaded_values = {name: _snapshot(v) for name, v in zip(field_names, values, strict=True)}
        return instance

    def changed_fields(self) -> list[str] | None:
        """Columns whose value differs from the loaded one (deferred ones only if set since); None
        for a row that was not loaded from the database."""
        loaded = getattr(self, "_loaded_values", None)
        if loaded is None or self._state.adding:
            return None
        changed = []
        for field in self._meta.concrete_fields:
            name = field.attname
            if field.primary_key or name not in self.__dict__:
                continue
            if name not in loaded or getattr(self, name) != loaded[name]:
                changed.append(name)
        return changed

    def save_changes(self) -> None:
        """Save the changed columns (with the auto_now ones); a row not loaded here saves whole."""
        changed = self.changed_fields()
        if changed is None:
            self.save()
            return
        from dealbook.core.sqlcache import save_columns

        stamps = [f.attname for f in self._meta.concrete_fields if getattr(f, "auto_now", False)]
        save_columns(self, [*changed, *(s for s in stamps if s not in changed)])
        self._loaded_values.update({name: _snapshot(getattr(self, name)) for name in (*changed, *stamps)})


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Changed")
    COMMENT = "comment", _("Comment")
    STAGE_CHANGED = "stage_changed", _("Stage changed")
    RESPONSIBLE_CHANGED = "responsible_changed", _("Responsible changed")
    LINK_ADDED = "link_added", _("Link added")
    LINK_REMOVED = "link_removed", _("Link removed")
    CONVERTED = "converted", _("Lead converted")
    LINE_ADDED = "line_added", _("Line added")
    LINE_CHANGED = "line_changed", _("Line changed")
    LINE_REMOVED = "line_removed", _("Line removed")
    FILE_ATTACHED = "file_attached", _("File attached")
    TASK_CREATED = "task_created", _("Task created")
    TASK_COMPLETED = "task_completed", _("Task completed")
    TASK_REOPENED = "task_reopened", _("Task reopened")
    ACTIVITY = "activity", _("Activity")
    REQUEST_FILED = "request_filed", _("Counterparty request filed")
    REQUEST_COMPLETED = "request_completed", _("Counterparty request completed")
    STATUS_CHANGED = "status_changed", _("Status changed")
    PAYMENT_RECORDED = "payment_recorded", _("Payment recorded")
    CLOSING_DOCUMENT_ISSUED = "closing_document_issued", _("Closing document issued")
    CLOSING_DOCUMENT_RECEIVED = "closing_document_received", _("Closing document received")
    STAGE_NOT_ADVANCED = "stage_not_advanced", _("Stage not advanced")
    EMAIL_SENT = "email_sent", _("E-mail sent")
    PROPOSAL_SENT = "proposal_sent", _("Proposal sent")
    PROPOSAL_VIEWED = "proposal_viewed", _("Proposal viewed")
    PROPOSAL_ACCEPTED = "proposal_accepted", _("Proposal signed")
    PROPOSAL_DECLINED = "proposal_declined", _("Proposal declined")
    PROPOSAL_EXPIRED = "proposal_expired", _("Proposal expired")
    DOCUMENT_GENERATED = "document_generated", _("Document generated")
    MERGED = "merged", _("Records merged")
    COPIED = "copied", _("Copied")
    DELETED = "deleted", _("Deleted")


class Event(models.Model):
    """One entry on a record's timeline (T4, D2, R3): who, when, what, from, to.

    An action that concerns several records (a lead converted into a deal and a contact) writes
    one row per record sharing the same `group`. `processed_at` is the outbox marker automation
    and webhooks use so nothing is lost or run twice.
    """

    subject_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+", verbose_name=_("record type")
    )
    subject_id = models.BigIntegerField(verbose_name=_("record id"))
    kind = models.CharField(max_length=40, choices=EventKind.choices, verbose_name=_("kind"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("created at"))
    text = models.TextField(blank=True, verbose_name=_("text"))
    data = models.JSONField(default=dict, blank=True, verbose_name=_("data"))
    group = models.UUIDField(null=True, blank=True, db_index=True, verbose_name=_("group"))
    edited_at = models.DateTimeField(null=True, blank=True, verbose_name=_("edited at"))
    processed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("processed at"))

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "-id"], name="event_subject_idx"),
            models.Index(fields=["processed_at", "id"], name="event_outbox_idx"),
        ]
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.subject_id}"


def upload_to(instance, filename: str) -> str:
    return f"attachments/{instance.subject_type.model}/{instance.subject_id}/{filename}"


class Attachment(models.Model):
    """A file on a record (D5: photos, drawings, company card), shown on its timeline."""

    class Purpose(models.TextChoices):
        FILE = "file", _("File")
        PHOTO = "photo", _("Photo")
        DRAWING = "drawing", _("Drawing")
        COMPANY_CARD = "company_card", _("Company card")

    subject_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+", verbose_name=_("record type")
    )
    subject_id = models.BigIntegerField(verbose_name=_("record id"))
    file = models.FileField(upload_to=upload_to, max_length=300, verbose_name=_("file"))
    name = models.CharField(max_length=255, verbose_name=_("name"))
    size = models.PositiveBigIntegerField(default=0, verbose_name=_("size"))
    mime_type = models.CharField(max_length=120, blank=True, verbose_name=_("MIME type"))
    purpose = models.CharField(
        max_length=20, choices=Purpose.choices, default=Purpose.FILE, verbose_name=_("purpose")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="attachment_subject_idx")]

    def __str__(self) -> str:
        return self.name


class Sequence(models.Model):
    """Gapless numbering per (scope, document type, year); incremented under a row lock (I1)."""

    scope = models.CharField(max_length=64, verbose_name=_("scope"))
    doc_type = models.CharField(max_length=32, verbose_name=_("document type"))
    year = models.PositiveIntegerField(verbose_name=_("year"))
    last = models.PositiveBigIntegerField(default=0, verbose_name=_("last number"))

    class Meta:
        verbose_name = _("numbering sequence")
        verbose_name_plural = _("numbering sequences")
        constraints = [
            models.UniqueConstraint(fields=["scope", "doc_type", "year"], name="sequence_unique_scope")
        ]
