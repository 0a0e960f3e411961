"""Money: Decimal only; the one place where amounts are rounded (P4: half-up to the minor unit)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# ISO 4217 minor units for the currencies our users bill in; anything else defaults to 2.
MINOR_UNITS = {"RUB": 2, "EUR": 2, "USD": 2, "MDL": 2, "RON": 2, "KZT": 2, "BYN": 2, "JPY": 0, "KRW": 0}
CURRENCY_SYMBOLS = {"RUB": "₽", "EUR": "€", "USD": "$", "MDL": "L", "RON": "lei", "KZT": "₸", "BYN": "Br"}
ZERO = Decimal("0")
HUNDRED = Decimal("100")


def minor_unit(currency: str) -> int:
    return MINOR_UNITS.get((currency or "").upper(), 2)


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_unit(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round to the currency's minor unit, half up. Every stored amount passes through here."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"money must be Decimal, got {type(amount).__name__}")
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def exact_in_currency(amount: Decimal, currency: str, *, field: str) -> Decimal:
    """An entered amount may not have more decimals than the currency's minor unit: refused, never
    silently rounded (P4, I6). Returned at the stored scale of two decimals."""
    from django.utils.translation import gettext as _

    from dealbook.core.errors import InvalidInput

    if amount != amount.quantize(quantum(currency)):
        raise InvalidInput(
            _("%(field)s has more decimals than the currency allows.") % {"field": field}, field=field
        )
    return amount.quantize(Decimal("0.01"))


def to_decimal(value, *, field: str = "amount") -> Decimal:
    """Parse user input into a Decimal; floats are refused so binary noise never enters."""
    from django.utils.translation import gettext as _

    from dealbook.core.errors import InvalidInput

    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool) or isinstance(value, float):
        if isinstance(value, float):
            result = Decimal(repr(value))
        else:
            raise InvalidInput(_("%(field)s: a number is required") % {"field": field}, field=field)
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip().replace(" ", "").replace("\u00a0", "").replace(",", "."))
        except InvalidOperation:
            raise InvalidInput(
                _("%(field)s: '%(value)s' is not a number") % {"field": field, "value": value}, field=field
            ) from None
    else:
        raise InvalidInput(_("%(field)s: a number is required") % {"field": field}, field=field)
    if not result.is_finite():
        raise InvalidInput(_("%(field)s: a finite number is required") % {"field": field}, field=field)
    return result
