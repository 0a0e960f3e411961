"""Services save only the columns they changed (core.models.TracksChanges): what another request
wrote to the row's other columns in the meantime is not overwritten with stale values, and every
change a service makes is stored."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealbook.billing.models import Invoice, InvoiceStatus
from dealbook.billing.services.common import set_status

pytestmark = pytest.mark.django_db


def test_a_status_change_writes_the_status_and_the_time_only(w, invoice):
    """I5 via set_status: one short UPDATE; a comment saved meanwhile by someone else survives."""
    mine = Invoice.objects.get(pk=invoice.pk)
    Invoice.objects.filter(pk=invoice.pk).update(comment="written meanwhile")
    with CaptureQueriesContext(connection) as ctx:
        set_status(mine, InvoiceStatus.SENT, actor=w.director)
    update = next(q["sql"] for q in ctx.captured_queries if q["sql"].startswith("UPDATE"))
    assert '"status"' in update and '"updated_at"' in update and '"comment"' not in update
    fresh = Invoice.objects.get(pk=invoice.pk)
    assert fresh.status == InvoiceStatus.SENT and fresh.comment == "written meanwhile"
    assert fresh.updated_at == mine.updated_at


def test_every_changed_column_is_saved_and_a_second_save_sees_the_first(w, invoice):
    mine = Invoice.objects.get(pk=invoice.pk)
    mine.comment, mine.title = "new comment", "new title"
    assert sorted(mine.changed_fields()) == ["comment", "title"]
    mine.save_changes()
    assert mine.changed_fields() == []
    mine.comment = "again"
    mine.save_changes()
    fresh = Invoice.objects.get(pk=invoice.pk)
    assert (fresh.comment, fresh.title) == ("again", "new title")


def test_a_row_not_loaded_from_the_database_saves_whole(w, invoice):
    built = Invoice(**{f.attname: getattr(invoice, f.attname) for f in Invoice._meta.concrete_fields})
    built._state.adding = False
    built.comment = "from a copy"
    assert built.changed_fields() is None
    built.save_changes()
    assert Invoice.objects.get(pk=invoice.pk).comment == "from a copy"
