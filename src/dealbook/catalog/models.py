"""Products, units, tax profiles and dated tax rates (P1–P3)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class Unit(models.Model):
    code = models.CharField(_("code"), max_length=16, unique=True)  # OKEI code or short key
    name = models.CharField(_("name"), max_length=32)  # шт, т, м3, рейс
    allows_fraction = models.BooleanField(_("fractional quantities"), default=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TaxKind(models.TextChoices):
    STANDARD = "standard", _("Standard rate")
    REDUCED = "reduced", _("Reduced rate")
    ZERO = "zero", _("Zero rate")
    EXEMPT = "exempt", _("Exempt (no VAT)")


class TaxProfile(models.Model):
    """Where a sale happens decides its tax (P3): e.g. Russia — VAT 22 % standard from 2026."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=120)
    country = models.CharField(_("country"), max_length=2, blank=True)
    tax_name = models.CharField(_("tax name"), max_length=32, default="VAT")
    expects_tax = models.BooleanField(
        _("tax expected"), default=True
    )  # P5 warning when a deal comes out untaxed
    prices_include_tax = models.BooleanField(_("prices include tax"), default=True)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        verbose_name = _("tax profile")
        verbose_name_plural = _("tax profiles")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def rate_for(self, kind: str, on: dt.date) -> Decimal | None:
        """The rate of `kind` in force on a date; None when exempt. Raises LookupError if none."""
        if kind == TaxKind.EXEMPT:
            return None
        from dealbook.catalog.pricing import profile_rates

        in_force = [
            r
            for r in profile_rates(self.pk)
            if r.kind == kind and r.valid_from <= on and (r.valid_to is None or r.valid_to >= on)
        ]
        rate = max(in_force, key=lambda r: r.valid_from, default=None)
        if rate is None:
            raise LookupError(f"no {kind} rate in {self.code} on {on}")
        return rate.rate


class TaxRate(models.Model):
    profile = models.ForeignKey(
        TaxProfile, on_delete=models.CASCADE, related_name="rates", verbose_name=_("tax profile")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=TaxKind.choices)
    rate = models.DecimalField(_("rate, %"), max_digits=6, decimal_places=3)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("tax rate")
        verbose_name_plural = _("tax rates")
        ordering = ["profile", "kind", "valid_from"]

    def __str__(self) -> str:
        return _("%(profile)s %(kind)s %(rate)s%% from %(date)s") % {
            "profile": self.profile.code,
            "kind": self.kind,
            "rate": self.rate,
            "date": self.valid_from,
        }


class Product(models.Model):
    name = models.CharField(_("name"), max_length=255)
    sku = models.CharField(_("article"), max_length=64, blank=True, db_index=True)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="products")
    price = models.DecimalField(_("price"), max_digits=18, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    tax_kind = models.CharField(_("tax"), max_length=16, choices=TaxKind.choices, default=TaxKind.STANDARD)
    price_includes_tax = models.BooleanField(_("price includes tax"), default=True)
    is_service = models.BooleanField(_("service"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]
        indexes = [models.Index(fields=["is_active", "name"], name="product_active_name_idx")]

    def __str__(self) -> str:
        return self.name


class PricedLineFields(models.Model):
    """The fields of a document's priced line (P1–P6), shared by proposal and invoice lines: the
    product and its name, quantity and unit, price and discount as chosen; the tax kind, rate and
    price-includes-tax taken when priced; the amounts computed by core.tax, never typed.
    catalog.lines builds, changes and sums them."""

    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=255)
    sort = models.PositiveIntegerField(default=0)
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=3)
    unit = models.ForeignKey(
        "catalog.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    price = models.DecimalField(_("price"), max_digits=18, decimal_places=2)
    discount_kind = models.CharField(_("discount kind"), max_length=8, blank=True)
    discount_value = models.DecimalField(_("discount"), max_digits=18, decimal_places=2, default=Decimal("0"))
    tax_kind = models.CharField(_("tax"), max_length=16)
    tax_rate = models.DecimalField(_("tax rate, %"), max_digits=6, decimal_places=3, null=True, blank=True)
    price_includes_tax = models.BooleanField(_("price includes tax"), default=True)
    subtotal = models.DecimalField(max_digits=18, decimal_places=2)
    discount_amount = models.DecimalField(max_digits=18, decimal_places=2)
    net = models.DecimalField(max_digits=18, decimal_places=2)
    tax = models.DecimalField(max_digits=18, decimal_places=2)
    total = models.DecimalField(max_digits=18, decimal_places=2)

    class Meta:
        abstract = True
        ordering = ["sort", "id"]

    def __str__(self) -> str:
        return self.name
