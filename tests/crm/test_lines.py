"""Deal lines: P1 catalog, P2 unit and quantity, P3 dated rates, P4 exact amounts, P5 zero-tax
warning, P6 discounts; D4 the deal amount follows the lines; D8 closed deals are frozen."""

import datetime as dt
from decimal import Decimal

import pytest

from dealbook.accounts.models import Role
from dealbook.catalog.models import TaxKind
from dealbook.catalog.setup import tax_profile_untaxed
from dealbook.core.errors import InvalidInput, NotFound, RuleViolation
from dealbook.core.models import Event, EventKind
from dealbook.crm import totals
from dealbook.crm.models import Deal, DealLine, StageTotal
from dealbook.crm.services.deals import deal_create, deal_move
from dealbook.crm.services.lines import deal_tax_warning, line_add, line_remove, line_update

pytestmark = pytest.mark.django_db
D = Decimal


def snapshot():
    return (
        list(Deal.objects.order_by("id").values()),
        list(DealLine.objects.order_by("id").values()),
        list(StageTotal.objects.order_by("id").values()),
        Event.objects.count(),
    )


@pytest.fixture
def w(f):
    class World:
        pass

    x = World()
    x.profile = f.russia()
    x.pipeline = f.make_pipeline("ЖБИ")
    x.manager = f.make_user(Role.SALES_MANAGER)
    x.ring = f.make_product("Кольцо стеновое КС 10-3", price="700.00")
    x.block = f.make_product("фундаментный блок ФБС 9-5-3т", price="950.00")
    x.sand = f.make_product("Песок карьерный", price="450.00", unit_name="т")
    return x


def new_deal(w, tax_date=dt.date(2026, 5, 12), **kw):
    return deal_create(
        actor=w.manager,
        title="01/12.05 КС, ФБС тест",
        pipeline=w.pipeline,
        responsible=w.manager,
        tax_date=tax_date,
        **kw,
    )


def test_p4_seed_example_at_18_percent_through_line_add(w):
    """P4: 3 × 700.00 + 2 × 950.00, VAT 18 % included (2018) → 4 000.00, VAT 610.17, net 3 389.83."""
    deal = new_deal(w, tax_date=dt.date(2018, 5, 12))
    a = line_add(actor=w.manager, deal=deal, product=w.ring, quantity=3)
    b = line_add(actor=w.manager, deal=deal, product=w.block, quantity="2")
    deal.refresh_from_db()
    assert (deal.amount, deal.tax_amount) == (D("4000.00"), D("610.17"))
    assert (a.tax_rate, a.tax, b.tax) == (D("18"), D("320.34"), D("289.83"))
    assert a.net + b.net == D("3389.83")
    assert deal_tax_warning(deal) is None


def test_p3_p4_same_lines_in_2026_take_22_percent(w):
    deal = new_deal(w, tax_date=dt.date(2026, 1, 1))
    line_add(actor=w.manager, deal=deal, product=w.ring, quantity=3)
    line_add(actor=w.manager, deal=deal, product=w.block, quantity=2)
    assert (deal.amount, deal.tax_amount) == (D("4000.00"), D("721.31"))
    assert set(deal.lines.values_list("tax_rate", flat=True)) == {D("22")}


def test_p3_price_excluding_tax_adds_tax_on_top(w, f):
    product = f.make_product(price="100.00", includes_tax=False)
    deal = new_deal(w)
    line = line_add(actor=w.manager, deal=deal, product=product, quantity=1)
    assert (line.net, line.tax, line.total) == (D("100.00"), D("22.00"), D("122.00"))
    assert deal.amount == D("122.00")


def test_p1_product_must_be_in_the_catalog_and_active(w):
    deal = new_deal(w)
    w.block.is_active = False
    w.block.save()
    before = snapshot()
    for product in (999999, None, "КС 10-3", w.block):
        with pytest.raises(InvalidInput) as e:
            line_add(actor=w.manager, deal=deal, product=product, quantity=1)
        assert e.value.field == "product"
    assert snapshot() == before


