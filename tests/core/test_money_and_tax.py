"""P4, P6: exact decimal amounts, half-up to the minor unit, tax per line then summed."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dealbook.core.errors import InvalidInput
from dealbook.core.money import round_money, to_decimal
from dealbook.core.tax import line_amounts, sum_lines

D = Decimal


def _line(price, qty, rate="18", included=True, **kw):
    return line_amounts(
        price=D(price),
        quantity=D(qty),
        currency="RUB",
        tax_rate=D(rate) if rate is not None else None,
        price_includes_tax=included,
        **kw,
    )


def test_p4_seed_example_18_percent_included_gives_4000_610_17():
    """P4: 3 × 700.00 and 2 × 950.00, VAT 18 % included → 4 000.00, VAT 610.17, net 3 389.83."""
    a, b = _line("700.00", "3"), _line("950.00", "2")
    totals = sum_lines([(a, D(18)), (b, D(18))])
    assert totals.total == D("4000.00")
    assert totals.tax == D("610.17")
    assert totals.net == D("3389.83")
    assert (a.tax, b.tax) == (D("320.34"), D("289.83"))


def test_p4_same_lines_at_22_percent():
    totals = sum_lines([(_line("700.00", "3", "22"), D(22)), (_line("950.00", "2", "22"), D(22))])
    # 2100·22/122 = 378.688… → 378.69; 1900·22/122 = 342.622… → 342.62
    assert (totals.total, totals.tax, totals.net) == (D("4000.00"), D("721.31"), D("3278.69"))


def test_p4_tax_is_per_line_not_on_the_total():
    """P4: the document tax is the sum of rounded line taxes, which can differ from tax on the total."""
    lines = [(_line("0.04", "1", "20"), D(20)) for _ in range(3)]
    totals = sum_lines(lines)
    assert totals.tax == D("0.03")  # 3 × round(0.04·20/120 = 0.0067 → 0.01)
    assert round_money(totals.total * D(20) / D(120), "RUB") == D("0.02")  # what a total-based tax would give


def test_p4_half_up_rounding():
    assert round_money(D("0.005"), "RUB") == D("0.01")
    assert round_money(D("2.675"), "RUB") == D("2.68")
    assert round_money(D("-0.005"), "RUB") == D("-0.01")
    assert round_money(D("10.5"), "JPY") == D("11")


def test_p4_money_refuses_float():
    with pytest.raises(TypeError):
        round_money(0.1, "RUB")


def test_p3_tax_excluded_prices_add_tax():
    a = _line("1000.00", "2.5", "22", included=False)
    assert (a.net, a.tax, a.total) == (D("2500.00"), D("550.00"), D("3050.00"))


def test_p3_exempt_line_has_no_tax():
    a = _line("100.00", "3", None)
    assert (a.net, a.tax, a.total) == (D("300.00"), D("0.00"), D("300.00"))


def test_p6_percent_discount():
    a = _line("950.00", "2", "18", discount_kind="percent", discount_value=D("10"))
    assert a.subtotal == D("1900.00") and a.discount == D("190.00") and a.total == D("1710.00")
    assert a.tax == D("260.85")  # 1710·18/118 = 260.847…


def test_p6_amount_discount_and_its_limits():
    a = _line("700.00", "3", "18", discount_kind="amount", discount_value=D("100"))
    assert a.total == D("2000.00")
    with pytest.raises(InvalidInput) as e:
        _line("700.00", "1", "18", discount_kind="amount", discount_value=D("701"))
    assert e.value.field == "discount_value"
    with pytest.raises(InvalidInput):
        _line("700.00", "1", "18", discount_kind="percent", discount_value=D("101"))


def test_p2_fractional_quantity_and_refused_zero_or_negative():
    a = _line("1500.00", "12.345", "22", included=False)
    assert a.net == D("18517.50")
    for qty in ("0", "-1"):
        with pytest.raises(InvalidInput) as e:
            _line("10.00", qty)
        assert e.value.field == "quantity"


def test_to_decimal_parses_user_input_and_names_the_field():
    assert to_decimal("4 000,50") == D("4000.50")
    with pytest.raises(InvalidInput) as e:
        to_decimal("abc", field="price")
    assert e.value.field == "price"
    with pytest.raises(InvalidInput):
        to_decimal("NaN", field="price")


@given(
    price=st.decimals(min_value=0, max_value=10**7, places=2),
    qty=st.decimals(min_value=D("0.001"), max_value=10**4, places=3),
    rate=st.sampled_from([D(0), D(10), D(18), D(20), D(22)]),
    included=st.booleans(),
)
def test_p4_property_net_plus_tax_equals_total_and_all_are_rounded(price, qty, rate, included):
    a = line_amounts(price=price, quantity=qty, currency="RUB", tax_rate=rate, price_includes_tax=included)
    assert a.net + a.tax == a.total
    for v in (a.net, a.tax, a.total, a.subtotal):
        assert v == v.quantize(D("0.01"))
    assert a.tax >= 0
