"""Payments (M1): amount, date, method and reference, partial or whole, allocated to invoices.

An allocation never covers more than what is still open on its invoice, and a payment is
allocated in full: what comes in is exactly what the invoices receive (I6 relies on it).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealbook.billing.models import (
    OPEN_STATES,
    Invoice,
    Payment,
    PaymentAllocation,
    PaymentMethod,
)
from dealbook.billing.services.common import (
    PAYMENT_RECORDED,
    clean_date,
    lock_invoice,
    money_text,
    record,
    require_billing,
)
from dealbook.core.errors import InvalidInput, RuleViolation
from dealbook.core.money import exact_in_currency, to_decimal

MAX_AMOUNT = Decimal(10) ** 16


def _amount(value, currency: str, field: str = "amount") -> Decimal:
    amount = to_decimal(value, field=field)
    if amount <= 0 or amount >= MAX_AMOUNT:
        raise InvalidInput(_("%(field)s must be greater than zero.") % {"field": field}, field=field)
    return exact_in_currency(amount, currency, field=field)


def _refuse_unknown_method(method) -> None:
    if method not in PaymentMethod.values:
        raise InvalidInput(_("Unknown payment method '%(m)s'.") % {"m": method}, field="method")


@transaction.atomic
def payment_record(
    *,
    actor,
    allocations: list[tuple[Invoice, object]],
    amount,
    date=None,
    method: str = PaymentMethod.BANK_TRANSFER,
    reference: str = "",
    comment: str = "",
) -> Payment:
    """M1: one payment split over one or more invoices ((invoice, amount) pairs). Refused: a
    cancelled or already paid invoice, another currency, an allocation beyond what is still open
    (over-covering), allocations that do not add up to the payment."""
    require_billing(actor)
    _refuse_unknown_method(method)
    if not allocations:
        raise InvalidInput(_("Allocate the payment to at least one invoice."), field="allocations")
    ids = [getattr(inv, "pk", inv) for inv, _amt in allocations]
    if len(set(ids)) != len(ids):
        raise InvalidInput(_("An invoice appears twice in the allocations."), field="allocations")
    # locks in id order: two payments over the same invoices never wait on each other crosswise
    locked = {pk: lock_invoice(actor, pk) for pk in sorted(ids)}
    return record_locked(
        actor=actor,
        locked=locked,
        allocations=allocations,
        amount=amount,
        date=date,
        method=method,
        reference=reference,
        comment=comment,
    )


def record_locked(
    *, actor, locked: dict[int, Invoice], allocations, amount, date, method, reference, comment
) -> Payment:
    """payment_record on invoices the caller has locked (`locked` by id) in this transaction."""
    _refuse_unknown_method(method)
    currencies = {inv.currency for inv in locked.values()}
    if len(currencies) != 1:
        raise InvalidInput(
            _("A payment is in one currency; these invoices are in several."), field="allocations"
        )
    currency = currencies.pop()
    total = _amount(amount, currency)
    date = clean_date(date, "date") or timezone.localdate()
    rows, allocated = [], Decimal("0")
    for inv_ref, value in allocations:
        invoice = locked[getattr(inv_ref, "pk", inv_ref)]
        share = _amount(value, currency, "allocations.amount")
        if invoice.status not in OPEN_STATES:
            raise RuleViolation(
                _("Invoice %(number)s is “%(status)s”: it takes no payments.")
                % {"number": invoice.number, "status": invoice.get_status_display()},
                field="allocations",
                code="invoice_not_payable",
            )
        if invoice.paid_amount + share > invoice.total:
            raise RuleViolation(
                _("%(share)s over-covers invoice %(number)s: only %(open)s is still open.")
                % {
                    "share": money_text(share, currency),
                    "number": invoice.number,
                    "open": money_text(invoice.total - invoice.paid_amount, currency),
                },
                field="amount",
                code="payment_over_covers",
            )
        rows.append((invoice, share))
        allocated += share
    if allocated != total:
        raise InvalidInput(
            _("The allocations add up to %(alloc)s, the payment is %(total)s.")
            % {"alloc": money_text(allocated, currency), "total": money_text(total, currency)},
            field="allocations",
        )
    payment = Payment.objects.create(
        amount=total,
        currency=currency,
        date=date,
        method=method,
        reference=(reference or "").strip()[:120],
        comment=(comment or "").strip(),
        created_by=actor,
    )
    PaymentAllocation.objects.bulk_create(
        PaymentAllocation(payment=payment, invoice=inv, amount=share) for inv, share in rows
    )
    for invoice, share in rows:
        invoice.paid_amount += share
        invoice.save_changes()
        record(
            invoice,
            PAYMENT_RECORDED,
            actor=actor,
            data={
                "payment_id": payment.pk,
                "amount": share,
                "payment_amount": total,
                "currency": currency,
                "date": date,
                "method": method,
                "reference": payment.reference,
                "paid_amount": invoice.paid_amount,
                "balance": invoice.total - invoice.paid_amount,
            },
        )
    return payment
