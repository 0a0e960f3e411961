"""Invoices made to differ in every sortable column (I9), with the order each ordering must give."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dealbook.billing.models import Invoice, InvoiceStatus
from tests.billing.conftest import make_invoice

NO_DUE_DATE = dt.date(9999, 12, 31)

# what each public ordering sorts by, as Python sees it; ties go by id
KEYS = {
    "id": lambda i: i.pk,
    "date": lambda i: i.date,
    "number": lambda i: i.seq,
    "total": lambda i: i.total,
    "created_at": lambda i: i.created_at,
    "paid": lambda i: i.paid_amount,
    "due_date": lambda i: i.due_date or NO_DUE_DATE,
    "customer": lambda i: i.customer_name.casefold(),
    "status": lambda i: InvoiceStatus.values.index(i.status),
    "batch": lambda i: i.batch,
}


def varied_invoices(w, f) -> list[Invoice]:
    """Eight invoices: company and contact-only payers whose names differ in case (Cyrillic
    "Бета" sorts before "альфа" unless folded), NULL and tied due dates, several statuses, empty and
    tied batches, tied and distinct dates, totals and paid amounts."""
    alpha = f.make_company("альфа", responsible=w.manager)
    beta = f.make_company("Бета", responsible=w.manager)
    ivan = f.make_contact("Иван", last_name="Абрамов", responsible=w.manager)
    d = dt.date
    specs = [
        (dict(payer_company=w.buyer), None, "new", "b", "4000.00", "0"),
        (dict(payer_company=beta), d(2018, 6, 1), "sent", "", "100.00", "0"),
        (dict(payer_company=None, payer_contact=w.roman), None, "paid", "a", "4000.00", "4000.00"),
        (dict(payer_company=alpha), d(2018, 5, 20), "cancelled", "b", "250.50", "0"),
        (dict(payer_company=None, payer_contact=ivan), d(2018, 6, 1), "new", "", "100.00", "50.00"),
        (dict(payer_company=w.buyer), d(2018, 5, 20), "exported", "c", "9999.99", "9999.99"),
        (dict(payer_company=alpha), None, "sent", "a", "250.50", "0"),
        (dict(payer_company=beta), d(2018, 7, 1), "on_approval", "", "1.00", "0"),
    ]
    made = []
    for n, (payer, due, status, batch, total, paid) in enumerate(specs):
        inv = make_invoice(
            w, confirmed=False, date=d(2018, 5, 10 + n % 3), due_date=due, batch=batch, **payer
        )
        Invoice.objects.filter(pk=inv.pk).update(
            status=status, total=Decimal(total), paid_amount=Decimal(paid)
        )
        made.append(inv)
    return list(
        Invoice.objects.filter(pk__in=[i.pk for i in made]).select_related("payer_company", "payer_contact")
    )


def expected_ids(invoices: list[Invoice], ordering: str) -> list[int]:
    name = ordering.lstrip("-")
    ordered = sorted(invoices, key=lambda i: (KEYS[name](i), i.pk), reverse=ordering.startswith("-"))
    return [i.pk for i in ordered]
