"""The demo's billing: the seed's invoice 2018 / 943 in New, and every won deal carries a paid invoice
whose UPD came back signed (D7), made through the billing services (I5, I7)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import override_settings

from dealbook import demo
from dealbook.billing.models import ClosingStatus, Invoice, InvoiceStatus
from dealbook.billing.services import won_refusal
from dealbook.crm.models import Deal

pytestmark = pytest.mark.django_db


class _Rollback(Exception):
    pass


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    fast_hash = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast_hash:
        try:
            with transaction.atomic():
                demo.load()
                yield
                raise _Rollback
        except _Rollback:
            pass


def test_demo_seed_invoice_2018_943_is_new_with_the_deal_lines(loaded):
    invoice = Invoice.objects.get(number="2018 / 943")
    assert invoice.deal_id == 37924 and invoice.status == InvoiceStatus.NEW
    assert invoice.date == dt.date(2018, 5, 12)
    assert (invoice.total, invoice.tax) == (Decimal("4000.00"), Decimal("610.17"))
    assert invoice.seller.inn == "7806210729" and invoice.payer_company.name == "ЭЛЕКСИС ООО"


def test_demo_won_deals_have_a_paid_shipped_invoice_with_upd_received(loaded):
    won = list(Deal.objects.filter(stage__code="won"))
    assert won
    for deal in won:
        assert won_refusal(deal) is None
        invoice = deal.invoices.get()
        assert invoice.status == InvoiceStatus.PAID_SHIPPED and invoice.paid_amount == invoice.total
        assert invoice.closing_documents.get(kind="upd").status == ClosingStatus.RECEIVED_SIGNED


def test_demo_invoice_statuses_follow_the_deal_stages(loaded):
    """I7: deals in "Invoice issued" have a sent invoice, deals in "Invoice paid" or "Shipment" a paid one."""
    for deal in Deal.objects.filter(stage__code__in=["invoice_issued", "invoice_paid", "shipment"]):
        status = deal.invoices.get().status
        expected = InvoiceStatus.SENT if deal.stage.code == "invoice_issued" else InvoiceStatus.PAID
        assert status == expected, deal
    assert (
        Invoice.objects.filter(status=InvoiceStatus.CANCELLED).exists()
        or not Deal.objects.filter(stage__code="lost", invoices__isnull=False).exists()
    )
