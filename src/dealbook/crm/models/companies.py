"""Companies (counterparties and our own legal entities), requisites, bank accounts (C1, C2, C4)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Segment(models.Model):
    """Industry segment of a company (C1): a configurable list."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    sort = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["sort", "name"]

    def __str__(self) -> str:
        return self.name


class CompanyKind(models.TextChoices):
    BUYER = "buyer", _("Buyer")
    SUPPLIER = "supplier", _("Supplier")
    BOTH = "both", _("Buyer and supplier")
    CARRIER = "carrier", _("Carrier")


class Company(models.Model):
    """A legal entity. `is_own` marks our own sellers (I2), whose requisites print on invoices."""

    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("type"), max_length=16, choices=CompanyKind.choices, default=CompanyKind.BUYER)
    segment = models.ForeignKey(
        Segment, verbose_name=_("segment"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_own = models.BooleanField(_("our legal entity"), default=False)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="companies",
    )
    is_shared = models.BooleanField(_("available to everyone"), default=False)
    # requisites (C2)
    legal_name = models.CharField(_("legal name"), max_length=500, blank=True)
    country = models.CharField(_("country"), max_length=2, default="RU")
    inn = models.CharField(_("INN"), max_length=12, blank=True, db_index=True)
    kpp = models.CharField(_("KPP"), max_length=9, blank=True)
    ogrn = models.CharField(_("OGRN"), max_length=15, blank=True)
    vat_id = models.CharField(_("VAT id"), max_length=20, blank=True, db_index=True)
    legal_address = models.CharField(_("legal address"), max_length=500, blank=True)
    postal_address = models.CharField(_("postal address"), max_length=500, blank=True)
    director_name = models.CharField(_("director"), max_length=255, blank=True)
    accountant_name = models.CharField(_("chief accountant"), max_length=255, blank=True)
    website = models.CharField(_("website"), max_length=255, blank=True)
    comment = models.TextField(_("comment"), blank=True)
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

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["responsible", "name"], name="company_resp_name_idx"),
            models.Index(fields=["is_own"], name="company_own_idx"),
            # lists ordered by name (keyset: name, id) and searches whose fragment matches most rows;
            # `%fragment%` itself is served by pg_trgm indexes (migration 0003_search_trgm)
            models.Index(fields=["name", "id"], name="company_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class BankAccount(models.Model):
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="bank_accounts", verbose_name=_("company")
    )
    bank_name = models.CharField(_("bank"), max_length=255, blank=True)
    bik = models.CharField(_("BIK"), max_length=9, blank=True)
    corr_account = models.CharField(_("correspondent account"), max_length=20, blank=True)
    account = models.CharField(_("settlement account"), max_length=20, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC/SWIFT"), max_length=11, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    is_primary = models.BooleanField(_("primary"), default=True)

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")
        ordering = ["-is_primary", "id"]

    def __str__(self) -> str:
        return f"{self.bank_name} {self.account or self.iban}"


class ContactPoint(models.Model):
    """A typed phone, e-mail or messenger of a contact or company; `normalized` drives L3 matching."""

    class Kind(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")
        MESSENGER = "messenger", _("Messenger")
        WEB = "web", _("Website")

    contact = models.ForeignKey(
        "crm.Contact",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="points",
        verbose_name=_("contact"),
    )
    company = models.ForeignKey(
        Company,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="points",
        verbose_name=_("company"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    label = models.CharField(_("type"), max_length=32, default="work")  # work, mobile, home, telegram…
    value = models.CharField(_("value"), max_length=255)
    normalized = models.CharField(max_length=255, db_index=True, verbose_name=_("normalized value"))

    class Meta:
        verbose_name = _("phone or e-mail")
        verbose_name_plural = _("phones and e-mails")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contact__isnull=False) | models.Q(company__isnull=False),
                name="contactpoint_has_owner",
            )
        ]

    def __str__(self) -> str:
        return self.value


def card_upload_to(instance, filename: str) -> str:
    return f"counterparty_requests/{filename}"


class CounterpartyRequest(models.Model):
    """C4/step 38: a manager asks accounting to create a company, with the company card attached."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Company created")
        REJECTED = "rejected", _("Rejected")

    name = models.CharField(_("company name"), max_length=255)
    inn = models.CharField(_("INN"), max_length=12, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    card = models.FileField(_("company card"), upload_to=card_upload_to, blank=True, max_length=300)
    deal = models.ForeignKey(
        "crm.Deal",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="counterparty_requests",
        verbose_name=_("deal"),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="counterparty_requests",
        verbose_name=_("requested by"),
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("handled by"),
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("company")
    )
    answer = models.TextField(_("answer"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    handled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("handled at"))

    class Meta:
        verbose_name = _("counterparty request")
        verbose_name_plural = _("counterparty requests")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "-id"], name="cpreq_status_idx")]

    def __str__(self) -> str:
        return self.name
