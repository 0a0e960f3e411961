"""Catalog writes: products (C4, P1) and tax profiles with dated rates (P3).

Only accounting and administrators edit the catalog (C4, seed step 29: a sales manager picks lines from
the catalog and never creates products). Every change is written to the product's timeline with its
previous value (R3).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from dealbook.accounts.policy import require
from dealbook.catalog.models import Product, TaxKind, TaxProfile, TaxRate, Unit
from dealbook.core import timeline
from dealbook.core.errors import InvalidInput, RuleViolation
from dealbook.core.models import EventKind
from dealbook.core.money import round_money, to_decimal

# Product.price is DecimalField(max_digits=18, decimal_places=2): anything larger cannot be stored.
MAX_PRICE = Decimal("1e16")
MAX_RATE = Decimal("100")

PRODUCT_FIELDS = (
    "name",
    "sku",
    "unit",
    "price",
    "currency",
    "tax_kind",
    "price_includes_tax",
    "is_service",
    "description",
)


def _require_catalog_editor(actor) -> None:
    require(actor, "product.edit", _("Only accounting and administrators create or edit products."))


def _clean_name(value) -> str:
    name = (value or "").strip() if isinstance(value, str) else ""
    if not name:
        raise InvalidInput(_("name: a product needs a name."), field="name")
    if len(name) > 255:
        raise InvalidInput(_("name: at most 255 characters."), field="name")
    return name


def _clean_sku(value, *, product_id: int | None = None) -> str:
    sku = (value or "").strip() if isinstance(value, str) else ""
    if len(sku) > 64:
        raise InvalidInput(_("sku: at most 64 characters."), field="sku")
    if sku and Product.objects.filter(sku__iexact=sku).exclude(pk=product_id).exists():
        raise InvalidInput(
            _("sku: another product already has article '%(sku)s'.") % {"sku": sku}, field="sku"
        )
    return sku


def _clean_currency(value) -> str:
    code = (value or "").strip().upper() if isinstance(value, str) else ""
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise InvalidInput(
            _("currency: a three-letter ISO 4217 code is required (e.g. RUB)."), field="currency"
        )
    return code


def _clean_price(value, currency: str) -> Decimal:
    if value is None:
        raise InvalidInput(_("price: a price is required."), field="price")
    price = to_decimal(value, field="price")
    if price < 0:
        raise InvalidInput(_("price: cannot be negative."), field="price")
    if price >= MAX_PRICE:
        raise InvalidInput(_("price: too large."), field="price")
    # refuse rather than silently round a price someone typed with too many decimals
    if round_money(price, currency) != price:
        raise InvalidInput(
            _("price: too many decimal places for %(currency)s.") % {"currency": currency}, field="price"
        )
    return round_money(price, currency)


def _clean_unit(value) -> Unit:
    if isinstance(value, Unit):
        if value.pk and Unit.objects.filter(pk=value.pk).exists():
            return value
    elif isinstance(value, int) and not isinstance(value, bool):
        found = Unit.objects.filter(pk=value).first()
        if found:
            return found
    elif isinstance(value, str) and value.strip():
        key = value.strip()
        found = Unit.objects.filter(Q(code=key) | Q(name=key)).first()
        if found is None and key.isdigit():
            found = Unit.objects.filter(pk=int(key)).first()
        if found:
            return found
    raise InvalidInput(_("unit: no such unit in the catalog."), field="unit")


def _clean_tax_kind(value) -> str:
    if value not in TaxKind.values:
        choices = ", ".join(TaxKind.values)
        raise InvalidInput(
            _("tax_kind: must be one of %(choices)s.") % {"choices": choices}, field="tax_kind"
        )
    return value


def _clean_bool(value, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(_("%(field)s: true or false.") % {"field": field}, field=field)
    return value


def _clean_description(value) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(_("description: text is required."), field="description")
    return value.strip()


def _clean_product_values(values: dict, *, product: Product | None) -> dict:
    """Validate every given field before anything is written (C4: nothing half-written)."""
    unknown = set(values) - set(PRODUCT_FIELDS)
    if unknown:
        field = sorted(unknown)[0]
        raise InvalidInput(_("%(field)s: cannot be changed here.") % {"field": field}, field=field)
    clean: dict = {}
    if "name" in values:
        clean["name"] = _clean_name(values["name"])
    if "sku" in values:
        clean["sku"] = _clean_sku(values["sku"], product_id=product.pk if product else None)
    if "currency" in values:
        clean["currency"] = _clean_currency(values["currency"])
    currency = clean.get("currency") or (product.currency if product else "RUB")
    if "price" in values:
        clean["price"] = _clean_price(values["price"], currency)
    elif "currency" in values and product is not None:
        _clean_price(product.price, currency)
    if "unit" in values:
        clean["unit"] = _clean_unit(values["unit"])
    if "tax_kind" in values:
        clean["tax_kind"] = _clean_tax_kind(values["tax_kind"])
    for flag in ("price_includes_tax", "is_service"):
        if flag in values:
            clean[flag] = _clean_bool(values[flag], flag)
    if "description" in values:
        clean["description"] = _clean_description(values["description"])
    return clean


def _shown(field: str, value):
    """What the timeline keeps of a value: units by name, everything else as is."""
    if field == "unit":
        return value.name if value is not None else None
    return value


@transaction.atomic
def product_create(
    *,
    actor,
    name: str,
    unit,
    price,
    currency: str = "RUB",
    tax_kind: str = TaxKind.STANDARD,
    price_includes_tax: bool = True,
    sku: str = "",
    is_service: bool = False,
    description: str = "",
) -> Product:
    """C4/P1: only accounting and administrators add products to the catalog."""
    _require_catalog_editor(actor)
    clean = _clean_product_values(
        {
            "name": name,
            "sku": sku,
            "currency": currency,
            "price": price,
            "unit": unit,
            "tax_kind": tax_kind,
            "price_includes_tax": price_includes_tax,
            "is_service": is_service,
            "description": description,
        },
        product=None,
    )
    product = Product.objects.create(**clean)
    timeline.record(
        product,
        EventKind.CREATED,
        actor=actor,
        data={
            "name": product.name,
            "unit": product.unit.name,
            "price": product.price,
            "currency": product.currency,
            "tax_kind": product.tax_kind,
        },
    )
    return product


@transaction.atomic
def product_update(*, actor, product: Product, **changes) -> Product:
    """C4: accounting edits a product; each changed field is recorded with from/to (R3).

    Deal lines keep their own copy of name, price and tax (P1), so editing the catalog never
    rewrites lines already sold.
    """
    _require_catalog_editor(actor)
    product = Product.objects.select_for_update().select_related("unit").get(pk=product.pk)
    clean = _clean_product_values(changes, product=product)
    for field, new in clean.items():
        old = getattr(product, field)
        if old == new:
            continue
        setattr(product, field, new)
        timeline.change(product, field, _shown(field, old), _shown(field, new), actor=actor)
    product.save()
    return product


def _set_active(*, actor, product: Product, active: bool) -> Product:
    _require_catalog_editor(actor)
    product = Product.objects.select_for_update().get(pk=product.pk)
    if product.is_active != active:
        timeline.change(
            product, "is_active", product.is_active, active, actor=actor, kind=EventKind.STATUS_CHANGED
        )
        product.is_active = active
        product.save(update_fields=["is_active", "updated_at"])
    return product


@transaction.atomic
def product_archive(*, actor, product: Product) -> Product:
    """C4: a product leaves the catalog for new lines; lines that used it keep it (P1)."""
    return _set_active(actor=actor, product=product, active=False)


@transaction.atomic
def product_restore(*, actor, product: Product) -> Product:
    """C4: an archived product returns to the catalog."""
    return _set_active(actor=actor, product=product, active=True)


# ---- tax profiles and rates (P3) ---------------------------------------------------------------


def _require_settings(actor) -> None:
    require(actor, "settings.manage", _("Only administrators manage tax profiles."))


@transaction.atomic
def tax_profile_create(
    *,
    actor,
    code: str,
    name: str,
    country: str = "",
    tax_name: str = "VAT",
    expects_tax: bool = True,
    prices_include_tax: bool = True,
    is_default: bool = False,
) -> TaxProfile:
    """P3: a place of sale with its own tax; rates are added with validity dates."""
    _require_settings(actor)
    code = (code or "").strip().upper() if isinstance(code, str) else ""
    if not code or len(code) > 32:
        raise InvalidInput(_("code: 1 to 32 characters are required."), field="code")
    if TaxProfile.objects.filter(code=code).exists():
        raise InvalidInput(_("code: a tax profile '%(code)s' already exists.") % {"code": code}, field="code")
    name = (name or "").strip() if isinstance(name, str) else ""
    if not name or len(name) > 120:
        raise InvalidInput(_("name: 1 to 120 characters are required."), field="name")
    country = country.strip().upper() if isinstance(country, str) else ""
    if country and (len(country) != 2 or not country.isalpha()):
        raise InvalidInput(_("country: a two-letter ISO 3166 code is required."), field="country")
    tax_name = tax_name.strip() if isinstance(tax_name, str) else ""
    if not tax_name or len(tax_name) > 32:
        raise InvalidInput(_("tax_name: 1 to 32 characters are required."), field="tax_name")
    expects_tax = _clean_bool(expects_tax, "expects_tax")
    prices_include_tax = _clean_bool(prices_include_tax, "prices_include_tax")
    is_default = _clean_bool(is_default, "is_default")
    if is_default:
        # one default profile: new deals take it when nothing else decides (P3)
        TaxProfile.objects.filter(is_default=True).update(is_default=False)
    profile = TaxProfile.objects.create(
        code=code,
        name=name,
        country=country,
        tax_name=tax_name,
        expects_tax=expects_tax,
        prices_include_tax=prices_include_tax,
        is_default=is_default,
    )
    timeline.record(profile, EventKind.CREATED, actor=actor, data={"code": code, "name": name})
    return profile


def _clean_date(value, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InvalidInput(_("%(field)s: a date (YYYY-MM-DD) is required.") % {"field": field}, field=field)


def _overlapping(profile: TaxProfile, kind: str, start: dt.date, end: dt.date | None, exclude=None):
    """Rates of the same kind whose validity shares at least one day with [start, end]."""
    qs = TaxRate.objects.filter(profile=profile, kind=kind).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=start)
    )
    if end is not None:
        qs = qs.filter(valid_from__lte=end)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs


@transaction.atomic
def tax_rate_add(*, actor, profile: TaxProfile, kind: str, rate, valid_from, valid_to=None) -> TaxRate:
    """P3: a rate of one kind in force from a date (to a date); periods of one kind never overlap,
    so exactly one rate answers for any date."""
    _require_settings(actor)
    # lock the profile so two admins cannot add overlapping periods at the same time
    profile = TaxProfile.objects.select_for_update().get(pk=profile.pk)
    if kind not in TaxKind.values:
        raise InvalidInput(
            _("kind: must be one of %(choices)s.") % {"choices": ", ".join(TaxKind.values)}, field="kind"
        )
    if kind == TaxKind.EXEMPT:
        raise InvalidInput(_("kind: an exempt sale has no rate to add."), field="kind")
    value = to_decimal(rate, field="rate")
    if value < 0 or value > MAX_RATE:
        raise InvalidInput(_("rate: must be between 0 and 100 percent."), field="rate")
    if value != value.quantize(Decimal("0.001")):
        raise InvalidInput(_("rate: at most three decimal places."), field="rate")
    if kind == TaxKind.ZERO and value != 0:
        raise InvalidInput(_("rate: a zero-rate kind must have rate 0."), field="rate")
    start = _clean_date(valid_from, "valid_from")
    end = _clean_date(valid_to, "valid_to") if valid_to not in (None, "") else None
    if end is not None and end < start:
        raise InvalidInput(_("valid_to: cannot be before valid_from."), field="valid_to")
    clash = _overlapping(profile, kind, start, end).order_by("valid_from").first()
    if clash is not None:
        until = clash.valid_to.isoformat() if clash.valid_to else _("open end")
        raise InvalidInput(
            _("valid_from: overlaps the %(rate)s%% rate valid %(start)s – %(end)s; end that one first.")
            % {"rate": clash.rate.normalize(), "start": clash.valid_from.isoformat(), "end": until},
            field="valid_from",
        )
    new = TaxRate.objects.create(profile=profile, kind=kind, rate=value, valid_from=start, valid_to=end)
    timeline.record(
        profile,
        EventKind.UPDATED,
        actor=actor,
        data={"rate_added": {"kind": kind, "rate": value, "valid_from": start, "valid_to": end}},
    )
    return new


@transaction.atomic
def tax_rate_end(*, actor, rate: TaxRate, valid_to) -> TaxRate:
    """P3: close a rate's period (e.g. 20 % ends 2025-12-31 before 22 % starts); history is kept."""
    _require_settings(actor)
    TaxProfile.objects.select_for_update().get(pk=rate.profile_id)
    rate = TaxRate.objects.select_for_update().get(pk=rate.pk)
    end = _clean_date(valid_to, "valid_to")
    if end < rate.valid_from:
        raise InvalidInput(_("valid_to: cannot be before valid_from."), field="valid_to")
    if rate.valid_to is not None and end > rate.valid_to:
        raise RuleViolation(
            _("valid_to: a closed period can only be shortened; add a new rate instead."),
            field="valid_to",
            code="rate_closed",
        )
    old = rate.valid_to
    rate.valid_to = end
    rate.save(update_fields=["valid_to"])
    timeline.record(
        rate.profile,
        EventKind.UPDATED,
        actor=actor,
        data={"rate_ended": {"kind": rate.kind, "rate": rate.rate, "from": old, "to": end}},
    )
    return rate
