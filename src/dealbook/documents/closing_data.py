"""The data an act or UPD print form receives (X1, X2), built from Decimals in one place.

Data contract of act_ru.typ, act_en.typ and upd_ru.typ — the invoice forms' keys where they mean the
same (number, date, currency, currency_label, seller, buyer, signers, totals.net/tax/total/count/
tax_mode, amount_in_words, notice, footer, style; `language` and `images` set by render_pdf), plus:

    kind              "act" / "upd"
    upd_status        "1" (счёт-фактура и передаточный документ) / "2" (передаточный документ);
                      also as "status" (documents.samples' name for it)
    invoice_number    the invoice the document closes
    basis             "Счёт на оплату № 2018 / 943 от 12 мая 2018 г." — what the document closes
    currency_name     "Российский рубль"; currency_code "643" (ISO 4217 numeric, UPD line 7)
    payment_docs      "№ 15 от 14 мая 2018 г." — payments received in advance (UPD line 5), or ""
    shipper           {name, address, same}: the consignor; same=true prints "он же" (the seller)
    consignee         {name, address}
    carrier           optional {name, inn, kpp, address}: the transport company of the invoice (I4)
    lines             [{n, code, name, kind_code, unit_code, unit, quantity, price, price_net,
                        net, excise, tax_rate, tax, total, country_code, country, declaration}]
                      price: as charged (gross when tax is included); price_net: per unit without tax
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from dealbook.core.money import ZERO, round_money
from dealbook.documents.invoice_data import SEED_BUYER, SEED_SELLER, _party, _rate_text
from dealbook.documents.words import (
    amount_in_words,
    base_language,
    currency_label,
    format_date,
    format_money,
    format_quantity,
)

ACT, UPD = "act", "upd"
# ОКЕИ codes of the units our catalogues use (UPD column 2); a unit whose own code is numeric wins.
OKEI = {
    "шт": "796",
    "шт.": "796",
    "pcs": "796",
    "т": "168",
    "кг": "166",
    "г": "163",
    "м": "006",
    "м2": "055",
    "м²": "055",
    "м3": "113",
    "м³": "113",
    "л": "112",
    "ч": "356",
    "час": "356",
    "компл": "839",
    "компл.": "839",
    "упак": "778",
    "усл. ед.": "876",
    "усл": "876",
    "рейс": "876",
    "мес": "362",
    "мес.": "362",
}
# UPD line 7: "Валюта: наименование, код" (ОКВ)
CURRENCIES = {
    "RUB": ("Российский рубль", "Russian rouble", "643"),
    "EUR": ("Евро", "Euro", "978"),
    "USD": ("Доллар США", "US dollar", "840"),
    "KZT": ("Тенге", "Tenge", "398"),
    "BYN": ("Белорусский рубль", "Belarusian rouble", "933"),
}
_NONE = {"ru": "без НДС", "en": "exempt"}


@dataclass(frozen=True)
class ClosingLine:
    """One line of an act or UPD as stored: amounts are the invoice line's, never recomputed."""

    name: str
    quantity: Decimal
    unit: str
    price: Decimal  # as charged
    tax_rate: Decimal | None  # percent; None when exempt
    net: Decimal
    tax: Decimal
    total: Decimal
    code: str = ""  # the product's article (UPD column Б)
    unit_code: str = ""


def _unit_code(line: ClosingLine) -> str:
    if line.unit_code.isdigit():
        return line.unit_code
    return OKEI.get(line.unit.strip().lower(), "")


def _line(n: int, line: ClosingLine, currency: str, lang: str) -> dict:
    def money(amount: Decimal) -> str:
        return format_money(amount, currency, lang)

    price_net = round_money(line.net / line.quantity, currency) if line.quantity else ZERO
    exempt = line.tax_rate is None
    return {
        "n": str(n),
        "code": line.code or "—",
        "name": line.name,
        "kind_code": "—",  # only for goods exported to the EAEU
        "unit_code": _unit_code(line) or "—",
        "unit": line.unit,
        "quantity": format_quantity(line.quantity, lang),
        "price": money(line.price),
        "price_net": money(price_net),
        "net": money(line.net),
        "excise": "без акциза" if lang == "ru" else "no excise",
        "tax_rate": _rate_text(line.tax_rate, lang),
        "tax": _NONE.get(lang, _NONE["en"]) if exempt else money(line.tax),
        "total": money(line.total),
        # goods made in Russia: columns 10–11 are filled for imported goods only
        "country_code": "—",
        "country": "—",
        "declaration": "—",
    }


