"""Product services: C4 (only accounting edits the catalog), P1, R3 (changes recorded)."""

from decimal import Decimal

import pytest

from dealbook.accounts.models import Role
from dealbook.catalog import services
from dealbook.catalog.models import Product, TaxKind
from dealbook.core.errors import Forbidden, InvalidInput
from dealbook.core.models import Event, EventKind
from dealbook.core.timeline import events_for

pytestmark = pytest.mark.django_db


def _create(actor, **kw):
    values = {"name": "Кольцо стеновое КС 10-3", "unit": "шт", "price": "700.00", "sku": "KS-10-3"}
    values.update(kw)
    return services.product_create(actor=actor, **values)


@pytest.mark.parametrize("role", [Role.ACCOUNTANT, Role.ADMIN])
def test_c4_accounting_and_admin_create_products(f, role):
    """C4: accountants and administrators add products; the creation is on the product's timeline."""
    f.unit()
    actor = f.make_user(role)
    product = _create(actor)
    assert product.price == Decimal("700.00")
    assert product.unit.name == "шт"
    assert product.currency == "RUB"
    events = list(events_for(product))
    assert [e.kind for e in events] == [EventKind.CREATED]
    assert events[0].actor == actor


@pytest.mark.parametrize(
    "role", [Role.SALES_MANAGER, Role.OPERATOR, Role.GROUP_MANAGER, Role.DIRECTOR, Role.FINANCIAL_MANAGER]
)
def test_c4_p1_other_roles_cannot_create_products(f, role):
    """C4/P1 (step 29): a sales manager cannot create catalog products; nothing is written."""
    f.unit()
    actor = f.make_user(role)
    with pytest.raises(Forbidden) as exc:
        _create(actor)
    assert exc.value.code == "forbidden"
    assert Product.objects.count() == 0
    assert Event.objects.count() == 0


def test_c4_sales_manager_cannot_edit_or_archive(f):
    """C4: editing and archiving are accounting's too; the product stays as it was."""
    product = f.make_product(price="950.00")
    manager = f.make_user(Role.SALES_MANAGER)
    with pytest.raises(Forbidden):
        services.product_update(actor=manager, product=product, price="1.00")
    with pytest.raises(Forbidden):
        services.product_archive(actor=manager, product=product)
    product.refresh_from_db()
    assert product.price == Decimal("950.00") and product.is_active
    assert Event.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"price": "-1"}, "price"),
        ({"price": "abc"}, "price"),
        ({"price": None}, "price"),
        ({"price": "10.005"}, "price"),
        ({"unit": "bucket"}, "unit"),
        ({"unit": 999999}, "unit"),
        ({"tax_kind": "luxury"}, "tax_kind"),
        ({"currency": "RUBL"}, "currency"),
        ({"currency": "R1"}, "currency"),
        ({"name": "  "}, "name"),
    ],
)
def test_c4_bad_product_input_is_refused_naming_the_field(f, changes, field):
    """C4: bad input is refused with the field named, and no product or event is written."""
    f.unit()
    accountant = f.make_user(Role.ACCOUNTANT)
    with pytest.raises(InvalidInput) as exc:
        _create(accountant, **changes)
    assert exc.value.field == field
    assert Product.objects.count() == 0
    assert Event.objects.count() == 0


def test_c4_duplicate_article_is_refused(f):
    f.unit()
    accountant = f.make_user(Role.ACCOUNTANT)
    _create(accountant, sku="FBS-9-5-3")
    with pytest.raises(InvalidInput) as exc:
        _create(accountant, name="Other", sku="fbs-9-5-3")
    assert exc.value.field == "sku"
    assert Product.objects.count() == 1


def test_r3_product_update_records_from_and_to(f):
    """R3: every changed field is on the product's timeline with who, from and to."""
    product = f.make_product(price="700.00", unit_name="шт")
    accountant = f.make_user(Role.ACCOUNTANT)
    updated = services.product_update(
        actor=accountant,
        product=product,
        price="750.50",
        unit="т",
        tax_kind=TaxKind.REDUCED,
        name=product.name,
    )
    assert updated.price == Decimal("750.50")
    assert updated.unit.name == "т"
    changes = {e.data["field"]: e.data for e in events_for(product) if e.kind == EventKind.UPDATED}
    assert set(changes) == {"price", "unit", "tax_kind"}  # the unchanged name is not recorded
    assert changes["price"]["from"] == "700.00" and changes["price"]["to"] == "750.50"
    assert changes["unit"] == {"field": "unit", "from": "шт", "to": "т"}
    assert all(e.actor_id == accountant.pk for e in events_for(product))


def test_c4_update_with_one_bad_field_changes_nothing(f):
    """Nothing half-written: a valid name with an invalid price leaves both unchanged."""
    product = f.make_product(name="Old name", price="700.00")
    accountant = f.make_user(Role.ACCOUNTANT)
    with pytest.raises(InvalidInput) as exc:
        services.product_update(actor=accountant, product=product, name="New name", price="-5")
    assert exc.value.field == "price"
    product.refresh_from_db()
    assert product.name == "Old name" and product.price == Decimal("700.00")
    assert Event.objects.count() == 0


def test_update_refuses_unknown_fields(f):
    product = f.make_product()
    with pytest.raises(InvalidInput) as exc:
        services.product_update(actor=f.make_user(Role.ADMIN), product=product, amount="1")
    assert exc.value.field == "amount"


def test_p1_archive_and_restore_are_recorded(f):
    """P1: an archived product leaves the catalog for new lines; archiving is on the timeline (R3)."""
    product = f.make_product()
    accountant = f.make_user(Role.ACCOUNTANT)
    services.product_archive(actor=accountant, product=product)
    product.refresh_from_db()
    assert not product.is_active
    services.product_archive(actor=accountant, product=product)  # twice: no second event
    services.product_restore(actor=accountant, product=product)
    product.refresh_from_db()
    assert product.is_active
    kinds = [
        (e.data["from"], e.data["to"]) for e in events_for(product) if e.kind == EventKind.STATUS_CHANGED
    ]
    assert kinds == [(False, True), (True, False)]


@pytest.mark.django_db
def test_p1_catalog_search_is_case_insensitive_in_cyrillic(f):
    """P1/C3-style search box: "кольцо" finds "Кольцо стеновое" on SQLite and PostgreSQL alike."""
    from dealbook.catalog.queries import products

    ring = f.make_product("Кольцо стеновое КС 10-3")
    f.make_product("Блок ФБС")
    assert list(products(q="кольцо")) == [ring]
    assert list(products(q="кс 10")) == [ring]
