"""Catalog reads shared by the API and the pages. The catalog is visible to every role (P1)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _

from dealbook.catalog.models import Product, TaxKind, TaxProfile, TaxRate, Unit
from dealbook.core.errors import InvalidInput, NotFound
from dealbook.core.search import ucontains


def products(*, q: str | None = None, active: bool | None = True, unit_id: int | None = None):
    """Products filtered by a name/article fragment (C3-style search box), active flag and unit."""
    qs = Product.objects.select_related("unit")
    if active is not None:
        qs = qs.filter(is_active=active)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    text = (q or "").strip()
    if text:
        qs = qs.filter(Q(ucontains("name", text)) | Q(ucontains("sku", text)))
    return qs


def product_get(pk: int) -> Product:
    product = Product.objects.select_related("unit").filter(pk=pk).first()
    if product is None:
        raise NotFound(_("Product not found."), field="id")
    return product


def units():
    return Unit.objects.order_by("name", "id")


def tax_profiles():
    """Every profile with its rates, oldest period first: two queries whatever their number."""
    rates = TaxRate.objects.order_by("kind", "valid_from", "id")
    return TaxProfile.objects.prefetch_related(Prefetch("rates", queryset=rates)).order_by("name", "id")


def tax_profile_get(pk: int) -> TaxProfile:
    profile = TaxProfile.objects.filter(pk=pk).first()
    if profile is None:
        raise NotFound(_("Tax profile not found."), field="id")
    return profile


def tax_rate_on(profile: TaxProfile, *, kind: str, on: dt.date) -> Decimal | None:
    """P3: the rate of `kind` in force on a date (None when the kind is exempt).

    A date no period covers is an answer the user must see, not a silent zero (P5).
    """
    if kind not in TaxKind.values:
        choices = ", ".join(TaxKind.values)
        raise InvalidInput(_("kind: must be one of %(choices)s.") % {"choices": choices}, field="kind")
    try:
        return profile.rate_for(kind, on)
    except LookupError:
        raise NotFound(
            _("date: %(profile)s has no %(kind)s rate on %(date)s.")
            % {"profile": profile.name, "kind": kind, "date": on.isoformat()},
            field="date",
            code="no_rate",
        ) from None


def tax_rate_get(profile_id: int, rate_id: int) -> TaxRate:
    rate = TaxRate.objects.select_related("profile").filter(pk=rate_id, profile_id=profile_id).first()
    if rate is None:
        raise NotFound(_("Tax rate not found."), field="id")
    return rate
