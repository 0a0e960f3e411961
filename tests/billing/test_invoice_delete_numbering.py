"""I1 + I9: deleting a draft gives its number back only when it is the seller's latest of the year,
so numbers stay gapless and unique; an older draft is refused (cancel it: it keeps its number)."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction

from dealbook.accounts.models import Role
from dealbook.billing.models import Invoice, InvoiceStatus
from dealbook.billing.services import invoice_cancel, invoice_create, invoice_delete
from dealbook.core.errors import RuleViolation
from tests.billing.conftest import make_invoice, snapshot


def _numbers():
    return list(Invoice.objects.order_by("seq").values_list("seq", "number"))


@pytest.mark.django_db
def test_i1_deleting_the_latest_draft_keeps_numbering_gapless(w):
    """I1/I9: 1, 2, 3 → delete 3 → the next invoice is 3 again: no gap, no duplicate."""
    first, second, third = (make_invoice(w, confirmed=False) for _ in range(3))
    invoice_delete(actor=w.manager, invoice=third, confirmed=True)
    fourth = make_invoice(w, confirmed=False)
    assert fourth.number == "2018 / 3"
    assert _numbers() == [(1, "2018 / 1"), (2, "2018 / 2"), (3, "2018 / 3")]


@pytest.mark.django_db
def test_i1_i9_an_older_draft_is_refused_and_never_duplicated_later(w):
    """I1/I9: deleting 2018 / 1 while 2018 / 2 exists is refused (it would leave a gap, or a
    duplicate once reused); it is cancelled instead, keeps its number, and the next is 2018 / 3."""
    older, _latest = make_invoice(w, confirmed=False), make_invoice(w, confirmed=False)
    before = snapshot()
    with pytest.raises(RuleViolation) as err:
        invoice_delete(actor=w.manager, invoice=older, confirmed=True)
    assert (err.value.code, err.value.field) == ("invoice_number_gap", "id")
    assert "Cancel" in err.value.message
    assert snapshot() == before
    invoice_cancel(actor=w.manager, invoice=older)
    assert make_invoice(w, confirmed=False).number == "2018 / 3"
    seqs = [s for s, _n in _numbers()]
    assert seqs == [1, 2, 3] and len(set(_numbers())) == 3
    assert Invoice.objects.get(seq=1).status == InvoiceStatus.CANCELLED


@pytest.mark.django_db
def test_i1_deleting_back_down_the_sequence_one_by_one(w):
    """I1: the latest draft can be deleted again and again; the numbers always end where they start."""
    drafts = [make_invoice(w, confirmed=False) for _ in range(3)]
    for draft in reversed(drafts):
        invoice_delete(actor=w.manager, invoice=draft, confirmed=True)
    assert not Invoice.objects.exists()
    assert make_invoice(w, confirmed=False).number == "2018 / 1"


THREADS = 8
ROUNDS = 4


@pytest.mark.slow
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="I1 concurrency needs PostgreSQL: separate connections with row locks (SQLite runs in memory here)",
)
@pytest.mark.django_db(transaction=True)
def test_i1_concurrent_creates_and_deletes_leave_no_gap_and_no_duplicate(f):
    """I1 with real connections: 8 creators each create a draft and try to delete it again at once;
    deletions of a number that is no longer the latest are refused — at the end the numbers that
    remain are 1..n with no gap and no duplicate."""
    f.russia()
    manager = f.make_user(Role.ADMIN)
    f.make_company('ООО "ВЕСТ ГРУПП"', is_own=True)
    buyer = f.make_company("ЭЛЕКСИС ООО")
    product = f.make_product("Кольцо стеновое КС 10-3")
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def create_and_delete() -> None:
        try:
            start.wait(timeout=30)
            for _ in range(ROUNDS):
                with transaction.atomic():
                    invoice = invoice_create(
                        actor=manager,
                        payer_company=buyer,
                        date=dt.date(2018, 5, 12),
                        lines=[{"product": product.pk, "quantity": 1}],
                    )
                try:
                    invoice_delete(actor=manager, invoice=invoice.pk, confirmed=True)
                except RuleViolation as exc:
                    assert exc.code == "invoice_number_gap"
        except BaseException as exc:  # reported in the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create_and_delete) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    seqs = sorted(Invoice.objects.values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    from dealbook.core.models import Sequence

    assert Sequence.objects.get(doc_type="invoice", year=2018).last == len(seqs)
