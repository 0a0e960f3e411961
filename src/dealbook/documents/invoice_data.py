"""The data an invoice print form receives (contract: documents.render), built from Decimals in one place.

Billing hands over parties and lines with their stored amounts (core.tax.LineAmounts); this module
turns them into the strings the forms print, so rounding and number formats never differ between
the PDF, the e-mail and the screen. `sample_invoice` is the seed's invoice "2018 / 943", used to
test-render uploaded forms and by the tests and benchmarks.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from dealbook.core.money import ZERO
from dealbook.core.tax import DISCOUNT_AMOUNT, DISCOUNT_PERCENT, LineAmounts, line_amounts
from dealbook.documents.words import (
    amount_in_words,
    base_language,
    currency_label,
    format_date,
    format_money,
    format_percent,
    format_quantity,
)

_NO_TAX = {"ru": "без НДС", "en": "exempt"}


@dataclass(frozen=True)
class PrintLine:
    """One invoice line as stored by billing: what it is, how much, and its computed amounts."""

    name: str
    quantity: Decimal
    unit: str
    price: Decimal
    tax_rate: Decimal | None  # percent; None when exempt
    amounts: LineAmounts
    discount_kind: str = ""
    discount_value: Decimal = ZERO
    sku: str = ""


def _party(party: dict | None) -> dict:
    """Copy a party dict keeping strings only (absent values become "")."""
    out: dict = {}
    for key, value in (party or {}).items():
        if isinstance(value, dict):
            out[key] = _party(value)
        else:
            out[key] = "" if value is None else str(value)
    return out


def _rate_text(rate: Decimal | None, lang: str) -> str:
    return _NO_TAX.get(lang, _NO_TAX["en"]) if rate is None else format_percent(rate, lang)


def invoice_data(
    *,
    number: str,
    date: datetime.date,
    currency: str,
    language: str,
    seller: dict,
    buyer: dict,
    lines: Iterable[PrintLine],
    price_includes_tax: bool,
    due_date: datetime.date | None = None,
    basis: str = "",
    notice: str = "",
    notes: str = "",
    footer: str = "",
    signers: dict | None = None,
    style: dict | None = None,
    payment_reference: str = "",
) -> dict:
    """Everything an invoice form prints, as strings, in the document's language (I8)."""
    lang = base_language(language)
    lines = list(lines)

    def money(amount: Decimal) -> str:
        return format_money(amount, currency, lang)

    out_lines = []
    subtotal = net = tax = total = discount = ZERO
    by_rate: dict[Decimal | None, list[Decimal]] = {}
    for n, line in enumerate(lines, start=1):
        a = line.amounts
        if line.discount_kind == DISCOUNT_PERCENT and line.discount_value:
            discount_text = format_percent(line.discount_value, lang)
        elif line.discount_kind == DISCOUNT_AMOUNT and line.discount_value:
            discount_text = money(a.discount)
        else:
            discount_text = ""
        out_lines.append(
            {
                "n": str(n),
                "name": line.name,
                "sku": line.sku,
                "quantity": format_quantity(line.quantity, lang),
                "unit": line.unit,
                "price": money(line.price),
                "discount": discount_text,
                "net": money(a.net),
                "tax_rate": _rate_text(line.tax_rate, lang),
                "tax": money(a.tax),
                "total": money(a.total),
            }
        )
        subtotal += a.subtotal
        net += a.net
        tax += a.tax
        total += a.total
        discount += a.discount
        sums = by_rate.setdefault(line.tax_rate, [ZERO, ZERO, ZERO])
        sums[0] += a.net
        sums[1] += a.tax
        sums[2] += a.total

    if all(rate is None for rate in by_rate):
        tax_mode = "none"
    else:
        tax_mode = "included" if price_includes_tax else "excluded"
    rates = sorted(by_rate, key=lambda r: (r is None, -(r or ZERO)))
    return {
        "number": number,
        "date": format_date(date, lang),
        "due_date": format_date(due_date, lang) if due_date else "",
        "currency": currency,
        "currency_label": currency_label(currency, lang),
        "basis": basis,
        "notice": notice,
        "notes": notes,
        "footer": footer,
        "payment_reference": payment_reference or number,
        "seller": _party(seller),
        "buyer": _party(buyer),
        "signers": _party(signers),
        "style": dict(style or {}),
        "lines": out_lines,
        "totals": {
            "subtotal": money(subtotal),
            "net": money(net),
            "tax": money(tax),
            "total": money(total),
            "discount": money(discount) if discount else "",
            "count": str(len(out_lines)),
            "tax_mode": tax_mode,
            "tax_by_rate": [
                {
                    "rate": _rate_text(rate, lang),
                    "net": money(by_rate[rate][0]),
                    "tax": money(by_rate[rate][1]),
                    "total": money(by_rate[rate][2]),
                }
                for rate in rates
                if rate is not None
            ],
        },
        "amount_in_words": amount_in_words(total, currency, lang),
    }


