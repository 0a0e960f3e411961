"""Issue 3 / C3: the global search box finds invoices by number ("2018 / 1", or just its digits),
scoped like the invoice list (R1/R2); users without billing rights get no invoice group."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def search(client, q: str) -> str:
    return client.get(reverse("search"), {"q": q}).content.decode()


def test_invoice_found_by_its_number_and_its_digits(w, invoice, client_as):
    client = client_as(w.manager)
    assert invoice.number and any(ch.isdigit() for ch in invoice.number)
    html = search(client, invoice.number)
    assert reverse("invoice", args=[invoice.pk]) in html and invoice.number in html
    html = search(client, str(invoice.year))  # a part of "2018 / 1"
    assert reverse("invoice", args=[invoice.pk]) in html
    assert reverse("invoice", args=[invoice.pk]) not in search(client, "1999")


def test_another_groups_manager_does_not_find_the_invoice(w, invoice, client_as):
    """R2: the outsider sees neither the deal nor its invoice."""
    html = search(client_as(w.outsider), invoice.number)
    assert reverse("invoice", args=[invoice.pk]) not in html


def test_accounting_finds_every_invoice(w, invoice, client_as):
    html = search(client_as(w.accountant), invoice.number)
    assert reverse("invoice", args=[invoice.pk]) in html


def test_a_user_without_billing_rights_searches_without_an_error(w, invoice, client_as):
    response = client_as(w.operator).get(reverse("search"), {"q": invoice.number})
    assert response.status_code == 200
    assert reverse("invoice", args=[invoice.pk]) not in response.content.decode()
