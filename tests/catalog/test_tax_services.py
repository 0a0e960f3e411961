"""Tax profiles and dated rates (P3)."""

import datetime as dt
from decimal import Decimal

import pytest

from dealbook.accounts.models import Role
from dealbook.catalog import queries, services
from dealbook.catalog.models import TaxKind, TaxProfile, TaxRate
from dealbook.core.errors import Forbidden, InvalidInput, NotFound, RuleViolation

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("day", "rate"),
    [
        (dt.date(2018, 5, 12), Decimal("18")),  # the seed's example
        (dt.date(2018, 12, 31), Decimal("18")),
        (dt.date(2019, 1, 1), Decimal("20")),
        (dt.date(2025, 12, 31), Decimal("20")),
        (dt.date(2026, 1, 1), Decimal("22")),
        (dt.date(2031, 7, 1), Decimal("22")),
    ],
)
def test_p3_russian_standard_rate_follows_the_date(f, day, rate):
    """P3: the rate is data with validity dates: 18 % to 2018, 20 % 2019–2025, 22 % from 2026."""
    assert queries.tax_rate_on(f.russia(), kind=TaxKind.STANDARD, on=day) == rate


def test_p3_other_kinds(f):
    profile = f.russia()
    day = dt.date(2026, 3, 1)
    assert queries.tax_rate_on(profile, kind=TaxKind.REDUCED, on=day) == Decimal("10")
    assert queries.tax_rate_on(profile, kind=TaxKind.ZERO, on=day) == Decimal("0")
    assert queries.tax_rate_on(profile, kind=TaxKind.EXEMPT, on=day) is None


def test_p3_a_date_without_rate_is_an_error_not_zero(f):
    with pytest.raises(NotFound) as exc:
        queries.tax_rate_on(f.russia(), kind=TaxKind.STANDARD, on=dt.date(1999, 1, 1))
    assert exc.value.field == "date" and exc.value.code == "no_rate"
    with pytest.raises(InvalidInput) as exc:
        queries.tax_rate_on(f.russia(), kind="luxury", on=dt.date(2026, 1, 1))
    assert exc.value.field == "kind"


def _profile(admin):
    return services.tax_profile_create(
        actor=admin, code="md", name="Moldova — TVA", country="MD", tax_name="TVA"
    )


def test_p3_admin_adds_profile_and_rates(f):
    admin = f.make_user(Role.ADMIN)
    profile = _profile(admin)
    assert profile.code == "MD"
    services.tax_rate_add(
        actor=admin,
        profile=profile,
        kind=TaxKind.STANDARD,
        rate="20",
        valid_from="2020-01-01",
        valid_to="2025-12-31",
    )
    services.tax_rate_add(
        actor=admin, profile=profile, kind=TaxKind.STANDARD, rate="21", valid_from=dt.date(2026, 1, 1)
    )
    # another kind may share the dates
    services.tax_rate_add(
        actor=admin, profile=profile, kind=TaxKind.REDUCED, rate="8", valid_from="2020-01-01"
    )
    assert queries.tax_rate_on(profile, kind=TaxKind.STANDARD, on=dt.date(2024, 6, 1)) == Decimal("20")
    assert queries.tax_rate_on(profile, kind=TaxKind.STANDARD, on=dt.date(2026, 6, 1)) == Decimal("21")


@pytest.mark.parametrize(
    ("valid_from", "valid_to"),
    [
        ("2025-01-01", None),  # open end over 22 % and the end of 20 %
        ("2026-06-01", "2026-06-30"),  # inside the open 22 % period
        ("2010-01-01", "2019-01-01"),  # touches the first day of 20 %
        ("2000-01-01", "2004-01-01"),  # touches the first day of 18 %
    ],
)
def test_p3_overlapping_rate_periods_are_refused(f, valid_from, valid_to):
    """P3: periods of one kind never overlap (one rate answers a date); refused on valid_from."""
    profile = f.russia()
    admin = f.make_user(Role.ADMIN)
    before = TaxRate.objects.count()
    with pytest.raises(InvalidInput) as exc:
        services.tax_rate_add(
            actor=admin,
            profile=profile,
            kind=TaxKind.STANDARD,
            rate="25",
            valid_from=valid_from,
            valid_to=valid_to,
        )
    assert exc.value.field == "valid_from"
    assert TaxRate.objects.count() == before


