"""Line and document amounts (P3, P4, P6): tax per line, half-up, then summed.

Russian invoices and UPDs state VAT per line and the document VAT as the sum of the lines, so the
tax is never recomputed on the total. All rounding goes through money.round_money.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from dealbook.core.errors import InvalidInput
from dealbook.core.money import HUNDRED, ZERO, round_money

DISCOUNT_PERCENT = "percent"
DISCOUNT_AMOUNT = "amount"


@dataclass(frozen=True)
class LineAmounts:
    subtotal: Decimal  # price × quantity, before discount
    discount: Decimal
    net: Decimal  # without tax
    tax: Decimal
    total: Decimal  # with tax


@dataclass
class Totals:
    subtotal: Decimal = ZERO
    discount: Decimal = ZERO
    net: Decimal = ZERO
    tax: Decimal = ZERO
    total: Decimal = ZERO
    tax_by_rate: dict = field(default_factory=dict)  # rate (Decimal or None for exempt) -> tax

    def as_dict(self) -> dict:
        return {
            "subtotal": self.subtotal,
            "discount": self.discount,
            "net": self.net,
            "tax": self.tax,
            "total": self.total,
        }


def line_amounts(
    *,
    price: Decimal,
    quantity: Decimal,
    currency: str,
    tax_rate: Decimal | None,
    price_includes_tax: bool,
    discount_kind: str = "",
    discount_value: Decimal = ZERO,
) -> LineAmounts:
    """Amounts of one line. tax_rate is a percentage (22 for 22 %), None when exempt."""
    if quantity <= 0:
        raise InvalidInput(_("Quantity must be greater than zero."), field="quantity")
    if price < 0:
        raise InvalidInput(_("Price cannot be negative."), field="price")
    if discount_value < 0:
        raise InvalidInput(_("Discount cannot be negative."), field="discount_value")
    subtotal = round_money(price * quantity, currency)
    if discount_kind == DISCOUNT_PERCENT:
        if discount_value > HUNDRED:
            raise InvalidInput(_("A percent discount cannot exceed 100."), field="discount_value")
        discount = round_money(subtotal * discount_value / HUNDRED, currency)
    elif discount_kind == DISCOUNT_AMOUNT:
        discount = round_money(discount_value, currency)
    elif not discount_kind:
        discount = ZERO
    else:
        raise InvalidInput(
            _("Unknown discount kind '%(kind)s'.") % {"kind": discount_kind}, field="discount_kind"
        )
    if discount > subtotal:
        raise InvalidInput(_("The discount exceeds the line amount."), field="discount_value")
    amount = subtotal - discount
    rate = tax_rate or ZERO
    if price_includes_tax:
        total = amount
        tax = round_money(total * rate / (HUNDRED + rate), currency)
        net = total - tax
    else:
        net = amount
        tax = round_money(net * rate / HUNDRED, currency)
        total = net + tax
    return LineAmounts(subtotal=subtotal, discount=discount, net=net, tax=tax, total=total)


def sum_lines(lines: Iterable[tuple[LineAmounts, Decimal | None]]) -> Totals:
    """Document totals: the sums of the lines' own rounded amounts (never re-rounded)."""
    totals = Totals()
    for amounts, rate in lines:
        totals.subtotal += amounts.subtotal
        totals.discount += amounts.discount
        totals.net += amounts.net
        totals.tax += amounts.tax
        totals.total += amounts.total
        totals.tax_by_rate[rate] = totals.tax_by_rate.get(rate, ZERO) + amounts.tax
    return totals