def test_p2_unit_must_be_the_products_unit(w, f):
    deal = new_deal(w)
    before = snapshot()
    for unit in (f.unit("т"), "т", f.unit("м3").pk):
        with pytest.raises(InvalidInput) as e:
            line_add(actor=w.manager, deal=deal, product=w.ring, quantity=1, unit=unit)
        assert e.value.field == "unit"
        assert "шт" in e.value.message
    assert snapshot() == before
    assert line_add(actor=w.manager, deal=deal, product=w.ring, quantity=1, unit="шт").unit.name == "шт"


@pytest.mark.parametrize("quantity", [0, "0", -1, "-2.5", "abc", "1e30", None])
def test_p2_zero_negative_or_bad_quantity_is_refused(w, quantity):
    deal = new_deal(w)
    before = snapshot()
    with pytest.raises(InvalidInput) as e:
        line_add(actor=w.manager, deal=deal, product=w.sand, quantity=quantity)
    assert e.value.field == "quantity"
    assert snapshot() == before


def test_p2_fractional_quantities_for_tonnes_but_whole_pieces(w):
    deal = new_deal(w)
    line = line_add(actor=w.manager, deal=deal, product=w.sand, quantity="12,345")
    assert line.quantity == D("12.345") and line.total == D("5555.25")
    with pytest.raises(InvalidInput) as e:
        line_add(actor=w.manager, deal=deal, product=w.ring, quantity="1.5")
    assert e.value.field == "quantity"
    with pytest.raises(InvalidInput):
        line_add(actor=w.manager, deal=deal, product=w.sand, quantity="1.0001")


def test_p6_discount_percent_and_amount_and_show_flag(w):
    deal = new_deal(w, tax_date=dt.date(2018, 5, 12))
    a = line_add(
        actor=w.manager, deal=deal, product=w.ring, quantity=3, discount_kind="percent", discount_value="10"
    )
    b = line_add(
        actor=w.manager,
        deal=deal,
        product=w.block,
        quantity=2,
        discount_kind="amount",
        discount_value="100.00",
        show_discount=False,
    )
    assert (a.subtotal, a.discount_amount, a.total) == (D("2100.00"), D("210.00"), D("1890.00"))
    assert (b.discount_amount, b.total, b.show_discount) == (D("100.00"), D("1800.00"), False)
    deal.refresh_from_db()
    assert deal.amount == D("3690.00")
    assert deal.tax_amount == a.tax + b.tax


def test_p6_bad_discounts_are_refused(w):
    deal = new_deal(w)
    before = snapshot()
    for kind, value, field in (
        ("percent", "101", "discount_value"),
        ("amount", "5000", "discount_value"),
        ("coupon", "1", "discount_kind"),
        ("amount", "-1", "discount_value"),
    ):
        with pytest.raises(InvalidInput) as e:
            line_add(
                actor=w.manager,
                deal=deal,
                product=w.ring,
                quantity=1,
                discount_kind=kind,
                discount_value=value,
            )
        assert e.value.field == field
    assert snapshot() == before


def test_price_may_be_given_but_not_with_extra_decimals(w):
    deal = new_deal(w)
    line = line_add(actor=w.manager, deal=deal, product=w.ring, quantity=1, price="650.50")
    assert line.price == D("650.50")
    with pytest.raises(InvalidInput) as e:
        line_add(actor=w.manager, deal=deal, product=w.ring, quantity=1, price="650.505")
    assert e.value.field == "price"


def test_d4_update_and_remove_keep_deal_amount_equal_to_lines_and_totals_exact(w):
    deal = new_deal(w, tax_date=dt.date(2018, 5, 12))
    a = line_add(actor=w.manager, deal=deal, product=w.ring, quantity=3)
    b = line_add(actor=w.manager, deal=deal, product=w.block, quantity=2)
    line_update(actor=w.manager, line=a, quantity=4)
    deal.refresh_from_db()
    assert deal.amount == D("4700.00")
    ev = Event.objects.filter(kind=EventKind.LINE_CHANGED).latest("id")
    assert ev.data["changes"]["quantity"] == {"from": "3.000", "to": "4.000"}
    line_remove(actor=w.manager, line=b)
    deal.refresh_from_db()
    assert deal.amount == D("2800.00") and deal.tax_amount == D("427.12")
    assert totals.stored_totals(w.pipeline) == totals.live_totals(w.pipeline)
    line_remove(actor=w.manager, line=a)
    deal.refresh_from_db()
    assert (deal.amount, deal.tax_amount) == (D("0.00"), D("0.00"))


