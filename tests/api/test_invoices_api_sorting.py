"""I9 through the API: `ordering` by every sortable column, both directions, keyset pages that
return every invoice exactly once in order (NULL due dates and contact-only payers included), in
the same number of queries per page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealbook.billing import queries as bq
from tests.billing.conftest import w as w  # noqa: F401 — the seed's billing world fixture
from tests.billing.sorting import expected_ids, varied_invoices

pytestmark = pytest.mark.django_db
ORDERINGS = sorted(bq.ORDERINGS)


def walk(client, ordering: str, limit: int = 3) -> tuple[list[int], list[int]]:
    """All pages of the list in this ordering: (ids in order, queries per page)."""
    ids, counts, cursor = [], [], None
    while True:
        params = {"ordering": ordering, "limit": limit, **({"cursor": cursor} if cursor else {})}
        with CaptureQueriesContext(connection) as queries:
            r = client.get("invoices", params)
        assert r.status_code == 200, r.content
        ids += [i["id"] for i in r.json()["items"]]
        counts.append(len(queries))
        cursor = r.json()["next_cursor"]
        if not cursor:
            return ids, counts


def test_every_ordering_walks_all_pages_in_order_both_ways(w, api_as, f):
    """I9: id, date, number, total, created_at, due date (none last), customer (company or contact,
    case-insensitive), status (lifecycle order) and batch, ascending and descending, pages of 3."""
    invoices = varied_invoices(w, f)
    client = api_as(w.manager)
    client.get("invoices")  # the token's first use is recorded once; not part of the count
    for name in ORDERINGS:
        for ordering in (name, f"-{name}"):
            ids, counts = walk(client, ordering)
            assert ids == expected_ids(invoices, ordering), ordering
            assert len(counts) == 3 and len(set(counts)) == 1, (ordering, counts)


def test_derived_orderings_put_what_users_expect_first(w, api_as, f):
    """I9: no due date sorts last ascending; "альфа" before "Бета" (case folded, not code points);
    a contact-only payer sorts by the contact's full name; New before Sent before Paid."""
    invoices = {i.pk: i for i in varied_invoices(w, f)}
    client = api_as(w.manager)

    def first_and_last(ordering):
        ids, _ = walk(client, ordering, limit=50)
        return invoices[ids[0]], invoices[ids[-1]]

    first, last = first_and_last("due_date")
    assert first.due_date is not None and last.due_date is None
    first, last = first_and_last("customer")
    assert first.customer_name == "Абрамов Иван" and last.customer_name == "ЭЛЕКСИС ООО"
    ids, _ = walk(client, "customer", limit=50)
    names = [invoices[i].customer_name for i in ids]
    assert names.index("альфа") < names.index("Бета") < names.index("Роман")
    first, last = first_and_last("status")
    assert first.status == "new" and last.status == "exported"
    first, last = first_and_last("-batch")
    assert first.batch == "c" and last.batch == ""


def test_unknown_ordering_and_foreign_cursor_are_400(w, api_as, f):
    """I9: an ordering not offered, or a cursor not made by the API, is a field error, not a 500."""
    varied_invoices(w, f)
    client = api_as(w.manager)
    r = client.get("invoices", {"ordering": "-seller"})
    assert r.status_code == 400 and r.json()["field"] == "ordering"
    r = client.get("invoices", {"ordering": "due_date", "cursor": "garbage"})
    assert r.status_code == 400 and r.json()["field"] == "cursor"
