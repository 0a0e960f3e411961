"""Invoice lines (P1–P6 through core.tax) and the totals they make; edited only while New (I3)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from dealbook.billing.models import Invoice, InvoiceLine
from dealbook.billing.services.common import lock_invoice, record, refuse_unless_new
from dealbook.catalog import lines as priced
from dealbook.catalog import pricing
from dealbook.core.models import EventKind

# Building, copying, changing and summing lines is catalog.lines' (shared with proposals).
EDITABLE = priced.EDITABLE
LineCatalog = priced.LineCatalog
amounts_of = priced.amounts_of

# The rules live in catalog.pricing; these names stay for billing's invoice templates, which clean
# their lines with the same rules.
_product = pricing.line_product
_quantity = pricing.line_quantity


def _money(value, currency: str, field: str) -> Decimal:
    return pricing.clean_money(value, currency=currency, field=field)


def _discount(kind, value, currency: str) -> tuple[str, Decimal]:
    return pricing.clean_discount(kind, value, currency=currency)


def build_line(invoice: Invoice, **spec) -> InvoiceLine:
    """An unsaved line of a catalog product with its amounts (P1–P6); see catalog.lines.build_line."""
    return priced.build_line(InvoiceLine, invoice, owner="invoice", **spec)


def copy_deal_line(invoice: Invoice, source) -> InvoiceLine:
    """The deal's line as it was priced (rate and amounts included): the invoice shows what was agreed."""
    return priced.copy_line(InvoiceLine, invoice, source, owner="invoice")


def recalculate(invoice: Invoice, lines: list[InvoiceLine] | None = None) -> None:
    """P4: the invoice totals are the sums of its lines' own rounded amounts (`lines`: all of
    them, just written, else read)."""
    priced.recalculate(invoice, InvoiceLine.objects.filter(invoice=invoice) if lines is None else lines)


@transaction.atomic
def invoice_line_add(
    *, actor, invoice: Invoice, product, quantity, unit=None, price=None, discount_kind="", discount_value=0
) -> InvoiceLine:
    """I3 only while New; P1–P6; the totals follow (P4)."""
    locked = lock_invoice(actor, invoice)
    refuse_unless_new(locked)
    line = build_line(
        locked,
        product=product,
        quantity=quantity,
        unit=unit,
        price=price,
        discount_kind=discount_kind,
        discount_value=discount_value,
    )
    line.sort = priced.next_sort(InvoiceLine.objects.filter(invoice=locked))
    line.save()
    recalculate(locked)
    record(
        locked,
        EventKind.LINE_ADDED,
        actor=actor,
        data={**priced.line_data(line), "invoice_total": locked.total},
    )
    return line


def _locked_line(actor, invoice, line) -> tuple[Invoice, InvoiceLine]:
    locked = lock_invoice(actor, invoice)
    fresh = priced.find_line(InvoiceLine, locked, line, owner="invoice")
    refuse_unless_new(locked)
    return locked, fresh


@transaction.atomic
def invoice_line_update(*, actor, invoice: Invoice, line, **fields) -> InvoiceLine:
    """I3 only while New; quantity, unit, price and discount of a line; totals follow; R3 from/to."""
    priced.refuse_unknown(fields)
    locked, fresh = _locked_line(actor, invoice, line)
    changes = priced.change_line(fresh, fields, currency=locked.currency)
    fresh.save()
    recalculate(locked)
    if changes:
        record(
            locked, EventKind.LINE_CHANGED, actor=actor, data={**priced.line_data(fresh), "changes": changes}
        )
    return fresh


@transaction.atomic
def invoice_line_remove(*, actor, invoice: Invoice, line) -> None:
    """I3 only while New; the totals follow."""
    locked, fresh = _locked_line(actor, invoice, line)
    data = priced.line_data(fresh)
    fresh.delete()
    recalculate(locked)
    record(locked, EventKind.LINE_REMOVED, actor=actor, data={**data, "invoice_total": locked.total})