def closing_data(
    *,
    kind: str,
    number: str,
    date: datetime.date,
    currency: str,
    language: str,
    seller: dict,
    buyer: dict,
    lines: Iterable[ClosingLine],
    price_includes_tax: bool,
    upd_status: int = 1,
    basis: str = "",
    invoice_number: str = "",
    payment_docs: str = "",
    shipper: dict | None = None,
    consignee: dict | None = None,
    carrier: dict | None = None,
    signers: dict | None = None,
    notice: str = "",
    footer: str = "",
    style: dict | None = None,
) -> dict:
    """Everything an act or UPD form prints, as strings, in the document's language (X1, X2).

    `shipper` None means the seller ships itself ("он же"); `consignee` None means the buyer."""
    lang = base_language(language)
    lines = list(lines)
    net = sum((x.net for x in lines), ZERO)
    tax = sum((x.tax for x in lines), ZERO)
    total = sum((x.total for x in lines), ZERO)
    if all(x.tax_rate is None for x in lines):
        tax_mode = "none"
    else:
        tax_mode = "included" if price_includes_tax else "excluded"
    names = CURRENCIES.get(currency.upper())
    ship = _party(shipper) if shipper else {"name": "", "address": ""}
    ship["same"] = not shipper
    target = _party(consignee or buyer)

    def money(amount: Decimal) -> str:
        return format_money(amount, currency, lang)

    return {
        "kind": kind,
        "number": number,
        "date": format_date(date, lang),
        "upd_status": str(upd_status),
        "status": str(upd_status),
        "invoice_number": invoice_number,
        "currency": currency,
        "currency_label": currency_label(currency, lang),
        "currency_name": (names[0] if lang == "ru" else names[1]) if names else currency,
        "currency_code": names[2] if names else "",
        "basis": basis,
        "payment_docs": payment_docs,
        "seller": _party(seller),
        "buyer": _party(buyer),
        "shipper": ship,
        "consignee": {"name": target.get("name", ""), "address": target.get("address", "")},
        "carrier": _party(carrier),
        "signers": _party(signers),
        "notice": notice,
        "footer": footer,
        "style": dict(style or {}),
        "lines": [_line(n, x, currency, lang) for n, x in enumerate(lines, start=1)],
        "totals": {
            "net": money(net),
            "tax": money(tax) if tax_mode != "none" else _NONE.get(lang, _NONE["en"]),
            "total": money(total),
            "count": str(len(lines)),
            "tax_mode": tax_mode,
        },
        "amount_in_words": amount_in_words(total, currency, lang),
    }


def _seed_lines(lang: str) -> list[ClosingLine]:
    unit = "шт" if lang == "ru" else "pcs"
    return [
        ClosingLine(
            name="Кольцо стеновое КС 10-3",
            quantity=Decimal("3"),
            unit=unit,
            price=Decimal("700.00"),
            tax_rate=Decimal("18"),
            net=Decimal("1779.66"),
            tax=Decimal("320.34"),
            total=Decimal("2100.00"),
            code="КС-10-3",
        ),
        ClosingLine(
            name="фундаментный блок ФБС 9-5-3т",
            quantity=Decimal("2"),
            unit=unit,
            price=Decimal("950.00"),
            tax_rate=Decimal("18"),
            net=Decimal("1610.17"),
            tax=Decimal("289.83"),
            total=Decimal("1900.00"),
        ),
    ]


def sample_closing(kind: str = UPD, language: str = "ru", upd_status: int = 1) -> dict:
    """The seed's UPD (or act) for invoice "2018 / 943": 4 000,00 with 610,17 VAT included, shipped
    by our supplier with a carrier. Used to test-render uploaded forms and by the tests."""
    lang = base_language(language)
    return closing_data(
        kind=kind,
        number="2018 / 1",
        date=datetime.date(2018, 5, 15),
        currency="RUB",
        language=lang,
        seller=SEED_SELLER,
        buyer=SEED_BUYER,
        lines=_seed_lines(lang),
        price_includes_tax=True,
        upd_status=upd_status,
        basis=(
            "Счёт на оплату № 2018 / 943 от 12 мая 2018 г."
            if lang == "ru"
            else "Invoice No. 2018 / 943 of 12 May 2018"
        ),
        invoice_number="2018 / 943",
        payment_docs="№ 15 от 14 мая 2018 г." if lang == "ru" else "No. 15 of 14 May 2018",
        carrier={"name": "ТрансЛогистик ООО", "inn": "7810000001", "address": "Санкт-Петербург"},
        signers={
            "director": "Новиков А. П.",
            "director_title": "Генеральный директор" if lang == "ru" else "Director",
            "accountant": "Новоселова С. И.",
        },
    )
