"""I1 under real concurrency: 16 threads, each with its own database connection and transaction,
create invoices for one seller and year at the same time — the numbers have no gaps and no
duplicates. Needs PostgreSQL (row locks across connections); SQLite serialises whole-database writes
and its test database is in memory, so the test is skipped there."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction

from dealbook.accounts.models import Role
from dealbook.billing.models import Invoice
from dealbook.billing.services import invoice_create

THREADS = 16
PER_THREAD = 3


@pytest.mark.slow
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="I1 concurrency needs PostgreSQL: separate connections with row locks (SQLite runs in memory here)",
)
@pytest.mark.django_db(transaction=True)
def test_i1_sixteen_concurrent_creators_get_gapless_unique_numbers(f):
    f.russia()
    manager = f.make_user(Role.SALES_MANAGER)
    f.make_company('ООО "ВЕСТ ГРУПП"', is_own=True)
    buyer = f.make_company("ЭЛЕКСИС ООО")
    product = f.make_product("Кольцо стеновое КС 10-3")
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def create_some() -> None:
        try:
            start.wait(timeout=30)
            for _ in range(PER_THREAD):
                with transaction.atomic():
                    invoice_create(
                        actor=manager,
                        payer_company=buyer,
                        date=dt.date(2018, 5, 12),
                        lines=[{"product": product.pk, "quantity": 1}],
                    )
        except BaseException as exc:  # reported in the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create_some) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    seqs = sorted(Invoice.objects.values_list("seq", flat=True))
    assert seqs == list(range(1, THREADS * PER_THREAD + 1))  # no gaps, no duplicates
    numbers = set(Invoice.objects.values_list("number", flat=True))
    assert len(numbers) == THREADS * PER_THREAD and "2018 / 48" in numbers
