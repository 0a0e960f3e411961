"""The deal card's Invoices tab (step 53, X3): the deal's invoices with the paid total, in a number
of queries that does not grow with the invoices."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.billing.conftest import make_invoice

pytestmark = pytest.mark.django_db


def tab_queries(client, deal) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("deal", args=[deal.pk]), {"tab": "invoices"}).content.decode()
    return len(queries), html


def test_invoices_tab_lists_them_in_a_fixed_number_of_queries(w, client_as):
    client = client_as(w.manager)
    first = make_invoice(w)
    one, html = tab_queries(client, w.deal)
    assert first.number in html
    more = [make_invoice(w) for _ in range(4)]
    five, html = tab_queries(client, w.deal)
    assert all(i.number in html for i in more)
    assert five == one
