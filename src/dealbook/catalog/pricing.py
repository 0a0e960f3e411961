"""Rules of a priced line (P1–P6), shared by deal lines (crm) and invoice lines (billing).

Catalog owns them because both apps sit above it (DESIGN.md's dependency order), and a deal's line
and the invoice line made from it must be cleaned and priced by exactly the same rules. Nothing here
saves a row: callers build or change the line and save it inside their own transaction.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dealbook.catalog.models import Product, TaxProfile, TaxRate, Unit
from dealbook.core.errors import InvalidInput
from dealbook.core.money import ZERO, exact_in_currency, to_decimal
from dealbook.core.sqlcache import ShapeCache
from dealbook.core.tax import DISCOUNT_AMOUNT, DISCOUNT_PERCENT, line_amounts

# Line price and quantity columns are DecimalField(max_digits=18): larger values cannot be stored.
MAX_QUANTITY = Decimal(10) ** 15
MAX_PRICE = Decimal(10) ** 16
# An id larger than a bigint would make the database overflow rather than find nothing.
MAX_ID = 2**63 - 1

# Each record keeps its own wording (and translation) for a product priced in another currency.
_OTHER_CURRENCY = {
    "deal": gettext_lazy("The product is priced in %(p)s and the deal is in %(d)s: give a price."),
    "invoice": gettext_lazy("The product is priced in %(p)s and the invoice is in %(i)s: give a price."),
    "proposal": gettext_lazy("The product is priced in %(p)s and the proposal is in %(c)s: give a price."),
}


def _as_id(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and 1 <= value <= MAX_ID:
        return value
    return None


def line_product(product) -> Product:
    """P1: a line is chosen from the catalog; only active products are offered.

    Accepts a Product, an id or an id in digits; returns the active product with its unit.
    """
    pk = _as_id(product.pk if isinstance(product, Product) else product)
    found = None
    if pk is not None:
        found = Product.objects.select_related("unit").filter(pk=pk, is_active=True).first()
    if found is None:
        raise InvalidInput(_("Choose a product from the catalog."), field="product")
    return found


def line_unit(product: Product, unit) -> Unit:
    """P2: the line's unit is the product's unit; none given means the product's unit."""
    if unit is None or unit == "":
        return product.unit
    if isinstance(unit, Unit):
        ok = unit.pk == product.unit_id
    elif isinstance(unit, int) and not isinstance(unit, bool):
        ok = unit == product.unit_id
    else:
        ok = str(unit).strip() in (product.unit.code, product.unit.name, str(product.unit_id))
    if not ok:
        raise InvalidInput(
            _("The unit of “%(product)s” is %(unit)s.")
            % {"product": product.name, "unit": product.unit.name},
            field="unit",
        )
    return product.unit


def line_quantity(value, unit: Unit) -> Decimal:
    """P2: quantities may be fractional (tonnes, m3) where the unit allows, and are above zero."""
    qty = to_decimal(value, field="quantity")
    if qty <= 0:
        raise InvalidInput(_("Quantity must be greater than zero."), field="quantity")
    if qty >= MAX_QUANTITY or qty != qty.quantize(Decimal("0.001")):
        raise InvalidInput(_("Quantity: at most three decimals and within range."), field="quantity")
    if not unit.allows_fraction and qty != qty.to_integral_value():
        raise InvalidInput(
            _("Quantity in %(unit)s must be a whole number.") % {"unit": unit.name}, field="quantity"
        )
    return qty.quantize(Decimal("0.001"))


def clean_money(value, *, currency: str, field: str) -> Decimal:
    """P4: a price or discount amount is zero or more, within range, and has no more decimals than
    the currency's minor unit — refused rather than silently rounded."""
    amount = to_decimal(value, field=field)
    if amount < 0 or amount >= MAX_PRICE:
        raise InvalidInput(
            _("%(field)s must be zero or more and within range.") % {"field": field}, field=field
        )
    return exact_in_currency(amount, currency, field=field)


def line_price(product: Product, price, *, currency: str, record: str = "deal") -> Decimal:
    """P1: the price defaults to the product's when the record is in the product's currency;
    otherwise a price must be given. `record` ("deal", "invoice" or "proposal") picks the message's
    wording."""
    if price is None or price == "":
        if product.currency != currency:
            raise InvalidInput(
                _OTHER_CURRENCY[record]
                % {"p": product.currency, "d": currency, "i": currency, "c": currency},
                field="price",
            )
        return product.price
    return clean_money(price, currency=currency, field="price")


def clean_discount(kind, value, *, currency: str) -> tuple[str, Decimal]:
    """P6: a line discount is a percent or an amount; no kind means no discount."""
    kind = kind or ""
    if kind not in ("", DISCOUNT_PERCENT, DISCOUNT_AMOUNT):
        raise InvalidInput(_("A discount is a percent or an amount."), field="discount_kind")
    value = clean_money(value or 0, currency=currency, field="discount_value")
    return kind, (value if kind else ZERO)


PLANS = ShapeCache()


def _rates_of(a):
    return TaxRate.objects.filter(profile_id=a["profile"]).order_by("pk")


def profile_rates(profile_id: int) -> list[TaxRate]:
    """Every rate of a tax profile, all validity periods (a handful of rows): one compiled query."""
    return PLANS.objects("profile_rates", _rates_of, {"profile": profile_id})


def tax_rate(profile: TaxProfile, kind: str, on: dt.date) -> Decimal | None:
    """P3: the rate of a tax kind in the profile in force on the record's tax date (None: exempt).

    A date the profile has no rate for is the caller's input error on "tax_date", never a zero rate.
    """
    try:
        return profile.rate_for(kind, on)
    except LookupError:
        raise InvalidInput(
            _("%(profile)s has no %(kind)s rate on %(date)s.")
            % {"profile": profile.name, "kind": kind, "date": on.isoformat()},
            field="tax_date",
        ) from None


def compute_amounts(line, *, currency: str) -> None:
    """P4: the line's subtotal, discount, net, tax and total through core.tax (per line, half up)."""
    amounts = line_amounts(
        price=line.price,
        quantity=line.quantity,
        currency=currency,
        tax_rate=line.tax_rate,
        price_includes_tax=line.price_includes_tax,
        discount_kind=line.discount_kind,
        discount_value=line.discount_value,
    )
    line.subtotal, line.discount_amount, line.net = amounts.subtotal, amounts.discount, amounts.net
    line.tax, line.total = amounts.tax, amounts.total