def test_p3_a_gap_before_the_first_period_can_be_filled(f):
    profile = f.russia()
    admin = f.make_user(Role.ADMIN)
    services.tax_rate_add(
        actor=admin,
        profile=profile,
        kind=TaxKind.STANDARD,
        rate="20",
        valid_from="1992-01-01",
        valid_to="2003-12-31",
    )
    assert queries.tax_rate_on(profile, kind=TaxKind.STANDARD, on=dt.date(2000, 1, 1)) == Decimal("20")


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"kind": "luxury"}, "kind"),
        ({"kind": TaxKind.EXEMPT}, "kind"),
        ({"rate": "-1"}, "rate"),
        ({"rate": "101"}, "rate"),
        ({"rate": "x"}, "rate"),
        ({"valid_from": "2030-13-01"}, "valid_from"),
        ({"valid_to": "2029-01-01"}, "valid_to"),
        ({"kind": TaxKind.ZERO, "rate": "5"}, "rate"),
    ],
)
def test_p3_bad_rate_input(f, kw, field):
    admin = f.make_user(Role.ADMIN)
    profile = _profile(admin)
    values = {"kind": TaxKind.STANDARD, "rate": "20", "valid_from": "2030-01-01"} | kw
    with pytest.raises(InvalidInput) as exc:
        services.tax_rate_add(actor=admin, profile=profile, **values)
    assert exc.value.field == field
    assert profile.rates.count() == 0


def test_p3_only_admins_manage_tax(f):
    accountant = f.make_user(Role.ACCOUNTANT)
    with pytest.raises(Forbidden):
        services.tax_profile_create(actor=accountant, code="X", name="X")
    with pytest.raises(Forbidden):
        services.tax_rate_add(
            actor=accountant, profile=f.russia(), kind=TaxKind.STANDARD, rate="5", valid_from="2040-01-01"
        )
    assert not TaxProfile.objects.filter(code="X").exists()


def test_p3_end_an_open_rate_then_add_the_next(f):
    """P3: a new rate law: end the open period, then the new rate takes the following days."""
    admin = f.make_user(Role.ADMIN)
    profile = f.russia()
    open_rate = profile.rates.get(kind=TaxKind.STANDARD, valid_to__isnull=True)
    services.tax_rate_end(actor=admin, rate=open_rate, valid_to="2029-12-31")
    services.tax_rate_add(
        actor=admin, profile=profile, kind=TaxKind.STANDARD, rate="24", valid_from="2030-01-01"
    )
    assert queries.tax_rate_on(profile, kind=TaxKind.STANDARD, on=dt.date(2029, 12, 31)) == Decimal("22")
    assert queries.tax_rate_on(profile, kind=TaxKind.STANDARD, on=dt.date(2030, 1, 1)) == Decimal("24")
    closed = profile.rates.get(kind=TaxKind.STANDARD, rate=Decimal("18"))
    with pytest.raises(RuleViolation):
        services.tax_rate_end(actor=admin, rate=closed, valid_to="2020-01-01")


def test_profile_code_unique_and_default_moves(f):
    admin = f.make_user(Role.ADMIN)
    russia = f.russia()
    assert russia.is_default
    profile = services.tax_profile_create(actor=admin, code="EE", name="Estonia", is_default=True)
    russia.refresh_from_db()
    assert profile.is_default and not russia.is_default
    with pytest.raises(InvalidInput) as exc:
        services.tax_profile_create(actor=admin, code="ee", name="Again")
    assert exc.value.field == "code"
