"""I9 on the invoices list page: every column people sort on has a clickable header showing the
current direction (arrow and aria-sort), and the keyset pages in each ordering, both ways, show
every invoice exactly once in order (NULL due dates and contact-only payers included), in the same
number of queries per page."""

import html as htmllib
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealbook.billing.views import lists
from tests.billing.sorting import expected_ids, varied_invoices

pytestmark = pytest.mark.django_db
URL = "/invoices/"


def headers(html: str) -> dict[str, str]:
    """Each sortable header's aria-sort, by the ordering its link asks for (without the sign)."""
    head = html.split('<table class="grid" id="invoices">')[1].split("</thead>")[0]
    found = re.findall(r'<th[^>]*aria-sort="(\w+)"><a href="[^"]*ordering=(-?\w+)">', head)
    return {link.lstrip("-"): aria for aria, link in found}


def walk(client, ordering: str) -> tuple[list[int], list[int]]:
    """All pages of the list in this ordering: (ids in order, queries per page)."""
    ids, counts, url = [], [], f"{URL}?ordering={ordering}"
    while url:
        with CaptureQueriesContext(connection) as queries:
            r = client.get(url)
        assert r.status_code == 200
        html = r.content.decode()
        table = html.split('<table class="grid" id="invoices">')[1].split("</table>")[0]
        ids += [int(pk) for pk in re.findall(r'data-invoice="(\d+)"', table)]
        counts.append(len(queries))
        nxt = re.search(r'<a class="btn" href="(\?[^"]*cursor=[^"]*)"', html)
        url = URL + htmllib.unescape(nxt.group(1)) if nxt else None
    return ids, counts


def test_every_column_sorts_both_ways_across_pages(w, f, client_as, monkeypatch):
    """I9: number, date, customer, status, amount, paid, due date and batch, ascending and
    descending, pages of 3: each invoice exactly once, in order, same query count per page."""
    monkeypatch.setattr(lists, "PAGE", 3)
    invoices = varied_invoices(w, f)
    client = client_as(w.manager)
    client.get(URL)  # the session's first use is not part of the count
    for name in lists.SORTABLE:
        for ordering in (name, f"-{name}"):
            ids, counts = walk(client, ordering)
            assert ids == expected_ids(invoices, ordering), ordering
            assert len(counts) == 3 and len(set(counts)) == 1, (ordering, counts)


def test_headers_link_every_sortable_column_and_show_the_direction(w, f, client_as):
    """I9: the header of the current column says ascending/descending (arrow and aria-sort) and a
    click flips it; the others say none; text columns sort A→Z on the first click."""
    varied_invoices(w, f)
    client = client_as(w.manager)
    html = client.get(URL).content.decode()
    assert headers(html) == {name: "none" for name in lists.SORTABLE}
    assert 'ordering=customer"' in html and 'ordering=-number"' in html
    html = client.get(URL, {"ordering": "customer"}).content.decode()
    assert headers(html)["customer"] == "ascending" and "ordering=-customer" in html
    assert "↑" in html.split('aria-sort="ascending"')[1].split("</th>")[0]
    html = client.get(URL, {"ordering": "-due_date"}).content.decode()
    assert headers(html)["due_date"] == "descending" and 'ordering=due_date"' in html
    assert "↓" in html.split('aria-sort="descending"')[1].split("</th>")[0]
    assert sorted(headers(html).values()) == ["descending", *["none"] * (len(lists.SORTABLE) - 1)]
