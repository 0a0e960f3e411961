"""products, units, tax-profiles over the API: C4, P1, P3 and the list contract (filters, cursor)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealbook.accounts.models import Role
from dealbook.catalog.models import Product
from dealbook.core.models import Event

pytestmark = pytest.mark.django_db


def _payload(**kw):
    return {"name": "Кольцо стеновое КС 10-3", "unit": "шт", "price": "700.00", "sku": "KS-10-3"} | kw


def test_c4_accountant_creates_and_patches_a_product(f, api_as):
    """C4: an accountant creates (201) and edits a product; the change is on its timeline (R3)."""
    f.unit()
    client = api_as(f.make_user(Role.ACCOUNTANT))
    r = client.post("products", _payload())
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["price"] == "700.00" and body["unit"]["name"] == "шт" and body["tax_kind"] == "standard"
    r = client.patch(f"products/{body['id']}", {"price": "720.00"})
    assert r.status_code == 200 and r.json()["price"] == "720.00"
    r = client.get(f"products/{body['id']}/timeline")
    assert [e["kind"] for e in r.json()["items"]] == ["updated", "created"]
    assert r.json()["items"][0]["data"] == {"field": "price", "from": "700.00", "to": "720.00"}


def test_c4_p1_sales_manager_gets_403_and_nothing_is_written(f, api_as):
    """C4/P1: a sales manager creating or editing a product gets 403 "forbidden"; nothing written."""
    f.unit()
    client = api_as(f.make_user(Role.SALES_MANAGER))
    r = client.post("products", _payload())
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"
    assert Product.objects.count() == 0
    product = f.make_product(price="950.00")
    r = client.patch(f"products/{product.pk}", {"price": "1.00"})
    assert r.status_code == 403
    r = client.post(f"products/{product.pk}/archive")
    assert r.status_code == 403
    product.refresh_from_db()
    assert product.price == 950 and product.is_active
    assert Event.objects.count() == 0


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"price": "-1"}, "price"),
        ({"price": "many"}, "price"),
        ({"unit": "bucket"}, "unit"),
        ({"tax_kind": "luxury"}, "tax_kind"),
        ({"currency": "RUBLE"}, "currency"),
    ],
)
def test_c4_bad_product_input_is_400_with_the_field(f, api_as, kw, field):
    f.unit()
    r = api_as(f.make_user(Role.ACCOUNTANT)).post("products", _payload(**kw))
    assert r.status_code == 400, r.content
    assert r.json()["field"] == field and r.json()["code"] == "invalid"
    assert Product.objects.count() == 0


def test_p1_everyone_reads_the_catalog_with_filters_and_cursor(f, api_as):
    """P1: every role reads the catalog; q matches name or article; archived ones are hidden."""
    for n in range(5):
        f.make_product(f"Кольцо КС {n}")
    block = f.make_product("Блок ФБС 9-5-3т")
    Product.objects.filter(pk=block.pk).update(sku="FBS-953")
    old = f.make_product("Кольцо старое")
    Product.objects.filter(pk=old.pk).update(is_active=False)
    client = api_as(f.make_user(Role.OPERATOR))
    r = client.get("products", {"q": "fbs"})
    assert [p["name"] for p in r.json()["items"]] == ["Блок ФБС 9-5-3т"]
    r = client.get("products", {"q": "Кольцо", "limit": 2})
    page1 = r.json()
    assert len(page1["items"]) == 2 and page1["next_cursor"]
    names = [p["name"] for p in page1["items"]]
    cursor = page1["next_cursor"]
    while cursor:
        page = client.get("products", {"q": "Кольцо", "limit": 2, "cursor": cursor}).json()
        names += [p["name"] for p in page["items"]]
        cursor = page["next_cursor"]
    assert names == [f"Кольцо КС {n}" for n in range(5)]
    r = client.get("products", {"active": "false"})
    assert [p["name"] for p in r.json()["items"]] == ["Кольцо старое"]
    r = client.get("products", {"ordering": "-price"})
    assert r.status_code == 200
    r = client.get("products", {"ordering": "secret"})
    assert r.status_code == 400 and r.json()["field"] == "ordering"
    r = client.get("products", {"limit": 10_000})
    assert r.status_code == 400 and r.json()["field"] == "limit"


def test_product_list_query_count_does_not_grow(f, api_as):
    """The list runs a fixed number of queries whatever the number of products (unit joined)."""
    client = api_as(f.make_user())
    f.make_product()
    client.get("products")  # the token's first use writes last_used_at; count from the second
    with CaptureQueriesContext(connection) as few:
        assert client.get("products").status_code == 200
    for _ in range(20):
        f.make_product(unit_name="т")
    with CaptureQueriesContext(connection) as many:
        r = client.get("products")
    assert len(r.json()["items"]) == 21
    assert len(many) == len(few)


def test_units_and_tax_profiles(f, api_as):
    f.russia()
    f.unit()
    client = api_as(f.make_user())
    units = client.get("units").json()
    assert {"шт", "т", "м3", "рейс"} <= {u["name"] for u in units}
    profiles = client.get("tax-profiles").json()
    [ru] = [p for p in profiles if p["code"] == "RU"]
    standard = [(r["rate"], r["valid_from"], r["valid_to"]) for r in ru["rates"] if r["kind"] == "standard"]
    assert standard == [
        ("18.000", "2004-01-01", "2018-12-31"),
        ("20.000", "2019-01-01", "2025-12-31"),
        ("22.000", "2026-01-01", None),
    ]


@pytest.mark.parametrize(
    ("kind", "date", "rate"),
    [
        ("standard", "2018-05-12", "18.000"),
        ("standard", "2024-01-01", "20.000"),
        ("standard", "2026-05-12", "22.000"),
        ("reduced", "2026-05-12", "10.000"),
        ("zero", "2026-05-12", "0.000"),
        ("exempt", "2026-05-12", None),
    ],
)
def test_p3_rate_for_a_date(f, api_as, kind, date, rate):
    """P3: GET tax-profiles/{id}/rate answers the rate in force on the date."""
    profile = f.russia()
    r = api_as(f.make_user()).get(f"tax-profiles/{profile.pk}/rate", {"kind": kind, "date": date})
    assert r.status_code == 200, r.content
    assert r.json()["rate"] == rate
    assert r.json()["exempt"] is (rate is None)


def test_p3_rate_errors(f, api_as):
    profile = f.russia()
    client = api_as(f.make_user())
    r = client.get(f"tax-profiles/{profile.pk}/rate", {"kind": "standard", "date": "1990-01-01"})
    assert r.status_code == 404 and r.json()["code"] == "no_rate" and r.json()["field"] == "date"
    r = client.get(f"tax-profiles/{profile.pk}/rate", {"kind": "luxury", "date": "2026-01-01"})
    assert r.status_code == 400 and r.json()["field"] == "kind"
    r = client.get(f"tax-profiles/{profile.pk}/rate", {"kind": "standard", "date": "someday"})
    assert r.status_code == 400 and r.json()["field"] == "date"
    r = client.get("tax-profiles/999999/rate", {"kind": "standard", "date": "2026-01-01"})
    assert r.status_code == 404


def test_p3_admin_adds_a_rate_and_overlap_is_refused(f, api_as):
    profile = f.russia()
    admin = api_as(f.make_user(Role.ADMIN))
    r = admin.post(
        f"tax-profiles/{profile.pk}/rates", {"kind": "standard", "rate": "25", "valid_from": "2030-01-01"}
    )
    assert r.status_code == 400 and r.json()["field"] == "valid_from"
    open_rate = profile.rates.get(kind="standard", valid_to__isnull=True)
    r = admin.post(f"tax-profiles/{profile.pk}/rates/{open_rate.pk}/end", {"valid_to": "2029-12-31"})
    assert r.status_code == 200 and r.json()["valid_to"] == "2029-12-31"
    r = admin.post(
        f"tax-profiles/{profile.pk}/rates", {"kind": "standard", "rate": "25", "valid_from": "2030-01-01"}
    )
    assert r.status_code == 201, r.content
    r = admin.get(f"tax-profiles/{profile.pk}/rate", {"kind": "standard", "date": "2030-02-01"})
    assert r.json()["rate"] == "25.000"
    r = api_as(f.make_user(Role.ACCOUNTANT)).post(
        f"tax-profiles/{profile.pk}/rates", {"kind": "reduced", "rate": "5", "valid_from": "2040-01-01"}
    )
    assert r.status_code == 403
