from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    IN_WORK = "in_work", _("In work")
    CONVERTED = "converted", _("Converted")
    JUNK = "junk", _("Junk")


class LeadChannel(models.TextChoices):
    """How a lead arrived (L1); the channel is kept beside the marketing source."""

    MANUAL = "manual", _("By hand")
    API = "api", _("API")
    WEB_FORM = "web_form", _("Web form")
    CALL = "call", _("Phone call")
    EMAIL = "email", _("Inbound e-mail")


class Lead(models.Model):
    """A cold inbound signal (L1); its number is its id (the seed's "Lead No. 33082")."""

    title = models.CharField(_("title"), max_length=255)
    status = models.CharField(_("status"), max_length=16, choices=LeadStatus.choices, default=LeadStatus.NEW)
    source = models.ForeignKey(
        "crm.Source",
        verbose_name=_("source"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=LeadChannel.choices, default=LeadChannel.MANUAL
    )
    name = models.CharField(_("contact name"), max_length=255, blank=True)
    company_name = models.CharField(_("company name"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=64, blank=True)
    phone_normalized = models.CharField(
        max_length=32, blank=True, db_index=True, verbose_name=_("normalized phone")
    )
    email = models.CharField(_("e-mail"), max_length=255, blank=True)
    email_normalized = models.CharField(
        max_length=255, blank=True, db_index=True, verbose_name=_("normalized e-mail")
    )
    inn = models.CharField(_("INN"), max_length=12, blank=True, db_index=True)
    comment = models.TextField(_("comment"), blank=True)
    pipeline = models.ForeignKey(
        "crm.Pipeline",
        verbose_name=_("direction"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    is_shared = models.BooleanField(_("available to everyone"), default=False)
    external_id = models.CharField(_("external id"), max_length=120, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    converted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("converted at"))
    deal = models.ForeignKey(
        "crm.Deal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("deal")
    )
    contact = models.ForeignKey(
        "crm.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        verbose_name=_("contact"),
    )
    company = models.ForeignKey(
        "crm.Company",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        verbose_name=_("company"),
    )

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "-id"], name="lead_status_idx"),
            models.Index(fields=["responsible", "-id"], name="lead_resp_idx"),
            # R2: a sales manager's list is "own OR shared"; each side of the OR has its index
            models.Index(fields=["is_shared", "-id"], name="lead_shared_idx"),
            models.Index(fields=["channel", "-id"], name="lead_channel_idx"),
        ]
        constraints = [
            # L1: an integration that retries delivery must not create the same lead twice
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~models.Q(external_id=""),
                name="lead_unique_external_id",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"
