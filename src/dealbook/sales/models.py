"""Proposals, their lines and the client's electronic signature (Q1–Q3).

The lifecycle is code: a TextChoices status with the explicit map of allowed transitions next to
the model. Only sales.services change a status, after locking the row.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealbook.catalog.models import PricedLineFields
from dealbook.core.models import TracksChanges


def new_token() -> str:
    """The public link's token: 24 random bytes = 192 bits, so it cannot be guessed (Q2)."""
    return secrets.token_urlsafe(24)


class ProposalStatus(models.TextChoices):
    """Q1. Draft → Sent → Viewed → Accepted / Declined / Expired."""

    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    VIEWED = "viewed", _("Viewed")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")


S = ProposalStatus
# Q1: the only moves a proposal makes. Sending again keeps the status; nothing leads back to Draft.
ALLOWED: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SENT}),
    S.SENT: frozenset({S.VIEWED, S.ACCEPTED, S.DECLINED, S.EXPIRED}),
    S.VIEWED: frozenset({S.ACCEPTED, S.DECLINED, S.EXPIRED}),
    S.ACCEPTED: frozenset(),
    S.DECLINED: frozenset(),
    S.EXPIRED: frozenset(),
}
# the client can answer (sign or decline) only while the proposal waits for an answer
OPEN_STATES = frozenset({S.SENT, S.VIEWED})


def can_transition(old: str, new: str) -> bool:
    return new in ALLOWED.get(old, frozenset())


def document_upload_to(instance, filename: str) -> str:
    return f"proposals/documents/{instance.pk}/{filename}"


class Proposal(TracksChanges):
    seller = models.ForeignKey(
        "crm.Company", verbose_name=_("seller"), on_delete=models.PROTECT, related_name="proposals_issued"
    )
    number = models.CharField(_("number"), max_length=64)
    year = models.PositiveIntegerField(_("numbering year"))
    seq = models.PositiveIntegerField(_("sequence number"))
    date = models.DateField(_("date"))
    valid_until = models.DateField(_("valid until"))
    title = models.CharField(_("subject"), max_length=255, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    deal = models.ForeignKey(
        "crm.Deal",
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proposals",
    )
    payer_company = models.ForeignKey(
        "crm.Company",
        verbose_name=_("client company"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proposals",
    )
    payer_contact = models.ForeignKey(
        "crm.Contact",
        verbose_name=_("client contact"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proposals",
    )
    status = models.CharField(_("status"), max_length=16, choices=ProposalStatus.choices, default=S.DRAFT)
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    tax_profile = models.ForeignKey(
        "catalog.TaxProfile", verbose_name=_("tax profile"), on_delete=models.PROTECT, related_name="+"
    )
    tax_date = models.DateField(_("tax date"))
    subtotal = models.DecimalField(max_digits=18, decimal_places=2, default=Decimal("0"))
    discount = models.DecimalField(max_digits=18, decimal_places=2, default=Decimal("0"))
    net = models.DecimalField(max_digits=18, decimal_places=2, default=Decimal("0"))
    tax = models.DecimalField(_("tax"), max_digits=18, decimal_places=2, default=Decimal("0"))
    total = models.DecimalField(_("total"), max_digits=18, decimal_places=2, default=Decimal("0"))
    public_token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    link_expires_at = models.DateTimeField(_("link expires"), null=True, blank=True)
    # Q3: the invoice made from this proposal (on signature or by hand); one at most
    invoice = models.ForeignKey(
        "billing.Invoice",
        verbose_name=_("invoice"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    # Q1/Q2: rendered once when the proposal leaves Draft (it cannot change afterwards); the public
    # page, the downloads and the signature all use these stored bytes and their SHA-256
    document = models.FileField(
        _("sent document"), upload_to=document_upload_to, max_length=300, blank=True, editable=False
    )
    document_sha256 = models.CharField(
        _("SHA-256 of the sent document"), max_length=64, blank=True, editable=False
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposals",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    viewed_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["seller", "year", "seq"], name="proposal_unique_number"),
        ]
        indexes = [
            models.Index(fields=["status", "-id"], name="proposal_status_idx"),
            models.Index(fields=["responsible", "-id"], name="proposal_resp_idx"),
            models.Index(fields=["deal", "-id"], name="proposal_deal_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def client_name(self) -> str:
        if self.payer_company_id:
            return self.payer_company.name
        return self.payer_contact.full_name if self.payer_contact_id else ""

    @property
    def status_name(self) -> str:
        return self.get_status_display()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    def is_past_validity(self, today=None) -> bool:
        """Q1: past its validity date a proposal waiting for an answer is expired."""
        today = today or timezone.localdate()
        return self.valid_until < today

    def link_expired(self, now=None) -> bool:
        now = now or timezone.now()
        return self.link_expires_at is not None and self.link_expires_at <= now


class ProposalLine(PricedLineFields):
    """A priced line (P1–P6), as on an invoice: the amounts come from core.tax, never typed."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="lines")

    class Meta(PricedLineFields.Meta):
        verbose_name = _("proposal line")
        verbose_name_plural = _("proposal lines")


def signed_upload_to(instance, filename: str) -> str:
    return f"proposals/signed/{instance.proposal_id}/{filename}"


class ProposalSignature(models.Model):
    """Q2: the client's simple electronic signature — typed full name and consent, with the time,
    IP address, user agent and the SHA-256 of the exact PDF the client was shown."""

    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="signature")
    signer_name = models.CharField(_("signer"), max_length=255)
    consent = models.BooleanField(_("consent given"))
    signed_at = models.DateTimeField(_("signed at"))
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)
    document_sha256 = models.CharField(_("SHA-256 of the signed document"), max_length=64)
    # what the certificate page states besides the above, fixed at signing: the certificate is
    # built later (on first download) from this record alone, and always reads the same
    language = models.CharField(_("language"), max_length=2, blank=True)
    document_label = models.CharField(_("document"), max_length=255, blank=True)
    seller_name = models.CharField(_("seller"), max_length=255, blank=True)
    # the stored document with the certificate page appended, made on first need
    signed_pdf = models.FileField(_("signed PDF"), upload_to=signed_upload_to, max_length=300, blank=True)

    class Meta:
        verbose_name = _("proposal signature")
        verbose_name_plural = _("proposal signatures")

    def __str__(self) -> str:
        return f"{self.signer_name} {self.signed_at:%Y-%m-%d %H:%M}"
