"""P1/C4: everyone reads the catalog; accounting creates and edits products, errors at the field."""

import pytest
from django.urls import reverse

from dealbook.catalog.models import Product
from tests import factories


@pytest.mark.django_db
def test_accountant_creates_and_edits_a_product(board, client_as):
    accountant = factories.make_user("accountant")
    unit = factories.unit("т")
    client = client_as(accountant)
    assert "New product" in client.get(reverse("products")).content.decode()
    response = client.post(
        reverse("product_new"),
        {
            "name": "Щебень 20-40",
            "unit": unit.pk,
            "price": "1500.00",
            "currency": "RUB",
            "tax_kind": "standard",
            "price_includes_tax": "on",
        },
    )
    assert response.status_code == 302
    product = Product.objects.get(name="Щебень 20-40")
    assert product.unit == unit
    bad = client.post(
        reverse("product_edit", args=[product.pk]),
        {"name": "Щебень 20-40", "unit": unit.pk, "price": "-5", "currency": "RUB", "tax_kind": "standard"},
    )
    assert bad.status_code == 400 and 'id="pr-price-error"' in bad.content.decode()
    product.refresh_from_db()
    assert str(product.price) == "1500.00"


@pytest.mark.django_db
def test_sales_manager_reads_but_cannot_edit(board, client_as):
    factories.make_product("Кольцо")
    client = client_as(board["manager"])
    html = client.get(reverse("products")).content.decode()
    assert "Кольцо" in html and "New product" not in html
    assert client.get(reverse("product_new")).status_code == 403
    response = client.post(reverse("product_new"), {"name": "X", "unit": factories.unit().pk, "price": "1"})
    assert response.status_code == 403
    assert not Product.objects.filter(name="X").exists()
