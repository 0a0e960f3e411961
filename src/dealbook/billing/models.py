"""Invoices, their lines, payments and closing documents (I1–I10, M1, X1, X3).

Lifecycles are code: a TextChoices status with the explicit map of allowed transitions next to
the model. Only billing.services change a status, after locking the row.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dealbook.catalog.models import PricedLineFields
from dealbook.core.models import TracksChanges

DEFAULT_PATTERN = "{year} / {seq}"  # the seed's "2018 / 943"


def new_token() -> str:
    """A public link token: 24 random bytes = 192 bits, so it cannot be guessed (I8)."""
    return secrets.token_urlsafe(24)


class SellerSettings(models.Model):
    """Per own legal entity: its number pattern (I1) and when invoices need approval (I5)."""

    seller = models.OneToOneField(
        "crm.Company", on_delete=models.CASCADE, related_name="billing_settings", verbose_name=_("seller")
    )
    number_pattern = models.CharField(_("invoice number pattern"), max_length=64, default=DEFAULT_PATTERN)
    closing_number_pattern = models.CharField(
        _("closing document number pattern"), max_length=64, default=DEFAULT_PATTERN
    )
    approval_required = models.BooleanField(_("every invoice needs approval"), default=False)
    approval_threshold = models.DecimalField(
        _("invoices from this amount need approval"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    due_days = models.PositiveSmallIntegerField(_("days to pay"), default=5)
    # X2: what a company may change on its print forms; images are stored under MEDIA_ROOT/print/
    logo = models.FileField(_("logo"), upload_to="print/", blank=True)
    signature = models.FileField(_("director's signature"), upload_to="print/", blank=True)
    signature_accountant = models.FileField(_("accountant's signature"), upload_to="print/", blank=True)
    stamp = models.FileField(_("stamp"), upload_to="print/", blank=True)
    accent_color = models.CharField(_("accent colour"), max_length=7, blank=True, help_text="#RRGGBB")
    header_text = models.TextField(_("text above the lines"), blank=True)
    footer_text = models.TextField(_("footer text"), blank=True)

    class Meta:
        verbose_name = _("seller billing settings")
        verbose_name_plural = _("seller billing settings")

    def __str__(self) -> str:
        return str(self.seller)


class PaymentForm(models.TextChoices):
    """I2: the payer decides — a company pays by bank transfer, a private contact in cash."""

    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CASH = "cash", _("Cash")


class InvoiceStatus(models.TextChoices):
    """I5. Overdue is not a status: it is derived from the due date (Invoice.is_overdue).
    Labels carry a context: in Russian they agree with "счёт" (masculine), unlike the same English
    words said of a proposal or a deal."""

    NEW = "new", pgettext_lazy("invoice status", "New")
    ON_APPROVAL = "on_approval", pgettext_lazy("invoice status", "On approval")
    APPROVED = "approved", pgettext_lazy("invoice status", "Approved")
    SENT = "sent", pgettext_lazy("invoice status", "Sent")
    PAID = "paid", pgettext_lazy("invoice status", "Paid")
    PAID_SHIPPED = "paid_shipped", pgettext_lazy("invoice status", "Paid and shipped")
    CANCELLED = "cancelled", pgettext_lazy("invoice status", "Cancelled")
    REFUNDED = "refunded", pgettext_lazy("invoice status", "Refunded")
    EXPORTED = "exported", pgettext_lazy("invoice status", "Exported")


S = InvoiceStatus
# I5 (and I3: nothing leads back to New). Guards beyond the map — approval, I4 parties, I6 exact
# payment, "unpaid only" for cancelling — are checked by the services.
ALLOWED: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.ON_APPROVAL, S.SENT, S.PAID, S.CANCELLED}),
    S.ON_APPROVAL: frozenset({S.APPROVED, S.CANCELLED}),
    S.APPROVED: frozenset({S.SENT, S.PAID, S.CANCELLED}),
    S.SENT: frozenset({S.PAID, S.CANCELLED}),
    S.PAID: frozenset({S.PAID_SHIPPED, S.REFUNDED, S.EXPORTED}),
    S.PAID_SHIPPED: frozenset({S.REFUNDED, S.EXPORTED}),
    S.EXPORTED: frozenset({S.REFUNDED}),
    S.CANCELLED: frozenset(),
    S.REFUNDED: frozenset(),
}
PAID_STATES = frozenset({S.PAID, S.PAID_SHIPPED, S.EXPORTED})
OPEN_STATES = frozenset({S.NEW, S.ON_APPROVAL, S.APPROVED, S.SENT})  # waiting for money


def can_transition(old: str, new: str) -> bool:
    return new in ALLOWED.get(old, frozenset())


def overdue_q(today) -> models.Q:
    """I5: overdue = still waiting for money past the due date. Lists filter with this; one loaded
    invoice answers the same through Invoice.is_overdue."""
    return models.Q(status__in=list(OPEN_STATES), due_date__lt=today)


class Invoice(TracksChanges):
    seller = models.ForeignKey(
        "crm.Company", verbose_name=_("seller"), on_delete=models.PROTECT, related_name="invoices_issued"
    )
    number = models.CharField(_("number"), max_length=64)
    year = models.PositiveIntegerField(_("numbering year"))
    seq = models.PositiveIntegerField(_("sequence number"))
    date = models.DateField(_("date"))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    title = models.CharField(_("subject"), max_length=255, blank=True)
    deal = models.ForeignKey(
        "crm.Deal",
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    payer_company = models.ForeignKey(
        "crm.Company",
        verbose_name=_("payer company"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices_payable",
    )
    payer_contact = models.ForeignKey(
        "crm.Contact",
        verbose_name=_("payer contact"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    payment_form = models.CharField(_("payment form"), max_length=16, choices=PaymentForm.choices)
    status = models.CharField(_("status"), max_length=16, choices=InvoiceStatus.choices, default=S.NEW)
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    # I10: units of the base currency per unit of `currency`, kept as it was when the invoice was made
    rate = models.DecimalField(_("exchange rate"), max_digits=18, decimal_places=6, default=Decimal("1"))
    tax_profile = models.ForeignKey(
        "catalog.TaxProfile", verbose_name=_("tax profile"), on_delete=models.PROTECT, related_name="+"
    )
    tax_date = models.DateField(_("tax date"))
    subtotal = models.DecimalField(max_digits=18, decimal_places=2, default=Decimal("0"))
    discount = models.DecimalField(max_digits=18, decimal_places=2, default=Decimal("0"))
    net = models.DecimalField(max_digits=18, decimal_places=2, default=Decimal("0"))
    tax = models.DecimalField(max_digits=18, decimal_places=2, default=Decimal("0"))
    total = models.DecimalField(_("total"), max_digits=18, decimal_places=2, default=Decimal("0"))
    paid_amount = models.DecimalField(_("paid"), max_digits=18, decimal_places=2, default=Decimal("0"))
    # I4: not lines; changeable until a UPD is requested, confirmed as the actual ones before Sent/Paid
    supplier = models.ForeignKey(
        "crm.Company",
        verbose_name=_("supplier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    carrier = models.ForeignKey(
        "crm.Company",
        verbose_name=_("carrier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    parties_confirmed = models.BooleanField(_("supplier and carrier are the actual ones"), default=False)
    upd_requested_at = models.DateTimeField(_("UPD requested"), null=True, blank=True)
    approval_required = models.BooleanField(_("needs approval"), default=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(_("manager's comment"), blank=True)
    # I9: invoices made together (bulk from templates, a billing run) share a batch label
    batch = models.CharField(_("batch"), max_length=64, blank=True, db_index=True)
    public_token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invoices",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    exported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-id"]
        constraints = [
            # I1: one number per seller, year and sequence value; the sequence makes them gapless
            models.UniqueConstraint(fields=["seller", "year", "seq"], name="invoice_unique_number"),
            models.CheckConstraint(
                condition=models.Q(payer_company__isnull=False) | models.Q(payer_contact__isnull=False),
                name="invoice_has_payer",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-id"], name="invoice_status_idx"),
            models.Index(fields=["responsible", "-id"], name="invoice_resp_idx"),
            models.Index(fields=["deal", "-id"], name="invoice_deal_idx"),
            models.Index(fields=["payer_company", "-id"], name="invoice_payer_idx"),
            models.Index(fields=["date", "id"], name="invoice_date_idx"),
            models.Index(fields=["due_date", "id"], name="invoice_due_idx"),
            models.Index(fields=["number"], name="invoice_number_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def customer_name(self) -> str:
        if self.payer_company_id:
            return self.payer_company.name
        return self.payer_contact.full_name if self.payer_contact_id else ""

    @property
    def balance(self) -> Decimal:
        return self.total - self.paid_amount

    def is_overdue(self, today=None) -> bool:
        """I5: overdue is derived — unpaid, not cancelled, past its due date. The one place it is decided."""
        today = today or timezone.localdate()
        return bool(self.due_date and self.status in OPEN_STATES and self.due_date < today)


class InvoiceLine(PricedLineFields):
    """A priced line (P1–P6): amounts come from core.tax, never typed."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CASH = "cash", _("Cash")
    CARD = "card", _("Card")
    OTHER = "other", _("Other")


