"""Priced-line rules shared by deal and invoice lines (catalog.pricing): P1, P2, P3, P4, P6."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from dealbook.catalog import pricing
from dealbook.catalog.models import Product, TaxKind
from dealbook.core.errors import InvalidInput
from dealbook.core.tax import DISCOUNT_AMOUNT, DISCOUNT_PERCENT

pytestmark = pytest.mark.django_db

D = Decimal


def _refused(call, field: str) -> InvalidInput:
    with pytest.raises(InvalidInput) as exc:
        call()
    assert exc.value.field == field and exc.value.code == "invalid"
    return exc.value


# P1: a line is chosen from the catalog, only active products


def test_p1_line_product_accepts_a_product_an_id_or_digits(f):
    product = f.make_product("Кольцо стеновое КС 10-3")
    for given in (product, product.pk, str(product.pk), f" {product.pk} "):
        found = pricing.line_product(given)
        assert found == product and found.unit.name == "шт"


@pytest.mark.parametrize("given", [None, "", "ring", True, 0, -1, 2**63, 10**30, 3.0])
def test_p1_line_product_refuses_what_names_no_product(f, given):
    f.make_product()
    error = _refused(lambda: pricing.line_product(given), "product")
    assert "catalog" in str(error.message)


def test_p1_line_product_refuses_an_inactive_product(f):
    product = f.make_product()
    Product.objects.filter(pk=product.pk).update(is_active=False)
    _refused(lambda: pricing.line_product(product.pk), "product")
    _refused(lambda: pricing.line_product(product), "product")


def test_p1_line_price_defaults_to_the_products_price_in_its_currency(f):
    product = f.make_product(price="950.00")
    assert pricing.line_price(product, None, currency="RUB") == D("950.00")
    assert pricing.line_price(product, "", currency="RUB", record="invoice") == D("950.00")
    assert pricing.line_price(product, "800.5", currency="RUB") == D("800.50")


def test_p1_line_price_must_be_given_in_another_currency_with_the_records_wording(f):
    product = f.make_product(price="950.00")
    deal = _refused(lambda: pricing.line_price(product, None, currency="EUR", record="deal"), "price")
    assert str(deal.message) == "The product is priced in RUB and the deal is in EUR: give a price."
    invoice = _refused(lambda: pricing.line_price(product, "", currency="EUR", record="invoice"), "price")
    assert str(invoice.message) == "The product is priced in RUB and the invoice is in EUR: give a price."
    assert pricing.line_price(product, "10.00", currency="EUR", record="invoice") == D("10.00")


# P2: the product's unit, quantities above zero, fractions only where the unit allows


def test_p2_line_unit_is_the_products_unit(f):
    product = pricing.line_product(f.make_product(unit_name="т"))
    unit = product.unit
    for given in (None, "", unit, unit.pk, str(unit.pk), "т", unit.code, " т "):
        assert pricing.line_unit(product, given) == unit


def test_p2_line_unit_refuses_another_unit(f):
    product = pricing.line_product(f.make_product("Песок", unit_name="т"))
    other = f.unit("шт")
    for given in (other, other.pk, "шт", "кг", True):
        error = _refused(lambda given=given: pricing.line_unit(product, given), "unit")
        assert str(error.message) == "The unit of “Песок” is т."


def test_p2_line_quantity_fractions_only_where_the_unit_allows(f):
    assert pricing.line_quantity("2.5", f.unit("т")) == D("2.500")
    assert pricing.line_quantity(3, f.unit("шт")) == D("3.000")
    _refused(lambda: pricing.line_quantity("2.5", f.unit("шт")), "quantity")


@pytest.mark.parametrize("given", ["0", "-1", "0.0001", "1e15", "x", None])
def test_p2_line_quantity_refuses_zero_negative_too_precise_or_out_of_range(f, given):
    _refused(lambda: pricing.line_quantity(given, f.unit("т")), "quantity")


# P3: the rate in force on the record's tax date


def test_p3_tax_rate_follows_the_date_and_kind(f):
    russia = f.russia()
    assert pricing.tax_rate(russia, TaxKind.STANDARD, dt.date(2018, 5, 12)) == D("18")
    assert pricing.tax_rate(russia, TaxKind.STANDARD, dt.date(2026, 1, 1)) == D("22")
    assert pricing.tax_rate(russia, TaxKind.REDUCED, dt.date(2026, 3, 1)) == D("10")
    assert pricing.tax_rate(russia, TaxKind.EXEMPT, dt.date(2026, 3, 1)) is None


def test_p3_tax_rate_missing_on_the_date_is_an_error_on_tax_date_not_zero(f):
    russia = f.russia()
    error = _refused(lambda: pricing.tax_rate(russia, TaxKind.STANDARD, dt.date(1999, 1, 1)), "tax_date")
    assert "1999-01-01" in str(error.message) and russia.name in str(error.message)


# P4: money has no more decimals than the currency, amounts through core.tax


def test_p4_clean_money_keeps_the_currencys_minor_unit(f):
    assert pricing.clean_money("700", currency="RUB", field="price") == D("700.00")
    assert pricing.clean_money(D("0"), currency="RUB", field="price") == D("0.00")
    assert pricing.clean_money("1500", currency="JPY", field="price") == D("1500.00")
    error = _refused(lambda: pricing.clean_money("10.5", currency="JPY", field="price"), "price")
    assert "more decimals" in str(error.message)
    _refused(lambda: pricing.clean_money("1.005", currency="RUB", field="discount_value"), "discount_value")


@pytest.mark.parametrize("given", ["-0.01", "1e16", "abc", True])
def test_p4_clean_money_refuses_negative_out_of_range_or_not_a_number(given):
    _refused(lambda: pricing.clean_money(given, currency="RUB", field="price"), "price")


def test_p4_compute_amounts_sets_the_line_amounts_per_line():
    line = SimpleNamespace(
        price=D("700.00"),
        quantity=D("3"),
        tax_rate=D("22"),
        price_includes_tax=True,
        discount_kind=DISCOUNT_PERCENT,
        discount_value=D("10"),
    )
    pricing.compute_amounts(line, currency="RUB")
    assert (line.subtotal, line.discount_amount, line.total) == (D("2100.00"), D("210.00"), D("1890.00"))
    # the tax is inside the price: 1890 × 22 / 122, and net is what remains
    assert (line.tax, line.net) == (D("340.82"), D("1549.18"))


def test_p4_compute_amounts_adds_tax_on_top_when_the_price_excludes_it():
    line = SimpleNamespace(
        price=D("100.00"),
        quantity=D("2"),
        tax_rate=D("20"),
        price_includes_tax=False,
        discount_kind="",
        discount_value=D("0"),
    )
    pricing.compute_amounts(line, currency="RUB")
    assert (line.subtotal, line.discount_amount, line.net) == (D("200.00"), D("0.00"), D("200.00"))
    assert (line.tax, line.total) == (D("40.00"), D("240.00"))


# P6: a line discount is a percent or an amount


def test_p6_clean_discount_percent_or_amount():
    assert pricing.clean_discount(DISCOUNT_PERCENT, "10", currency="RUB") == (DISCOUNT_PERCENT, D("10.00"))
    assert pricing.clean_discount(DISCOUNT_AMOUNT, "150.5", currency="RUB") == (DISCOUNT_AMOUNT, D("150.50"))


def test_p6_clean_discount_without_kind_is_no_discount():
    assert pricing.clean_discount("", "25", currency="RUB") == ("", D("0"))
    assert pricing.clean_discount(None, None, currency="RUB") == ("", D("0"))


def test_p6_clean_discount_refuses_another_kind_or_a_bad_value():
    _refused(lambda: pricing.clean_discount("coupon", "5", currency="RUB"), "discount_kind")
    _refused(lambda: pricing.clean_discount(DISCOUNT_AMOUNT, "-5", currency="RUB"), "discount_value")
    _refused(lambda: pricing.clean_discount(DISCOUNT_AMOUNT, "5.5", currency="JPY"), "discount_value")
