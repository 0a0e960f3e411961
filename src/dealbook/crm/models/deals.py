"""Pipelines, stages, deals, lines and the running stage totals (D1–D8, P1–P6)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Pipeline(models.Model):
    """A business direction (D1), e.g. ЖБИ or Нерудные материалы."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    sort = models.PositiveIntegerField(_("order"), default=0)
    is_default = models.BooleanField(_("default"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        ordering = ["sort", "id"]

    def __str__(self) -> str:
        return self.name


class StageKind(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Stage(models.Model):
    """An ordered step of a pipeline. `code` names the step for rules (assigned, invoice_paid …)."""

    pipeline = models.ForeignKey(
        Pipeline, on_delete=models.CASCADE, related_name="stages", verbose_name=_("direction")
    )
    name = models.CharField(_("name"), max_length=120)
    code = models.SlugField(_("code"), max_length=40)
    sort = models.PositiveIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=8, choices=StageKind.choices, default=StageKind.OPEN)
    color = models.CharField(_("colour"), max_length=7, default="#6b7b93")

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["pipeline", "sort", "id"]
        constraints = [models.UniqueConstraint(fields=["pipeline", "code"], name="stage_unique_code")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.kind != StageKind.OPEN


class LostReason(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    sort = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("loss reason")
        verbose_name_plural = _("loss reasons")
        ordering = ["sort", "name"]

    def __str__(self) -> str:
        return self.name


class Source(models.Model):
    """Where a lead or deal came from (L1, D5): call, web form, referral …"""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    sort = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["sort", "name"]

    def __str__(self) -> str:
        return self.name


class RoutingRule(models.Model):
    """D3: which manager takes a deal of a direction (and segment). Most specific, then priority."""

    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("direction"), on_delete=models.CASCADE, related_name="+"
    )
    segment = models.ForeignKey(
        "crm.Segment",
        verbose_name=_("segment"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("responsible"), on_delete=models.CASCADE, related_name="+"
    )
    priority = models.PositiveIntegerField(_("priority"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["pipeline", "priority", "id"]

    def __str__(self) -> str:
        return f"{self.pipeline} / {self.segment or '*'} → {self.responsible}"


class DealType(models.TextChoices):
    GOODS = "goods", _("Goods")
    SERVICES = "services", _("Services")
    MIXED = "mixed", _("Goods and services")


class Deal(models.Model):
    title = models.CharField(_("title"), max_length=255)
    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("direction"), on_delete=models.PROTECT, related_name="deals"
    )
    stage = models.ForeignKey(Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="deals")
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    is_shared = models.BooleanField(_("available to everyone"), default=False)
    company = models.ForeignKey(
        "crm.Company",
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    contacts = models.ManyToManyField(
        "crm.Contact", through="crm.DealContact", related_name="deals", blank=True, verbose_name=_("contacts")
    )
    # D4: amount is the sum of the lines (kept equal by the line services; tests recount)
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2, default=Decimal("0"))
    tax_amount = models.DecimalField(_("tax"), max_digits=18, decimal_places=2, default=Decimal("0"))
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    tax_profile = models.ForeignKey(
        "catalog.TaxProfile", verbose_name=_("tax profile"), on_delete=models.PROTECT, related_name="+"
    )
    tax_date = models.DateField(_("tax date"))  # the rate in force on this date applies (P3)
    location = models.CharField(_("location"), max_length=255, blank=True)
    delivery_address = models.CharField(_("delivery address"), max_length=500, blank=True)
    source = models.ForeignKey(
        Source, verbose_name=_("source"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deal_type = models.CharField(_("type"), max_length=16, choices=DealType.choices, default=DealType.GOODS)
    begin_date = models.DateField(_("start date"), null=True, blank=True)
    close_date = models.DateField(_("expected close date"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    probability = models.PositiveSmallIntegerField(_("probability, %"), null=True, blank=True)
    lost_reason = models.ForeignKey(
        LostReason,
        verbose_name=_("loss reason"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lost_comment = models.TextField(_("loss comment"), blank=True)
    lead = models.ForeignKey(
        "crm.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("lead")
    )
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
    stage_changed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("stage changed at"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["stage", "-id"], name="deal_stage_idx"),
            models.Index(fields=["responsible", "stage", "-id"], name="deal_resp_stage_idx"),
            models.Index(fields=["pipeline", "-id"], name="deal_pipeline_idx"),
            models.Index(fields=["responsible", "-id"], name="deal_resp_idx"),
            models.Index(fields=["company", "-id"], name="deal_company_idx"),
            models.Index(fields=["is_shared", "stage", "-id"], name="deal_shared_stage_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def is_closed(self) -> bool:
        return self.stage.kind != StageKind.OPEN


class DealContact(models.Model):
    """C5: several contacts per deal (the director and the actual buyer), one primary."""

    deal = models.ForeignKey(
        Deal, on_delete=models.CASCADE, related_name="deal_contacts", verbose_name=_("deal")
    )
    contact = models.ForeignKey(
        "crm.Contact", on_delete=models.CASCADE, related_name="deal_links", verbose_name=_("contact")
    )
    is_primary = models.BooleanField(_("primary"), default=False)
    role = models.CharField(_("role"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("deal contact")
        verbose_name_plural = _("deal contacts")
        constraints = [models.UniqueConstraint(fields=["deal", "contact"], name="dealcontact_unique")]
        ordering = ["-is_primary", "id"]


class DealLine(models.Model):
    """A priced line of a deal (P1–P6); the amounts are computed by core.tax, never typed."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="lines", verbose_name=_("deal"))
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    name = models.CharField(_("name"), max_length=255)
    sort = models.PositiveIntegerField(default=0, verbose_name=_("order"))
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=3)
    unit = models.ForeignKey(
        "catalog.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    price = models.DecimalField(_("price"), max_digits=18, decimal_places=2)
    discount_kind = models.CharField(_("discount kind"), max_length=8, blank=True)  # "", percent, amount
    discount_value = models.DecimalField(_("discount"), max_digits=18, decimal_places=2, default=Decimal("0"))
    show_discount = models.BooleanField(_("show discount on documents"), default=True)
    tax_kind = models.CharField(_("tax"), max_length=16)
    tax_rate = models.DecimalField(_("tax rate, %"), max_digits=6, decimal_places=3, null=True, blank=True)
    price_includes_tax = models.BooleanField(_("price includes tax"), default=True)
    subtotal = models.DecimalField(max_digits=18, decimal_places=2, verbose_name=_("subtotal"))
    discount_amount = models.DecimalField(max_digits=18, decimal_places=2, verbose_name=_("discount amount"))
    net = models.DecimalField(max_digits=18, decimal_places=2, verbose_name=_("amount without tax"))
    tax = models.DecimalField(max_digits=18, decimal_places=2, verbose_name=_("tax amount"))
    total = models.DecimalField(max_digits=18, decimal_places=2, verbose_name=_("total"))

    class Meta:
        verbose_name = _("deal line")
        verbose_name_plural = _("deal lines")
        ordering = ["sort", "id"]

    def __str__(self) -> str:
        return self.name


class StageTotal(models.Model):
    """Exact running count and sum per (stage, responsible, shared, currency) for kanban headers.

    Updated in the same transaction as every deal change (crm.totals); tests compare with a recount.
    `responsible_key` is the responsible user's id or 0 for unassigned (no NULL in the unique key).
    """

    pipeline = models.ForeignKey(
        Pipeline, on_delete=models.CASCADE, related_name="+", verbose_name=_("direction")
    )
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="+", verbose_name=_("stage"))
    responsible_key = models.BigIntegerField(default=0, verbose_name=_("responsible key"))
    is_shared = models.BooleanField(default=False, verbose_name=_("available to everyone"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    count = models.BigIntegerField(default=0, verbose_name=_("count"))
    amount = models.DecimalField(
        max_digits=20, decimal_places=2, default=Decimal("0"), verbose_name=_("amount")
    )

    class Meta:
        verbose_name = _("stage total")
        verbose_name_plural = _("stage totals")
        constraints = [
            models.UniqueConstraint(
                fields=["stage", "responsible_key", "is_shared", "currency"], name="stagetotal_unique"
            )
        ]
        indexes = [models.Index(fields=["pipeline", "stage"], name="stagetotal_pipeline_idx")]