class Payment(models.Model):
    """M1: money received — amount, date, method, reference — allocated to one or more invoices."""

    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    date = models.DateField(_("date"))
    method = models.CharField(_("method"), max_length=16, choices=PaymentMethod.choices)
    reference = models.CharField(_("reference"), max_length=120, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-id"]
        indexes = [models.Index(fields=["date", "id"], name="payment_date_idx")]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} {self.date}"


class PaymentAllocation(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["payment", "invoice"], name="allocation_unique"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="allocation_positive"),
        ]


class ClosingKind(models.TextChoices):
    ACT = "act", _("Act")
    UPD = "upd", _("UPD")


class ClosingStatus(models.TextChoices):
    ISSUED = "issued", pgettext_lazy("closing document status", "Issued")
    RECEIVED_SIGNED = "received_signed", pgettext_lazy("closing document status", "Received signed")


CLOSING_ALLOWED: dict[str, frozenset[str]] = {
    ClosingStatus.ISSUED: frozenset({ClosingStatus.RECEIVED_SIGNED}),
    ClosingStatus.RECEIVED_SIGNED: frozenset(),
}


class ClosingDocument(models.Model):
    """X1: an act (services) or UPD (goods and services) made from an invoice with its lines."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="closing_documents")
    kind = models.CharField(_("kind"), max_length=8, choices=ClosingKind.choices)
    seller = models.ForeignKey("crm.Company", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("number"), max_length=64)
    year = models.PositiveIntegerField()
    seq = models.PositiveIntegerField()
    date = models.DateField(_("date"))
    status = models.CharField(
        _("status"), max_length=16, choices=ClosingStatus.choices, default=ClosingStatus.ISSUED
    )
    upd_status = models.PositiveSmallIntegerField(
        _("UPD status"), default=1
    )  # 1: invoice-for-VAT too; 2: not
    net = models.DecimalField(max_digits=18, decimal_places=2, default=Decimal("0"))
    tax = models.DecimalField(max_digits=18, decimal_places=2, default=Decimal("0"))
    total = models.DecimalField(max_digits=18, decimal_places=2, default=Decimal("0"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("closing document")
        verbose_name_plural = _("closing documents")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["seller", "kind", "year", "seq"], name="closing_unique_number"),
            models.UniqueConstraint(fields=["invoice", "kind"], name="closing_one_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class ClosingDocumentLine(models.Model):
    document = models.ForeignKey(ClosingDocument, on_delete=models.CASCADE, related_name="lines")
    name = models.CharField(max_length=255)
    sort = models.PositiveIntegerField(default=0)
    quantity = models.DecimalField(max_digits=18, decimal_places=3)
    unit_name = models.CharField(max_length=32)
    price = models.DecimalField(max_digits=18, decimal_places=2)
    tax_rate = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    net = models.DecimalField(max_digits=18, decimal_places=2)
    tax = models.DecimalField(max_digits=18, decimal_places=2)
    total = models.DecimalField(max_digits=18, decimal_places=2)

    class Meta:
        ordering = ["sort", "id"]


class InvoiceTemplate(models.Model):
    """I11: a recurring set of lines for one payer; invoices are made from it, edited, or sent in
    bulk unchanged. (Issuing on a schedule comes with the background jobs.)"""

    name = models.CharField(_("name"), max_length=200)
    seller = models.ForeignKey(
        "crm.Company", verbose_name=_("seller"), on_delete=models.PROTECT, related_name="+"
    )
    payer_company = models.ForeignKey(
        "crm.Company",
        verbose_name=_("payer company"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    payer_contact = models.ForeignKey(
        "crm.Contact",
        verbose_name=_("payer contact"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    rate = models.DecimalField(_("exchange rate"), max_digits=18, decimal_places=6, default=Decimal("1"))
    tax_profile = models.ForeignKey(
        "catalog.TaxProfile", verbose_name=_("tax profile"), on_delete=models.PROTECT, related_name="+"
    )
    due_days = models.PositiveSmallIntegerField(_("days to pay"), null=True, blank=True)
    title = models.CharField(_("subject"), max_length=255, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    # I4 for invoices sent unchanged: the template states the actual supplier and carrier
    supplier = models.ForeignKey(
        "crm.Company",
        verbose_name=_("supplier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    carrier = models.ForeignKey(
        "crm.Company",
        verbose_name=_("carrier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("invoice template")
        verbose_name_plural = _("invoice templates")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(payer_company__isnull=False) | models.Q(payer_contact__isnull=False),
                name="invoicetemplate_has_payer",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class InvoiceTemplateLine(models.Model):
    """What to bill; priced when an invoice is made (the rate in force on its date, P3)."""

    template = models.ForeignKey(InvoiceTemplate, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    sort = models.PositiveIntegerField(default=0)
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=3)
    price = models.DecimalField(_("price"), max_digits=18, decimal_places=2, null=True, blank=True)
    discount_kind = models.CharField(_("discount kind"), max_length=8, blank=True)
    discount_value = models.DecimalField(_("discount"), max_digits=18, decimal_places=2, default=Decimal("0"))

    class Meta:
        ordering = ["sort", "id"]


class EmailTemplateKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    PROPOSAL = "proposal", _("Proposal")
    CLOSING = "closing", _("Closing document")


class EmailTemplate(models.Model):
    """I8/Q2: the editable subject and body of the e-mails that carry documents. Placeholders are
    `{name}` from a fixed list per kind (never template code); a seller's own template wins over
    the default one (seller empty) in the same language."""

    kind = models.CharField(_("document"), max_length=16, choices=EmailTemplateKind.choices)
    language = models.CharField(_("language"), max_length=8, default="ru")
    seller = models.ForeignKey(
        "crm.Company",
        verbose_name=_("seller"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("e-mail template")
        verbose_name_plural = _("e-mail templates")
        ordering = ["kind", "language", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "language", "seller"], name="emailtemplate_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.language})"
