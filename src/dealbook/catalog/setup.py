"""Reference tax data (P3): Russia's VAT with validity dates, units of the seed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from dealbook.catalog.models import TaxKind, TaxProfile, TaxRate, Unit

RUSSIA_RATES = [
    # (kind, rate, valid_from, valid_to) — 18 % until 2018, 20 % 2019–2025, 22 % from 2026-01-01
    (TaxKind.STANDARD, "18", dt.date(2004, 1, 1), dt.date(2018, 12, 31)),
    (TaxKind.STANDARD, "20", dt.date(2019, 1, 1), dt.date(2025, 12, 31)),
    (TaxKind.STANDARD, "22", dt.date(2026, 1, 1), None),
    (TaxKind.REDUCED, "10", dt.date(2004, 1, 1), None),
    (TaxKind.ZERO, "0", dt.date(2004, 1, 1), None),
]

SEED_UNITS = [("796", "шт", False), ("168", "т", True), ("113", "м3", True), ("trip", "рейс", False)]


@transaction.atomic
def tax_profile_russia(*, is_default: bool = True) -> TaxProfile:
    profile, created = TaxProfile.objects.get_or_create(
        code="RU",
        defaults={
            "name": "Россия — НДС",
            "country": "RU",
            "tax_name": "НДС",
            "expects_tax": True,
            "prices_include_tax": True,
            "is_default": is_default,
        },
    )
    if created:
        TaxRate.objects.bulk_create(
            TaxRate(profile=profile, kind=k, rate=Decimal(r), valid_from=f, valid_to=t)
            for k, r, f, t in RUSSIA_RATES
        )
    return profile


@transaction.atomic
def tax_profile_untaxed() -> TaxProfile:
    """A profile that expects no tax (e.g. a seller on the simplified system)."""
    profile, _ = TaxProfile.objects.get_or_create(
        code="NOVAT", defaults={"name": "Без НДС", "country": "RU", "tax_name": "НДС", "expects_tax": False}
    )
    return profile


def units_create_default() -> list[Unit]:
    return [
        Unit.objects.get_or_create(code=code, defaults={"name": name, "allows_fraction": frac})[0]
        for code, name, frac in SEED_UNITS
    ]