def print_line(
    *,
    name: str,
    quantity: Decimal,
    unit: str,
    price: Decimal,
    tax_rate: Decimal | None,
    currency: str,
    price_includes_tax: bool,
    discount_kind: str = "",
    discount_value: Decimal = ZERO,
    sku: str = "",
) -> PrintLine:
    """A PrintLine whose amounts are computed by core.tax (for callers without stored amounts)."""
    amounts = line_amounts(
        price=price,
        quantity=quantity,
        currency=currency,
        tax_rate=tax_rate,
        price_includes_tax=price_includes_tax,
        discount_kind=discount_kind,
        discount_value=discount_value,
    )
    return PrintLine(
        name=name,
        quantity=quantity,
        unit=unit,
        price=price,
        tax_rate=tax_rate,
        amounts=amounts,
        discount_kind=discount_kind,
        discount_value=discount_value,
        sku=sku,
    )


SEED_SELLER = {
    "name": 'ООО "ВЕСТ ГРУПП"',
    "inn": "7806210729",
    "kpp": "780601001",
    "address": "195027, Санкт-Петербург, Шаумяна пр., д. 4, корп. 1, лит. А, пом. 12-Н",
    "phone": "+7 812 000-00-00",
    "bank": {
        "name": 'ПАО "БАНК САНКТ-ПЕТЕРБУРГ", г. Санкт-Петербург',
        "bik": "044030790",
        "corr_account": "30101810900000000790",
        "account": "40702810390000000008",
    },
}
SEED_BUYER = {
    "name": "ЭЛЕКСИС ООО",
    "inn": "7802345676",
    "kpp": "780201001",
    "address": "194100, Санкт-Петербург, Кантемировская ул., д. 7",
}


def sample_invoice(language: str = "ru") -> dict:
    """The seed's invoice "2018 / 943": two lines, 4 000,00 with 18 % VAT included (610,17)."""
    lang = base_language(language)
    currency = "RUB"
    lines = [
        print_line(
            name="Кольцо стеновое КС 10-3",
            quantity=Decimal("3"),
            unit="шт" if lang == "ru" else "pcs",
            price=Decimal("700.00"),
            tax_rate=Decimal("18"),
            currency=currency,
            price_includes_tax=True,
        ),
        print_line(
            name="фундаментный блок ФБС 9-5-3т",
            quantity=Decimal("2"),
            unit="шт" if lang == "ru" else "pcs",
            price=Decimal("950.00"),
            tax_rate=Decimal("18"),
            currency=currency,
            price_includes_tax=True,
        ),
    ]
    return invoice_data(
        number="2018 / 943",
        date=datetime.date(2018, 5, 14),
        due_date=datetime.date(2018, 5, 21),
        currency=currency,
        language=lang,
        seller=SEED_SELLER,
        buyer=SEED_BUYER,
        lines=lines,
        price_includes_tax=True,
        notice=(
            "Внимание! Оплата данного счёта означает согласие с условиями поставки товара. "
            "Товар отпускается по факту прихода денег на р/с Поставщика."
            if lang == "ru"
            else ""
        ),
        signers={"director": "Шахтактинский С.", "director_title": "Генеральный директор", "accountant": ""},
    )


def sample_invoice_eu(language: str = "en") -> dict:
    """An EU invoice in EUR: VAT on top at two rates, a discounted line, IBAN/BIC and VAT ids."""
    currency = "EUR"

    def line(name, quantity, unit, price, rate, **extra):
        return print_line(
            name=name,
            quantity=Decimal(quantity),
            unit=unit,
            price=Decimal(price),
            tax_rate=Decimal(rate),
            currency=currency,
            price_includes_tax=False,
            **extra,
        )

    lines = [
        line("Wall ring KS 10-3, reinforced concrete", "3", "pcs", "180.00", "19", sku="KS-10-3"),
        line(
            "Foundation block FBS 9-5-3t",
            "2",
            "pcs",
            "245.50",
            "19",
            sku="FBS-9-5-3",
            discount_kind=DISCOUNT_PERCENT,
            discount_value=Decimal("10"),
        ),
        line("Technical documentation (printed)", "1", "set", "35.00", "7"),
    ]
    return invoice_data(
        number="2024 / 117",
        date=datetime.date(2024, 3, 5),
        due_date=datetime.date(2024, 3, 19),
        currency=currency,
        language=language,
        seller={
            "name": "West Group GmbH",
            "address": "Hafenstraße 12, 20457 Hamburg, Germany",
            "vat_id": "DE136695976",
            "reg_no": "HRB 123456, Amtsgericht Hamburg",
            "email": "billing@west-group.example",
            "bank": {
                "name": "Hamburger Sparkasse",
                "iban": "DE89 3704 0044 0532 0130 00",
                "bic": "HASPDEHHXXX",
            },
        },
        buyer={
            "name": "Elexis B.V.",
            "address": "Keizersgracht 100, 1015 CV Amsterdam, Netherlands",
            "vat_id": "NL004495445B01",
        },
        lines=lines,
        price_includes_tax=False,
        notes="Delivery: 4 March 2024, Amsterdam. Goods remain our property until paid in full.",
        footer="West Group GmbH · Hafenstraße 12 · 20457 Hamburg · VAT ID DE136695976",
        signers={"director": "Anna Schmidt", "director_title": "Managing Director"},
    )
