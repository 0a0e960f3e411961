"""The invoice forms' data, built from Decimals by documents.invoice_data (I8, P4)."""

import datetime
from decimal import Decimal

from dealbook.documents.invoice_data import invoice_data, print_line, sample_invoice, sample_invoice_eu
from dealbook.documents.render import _check_plain

NBSP = "\u00a0"


def test_seed_invoice_totals_vat_included_I8():
    data = sample_invoice("ru")
    totals = data["totals"]
    assert totals["total"] == f"4{NBSP}000,00"
    assert totals["tax"] == "610,17"  # 320,34 + 289,83: VAT per line, then summed
    assert totals["net"] == f"3{NBSP}389,83"
    assert totals["tax_mode"] == "included"
    assert totals["tax_by_rate"] == [
        {"rate": "18%", "net": f"3{NBSP}389,83", "tax": "610,17", "total": f"4{NBSP}000,00"}
    ]
    assert totals["count"] == "2"
    assert data["amount_in_words"] == "Четыре тысячи рублей 00 копеек"
    assert data["date"] == "14 мая 2018 г."
    assert data["lines"][0] | {} == {
        "n": "1",
        "name": "Кольцо стеновое КС 10-3",
        "sku": "",
        "quantity": "3",
        "unit": "шт",
        "price": "700,00",
        "discount": "",
        "net": f"1{NBSP}779,66",
        "tax_rate": "18%",
        "tax": "320,34",
        "total": f"2{NBSP}100,00",
    }
    _check_plain(data)  # strings only: ready for any form


def test_eu_invoice_groups_tax_by_rate_and_shows_discounts_I8():
    data = sample_invoice_eu()
    totals = data["totals"]
    assert totals["tax_mode"] == "excluded"
    assert [r["rate"] for r in totals["tax_by_rate"]] == ["19%", "7%"]
    assert totals["subtotal"] == "1,066.00"
    assert totals["discount"] == "49.10"
    assert totals["net"] == "1,016.90"
    assert totals["tax"] == "189.01"
    assert totals["total"] == "1,205.91"
    assert data["lines"][1]["discount"] == "10%"
    assert data["payment_reference"] == "2024 / 117"


def test_lines_without_tax_are_marked_and_tax_mode_is_none():
    line = print_line(
        name="Консультация",
        quantity=Decimal("1.5"),
        unit="ч",
        price=Decimal("1000"),
        tax_rate=None,
        currency="RUB",
        price_includes_tax=False,
    )
    data = invoice_data(
        number="1",
        date=datetime.date(2024, 1, 9),
        currency="RUB",
        language="ru",
        seller={"name": "ИП Иванов", "inn": None},
        buyer={"name": "Клиент"},
        lines=[line],
        price_includes_tax=False,
    )
    assert data["totals"]["tax_mode"] == "none"
    assert data["totals"]["tax_by_rate"] == []
    assert data["lines"][0]["tax_rate"] == "без НДС"
    assert data["lines"][0]["quantity"] == "1,5"
    assert data["seller"]["inn"] == ""
    assert data["amount_in_words"] == "Одна тысяча пятьсот рублей 00 копеек"