def test_line_update_refuses_bad_values_and_unknown_fields(w, f):
    deal = new_deal(w)
    line = line_add(actor=w.manager, deal=deal, product=w.ring, quantity=3)
    other = new_deal(w)
    before = snapshot()
    for fields, field in (
        ({"quantity": 0}, "quantity"),
        ({"unit": "т"}, "unit"),
        ({"tax_rate": "0"}, "tax_rate"),
        ({"price": "-5"}, "price"),
    ):
        with pytest.raises(InvalidInput) as e:
            line_update(actor=w.manager, line=line, **fields)
        assert e.value.field == field
    with pytest.raises(NotFound):
        line_update(actor=w.manager, line=line, deal=other, quantity=1)
    assert snapshot() == before


@pytest.mark.usefixtures("without_win_guard")
def test_d8_closed_deal_lines_cannot_change(w):
    deal = new_deal(w)
    line = line_add(actor=w.manager, deal=deal, product=w.ring, quantity=3)
    deal_move(actor=w.manager, deal=deal, stage="won")
    before = snapshot()
    with pytest.raises(RuleViolation) as e:
        line_add(actor=w.manager, deal=deal, product=w.block, quantity=1)
    assert e.value.code == "deal_closed"
    with pytest.raises(RuleViolation):
        line_update(actor=w.manager, line=line, quantity=1)
    with pytest.raises(RuleViolation):
        line_remove(actor=w.manager, line=line)
    assert snapshot() == before


def test_lines_events_on_deal_timeline(w):
    deal = new_deal(w)
    line = line_add(actor=w.manager, deal=deal, product=w.ring, quantity=3)
    line_remove(actor=w.manager, line=line)
    kinds = list(
        Event.objects.filter(kind__startswith="line_").order_by("id").values_list("kind", "data__name")
    )
    assert kinds == [
        (EventKind.LINE_ADDED, "Кольцо стеновое КС 10-3"),
        (EventKind.LINE_REMOVED, "Кольцо стеновое КС 10-3"),
    ]


def test_p5_zero_tax_where_tax_is_expected_is_flagged(w, f):
    exempt = f.make_product("Услуга без НДС", price="500.00", tax_kind=TaxKind.EXEMPT)
    deal = new_deal(w)
    assert deal_tax_warning(deal) is None  # no lines yet
    line_add(actor=w.manager, deal=deal, product=exempt, quantity=1)
    deal.refresh_from_db()
    assert deal.tax_amount == D("0.00")
    warning = deal_tax_warning(deal)
    assert warning and "НДС" in warning
    line_add(actor=w.manager, deal=deal, product=w.ring, quantity=1)
    deal.refresh_from_db()
    assert deal_tax_warning(deal) is None


def test_p5_no_warning_when_profile_expects_no_tax(w, f):
    exempt = f.make_product("Услуга", price="500.00", tax_kind=TaxKind.EXEMPT)
    deal = new_deal(w, tax_profile=tax_profile_untaxed())
    line_add(actor=w.manager, deal=deal, product=exempt, quantity=1)
    deal.refresh_from_db()
    assert deal_tax_warning(deal) is None


def test_p3_missing_rate_on_tax_date_is_refused(w):
    deal = new_deal(w, tax_date=dt.date(1999, 1, 1))  # Russia's rates start in 2004 in our data
    before = snapshot()
    with pytest.raises(InvalidInput) as e:
        line_add(actor=w.manager, deal=deal, product=w.ring, quantity=1)
    assert e.value.field == "tax_date"
    assert snapshot() == before
