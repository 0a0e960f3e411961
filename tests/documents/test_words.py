"""Amounts in words and number formats printed on documents (I8)."""

import datetime
from decimal import Decimal

import pytest

from dealbook.documents.words import (
    amount_in_words,
    currency_label,
    format_date,
    format_money,
    format_percent,
    format_quantity,
    ru_cardinal,
    ru_plural,
)

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0", "Ноль рублей 00 копеек"),
        ("1", "Один рубль 00 копеек"),
        ("2", "Два рубля 00 копеек"),
        ("5", "Пять рублей 00 копеек"),
        ("11", "Одиннадцать рублей 00 копеек"),
        ("12", "Двенадцать рублей 00 копеек"),
        ("21", "Двадцать один рубль 00 копеек"),
        ("22", "Двадцать два рубля 00 копеек"),
        ("101", "Сто один рубль 00 копеек"),
        ("111", "Сто одиннадцать рублей 00 копеек"),
        ("1000", "Одна тысяча рублей 00 копеек"),
        ("2000", "Две тысячи рублей 00 копеек"),
        ("5000", "Пять тысяч рублей 00 копеек"),
        ("11000", "Одиннадцать тысяч рублей 00 копеек"),
        ("21000", "Двадцать одна тысяча рублей 00 копеек"),
        ("22000", "Двадцать две тысячи рублей 00 копеек"),
        ("1000000", "Один миллион рублей 00 копеек"),
        ("2000000", "Два миллиона рублей 00 копеек"),
        ("1002001", "Один миллион две тысячи один рубль 00 копеек"),
        ("4000.00", "Четыре тысячи рублей 00 копеек"),
        ("610.17", "Шестьсот десять рублей 17 копеек"),
        ("3389.83", "Три тысячи триста восемьдесят девять рублей 83 копейки"),
        ("1.01", "Один рубль 01 копейка"),
        ("2.02", "Два рубля 02 копейки"),
        ("0.11", "Ноль рублей 11 копеек"),
        ("0.005", "Ноль рублей 01 копейка"),  # rounded half up first (P4)
        ("-5", "Минус пять рублей 00 копеек"),
    ],
)
def test_russian_amount_in_words_declines_roubles_and_kopecks_I8(amount, words):
    assert amount_in_words(Decimal(amount), "RUB", "ru") == words


def test_4000_roubles_never_reads_forty_I8():
    """The peer's classic bug: an int read as kopecks turns 4 000.00 into "сорок рублей"."""
    text = amount_in_words(Decimal("4000.00"), "RUB", "ru")
    assert text == "Четыре тысячи рублей 00 копеек"
    assert "сорок" not in text.lower()


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("1.01", "Один рубль одна копейка"),
        ("2.02", "Два рубля две копейки"),
        ("3389.83", "Три тысячи триста восемьдесят девять рублей восемьдесят три копейки"),
        ("21.21", "Двадцать один рубль двадцать одна копейка"),
    ],
)
def test_kopecks_in_words_are_feminine_I8(amount, words):
    assert amount_in_words(Decimal(amount), "RUB", "ru", minor_in_words=True) == words


def test_russian_other_currencies_I8():
    assert amount_in_words(Decimal("21000"), "USD", "ru") == "Двадцать одна тысяча долларов США 00 центов"
    assert amount_in_words(Decimal("2.50"), "EUR", "ru") == "Два евро 50 центов"
    assert amount_in_words(Decimal("1.01"), "XYZ", "ru-RU") == "Один XYZ 01"


@pytest.mark.parametrize(
    ("amount", "currency", "words"),
    [
        ("4000.00", "RUB", "Four thousand roubles and 00 kopecks"),
        ("1", "RUB", "One rouble and 00 kopecks"),
        ("1.01", "USD", "One dollar and 01 cent"),
        ("4000.50", "EUR", "Four thousand euro and 50 cents"),
        ("1205.91", "EUR", "One thousand, two hundred and five euro and 91 cents"),
        ("0", "GBP", "Zero pounds and 00 pence"),
        ("3", "JPY", "Three yen"),
    ],
)
def test_english_amount_in_words_I8(amount, currency, words):
    assert amount_in_words(Decimal(amount), currency, "en") == words


def test_amount_in_words_refuses_floats_and_ints():
    """An int or float would silently be taken in the wrong unit; only Decimal is accepted."""
    with pytest.raises(TypeError):
        amount_in_words(4000, "RUB", "ru")
    with pytest.raises(TypeError):
        amount_in_words(4000.0, "RUB", "ru")


def test_ru_cardinal_and_plural_helpers():
    assert ru_cardinal(0) == "ноль"
    assert ru_cardinal(2, "f") == "две"
    assert ru_cardinal(1_000_000_001) == "один миллиард один"
    assert [ru_plural(n, ("а", "б", "в")) for n in (1, 2, 5, 11, 14, 21, 104, 111)] == list("абвввабв")


def test_format_money_per_language_I8():
    assert format_money(Decimal("4000"), "RUB", "ru") == f"4{NBSP}000,00"
    assert format_money(Decimal("4000"), "EUR", "en") == "4,000.00"
    assert format_money(Decimal("1234567.891"), "RUB", "ru") == f"1{NBSP}234{NBSP}567,89"
    assert format_money(Decimal("-0.001"), "RUB", "ru") == "0,00"
    assert format_money(Decimal("-12.5"), "EUR", "de") == "-12,50"
    assert format_money(Decimal("1500"), "JPY", "en") == "1,500"


def test_quantities_rates_dates_and_labels():
    assert format_quantity(Decimal("3.000"), "ru") == "3"
    assert format_quantity(Decimal("2.50"), "ru") == "2,5"
    assert format_quantity(Decimal("1000"), "ru") == f"1{NBSP}000"
    assert format_quantity(Decimal("1000.125"), "en") == "1,000.125"
    assert format_percent(Decimal("18.000"), "ru") == "18%"
    assert format_percent(Decimal("7.5"), "ru") == "7,5%"
    assert format_date(datetime.date(2018, 3, 12), "ru") == "12 марта 2018 г."
    assert format_date(datetime.date(2018, 3, 12), "en-GB") == "12 March 2018"
    assert currency_label("RUB", "ru") == "руб."
    assert currency_label("EUR", "en") == "EUR"
