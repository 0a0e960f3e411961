"""Speed (issue 4, I8): an invoice's print data is read with a fixed number of queries whatever its
lines and parties (no query per line or per party), and a new invoice's lines are priced from one
catalog read and written in one insert (P1–P6 unchanged)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealbook.billing.models import Invoice, InvoiceLine
from dealbook.billing.printing import invoice_print_data
from dealbook.billing.services import invoice_create
from dealbook.crm.models import BankAccount, ContactPoint
from tests.billing.conftest import make_invoice

pytestmark = pytest.mark.django_db


def _reads(invoice_id) -> tuple[int, dict]:
    invoice = Invoice.objects.select_related("seller", "payer_company", "payer_contact").get(pk=invoice_id)
    with CaptureQueriesContext(connection) as ctx:
        data = invoice_print_data(invoice, "ru")
    return len(ctx.captured_queries), data


def _contacts(w):
    BankAccount.objects.create(
        company=w.own,
        bank_name="Second bank",
        bik="044525225",
        account="40702810000000000002",
        is_primary=False,
    )
    BankAccount.objects.create(
        company=w.own,
        bank_name="ПАО СБЕРБАНК",
        bik="044030653",
        account="40702810000000000001",
        is_primary=True,
    )
    for company, kind, value in (
        (w.own, "phone", "+7 812 000-00-01"),
        (w.own, "phone", "+7 812 000-00-02"),
        (w.own, "email", "office@west.example"),
        (w.buyer, "email", "sl-cc@ya.ru"),
    ):
        ContactPoint.objects.create(company=company, kind=kind, value=value, normalized=value)


def test_i8_print_data_reads_a_fixed_number_of_queries_whatever_the_lines(w):
    _contacts(w)
    invoice = make_invoice(w)
    few, data = _reads(invoice.pk)
    assert few <= 3  # the lines, the parties' bank accounts, their phones and e-mails
    assert data["seller"]["bank"]["name"] == "ПАО СБЕРБАНК"  # the primary account
    assert (data["seller"]["phone"], data["seller"]["email"]) == ("+7 812 000-00-01", "office@west.example")
    assert data["buyer"]["email"] == "sl-cc@ya.ru" and data["buyer"]["phone"] == ""
    for _ in range(6):
        InvoiceLine.objects.create(
            invoice=invoice,
            product=w.ring,
            name=w.ring.name,
            quantity=Decimal("1"),
            unit=w.ring.unit,
            price=Decimal("700.00"),
            tax_kind=w.ring.tax_kind,
            tax_rate=Decimal("18"),
            subtotal=Decimal("700.00"),
            discount_amount=Decimal("0"),
            net=Decimal("593.22"),
            tax=Decimal("106.78"),
            total=Decimal("700.00"),
        )
    many, data = _reads(invoice.pk)
    assert many == few and len(data["lines"]) == 8


def test_p4_invoice_lines_are_priced_from_one_catalog_read_and_written_at_once(w):
    specs = [{"product": w.ring.pk, "quantity": "3"}, {"product": w.block.pk, "quantity": "2"}]
    invoice_create(actor=w.manager, payer_company=w.buyer, seller=w.own, lines=specs)  # the year's first
    with CaptureQueriesContext(connection) as two:
        invoice = invoice_create(actor=w.manager, payer_company=w.buyer, seller=w.own, lines=specs)
    specs = specs * 4
    with CaptureQueriesContext(connection) as eight:
        invoice_create(actor=w.manager, payer_company=w.buyer, seller=w.own, lines=specs)
    assert len(eight) == len(two)
    invoice.refresh_from_db()
    assert invoice.total == Decimal("4000.00")  # 3 × 700 + 2 × 950, VAT included
    lines = list(InvoiceLine.objects.filter(invoice=invoice).order_by("sort"))
    assert [(x.sort, x.total) for x in lines] == [(10, Decimal("2100.00")), (20, Decimal("1900.00"))]
