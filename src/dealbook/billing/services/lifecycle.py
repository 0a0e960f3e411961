"""The invoice's way through I5: approval, sending, payment, cancelling, refund and export.

Every action locks the invoice row, checks the transition map (models.ALLOWED) and its own guards,
writes the change on the invoice's and the deal's timelines, and advances the deal (I7).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealbook.accounts.models import Role, User
from dealbook.accounts.services import notify
from dealbook.billing.models import (
    OPEN_STATES,
    PAID_STATES,
    ClosingDocument,
    ClosingStatus,
    Invoice,
    InvoiceStatus,
)
from dealbook.billing.services.common import (
    APPROVER_ROLES,
    EXPORT_ROLES,
    advance_deal,
    has_role,
    lock_invoice,
    money_text,
    set_status,
    sync,
)
from dealbook.billing.services.invoices import refuse_unconfirmed_parties, seller_settings
from dealbook.core.errors import Forbidden, InvalidInput, RuleViolation

S = InvoiceStatus


def needs_approval(invoice: Invoice) -> bool:
    """I5: per seller, every invoice or those from an amount on."""
    conf = seller_settings(invoice.seller)
    if conf.approval_required:
        return True
    return conf.approval_threshold is not None and invoice.total >= conf.approval_threshold


def _refuse_empty(invoice: Invoice) -> None:
    from dealbook.billing.queries import has_lines

    if invoice.total <= 0 or not has_lines(invoice):
        raise RuleViolation(
            _("Invoice %(number)s has no lines or a zero total.") % {"number": invoice.number},
            field="lines",
            code="invoice_empty",
        )


def _refuse_unapproved(invoice: Invoice, target: str) -> None:
    if invoice.status == S.NEW and needs_approval(invoice):
        raise RuleViolation(
            _("Invoice %(number)s needs approval before it becomes “%(status)s”: submit it for approval.")
            % {"number": invoice.number, "status": S(target).label},
            field="status",
            code="invoice_needs_approval",
        )


@transaction.atomic
def invoice_submit_for_approval(*, actor, invoice: Invoice) -> Invoice:
    """I5 New → On approval; every director and financial manager is notified."""
    locked = lock_invoice(actor, invoice)
    _refuse_empty(locked)
    set_status(locked, S.ON_APPROVAL, actor=actor)
    locked.approval_required = True
    locked.save(update_fields=["approval_required"])
    approvers = User.objects.filter(is_active=True, role__in=[Role.DIRECTOR, Role.FINANCIAL_MANAGER]).exclude(
        pk=actor.pk
    )
    for user in approvers:
        notify(
            user=user,
            kind="invoice_approval",
            text=_("Invoice %(number)s (%(total)s) waits for your approval.")
            % {"number": locked.number, "total": money_text(locked.total, locked.currency)},
            url=f"/invoices/{locked.pk}/",
        )
    return sync(invoice, locked)


@transaction.atomic
def invoice_approve(*, actor, invoice: Invoice) -> Invoice:
    """I5 On approval → Approved, by a director, financial manager or administrator; the responsible
    manager is notified."""
    locked = lock_invoice(actor, invoice)
    if not has_role(actor, APPROVER_ROLES):
        raise Forbidden(_("Only a director or a financial manager approves invoices."), field="status")
    set_status(locked, S.APPROVED, actor=actor)
    locked.approved_by, locked.approved_at = actor, timezone.now()
    locked.save(update_fields=["approved_by", "approved_at"])
    if locked.responsible_id and locked.responsible_id != actor.pk:
        notify(
            user=locked.responsible,
            kind="invoice_approved",
            text=_("Invoice %(number)s is approved.") % {"number": locked.number},
            url=f"/invoices/{locked.pk}/",
        )
    return sync(invoice, locked)


@transaction.atomic
def invoice_send(*, actor, invoice: Invoice) -> Invoice:
    """I5 New/Approved → Sent (e-mail sending will call this too), after approval where required;
    I4 supplier and carrier confirmed; I7 the deal advances to "Invoice issued" (step 54)."""
    locked = lock_invoice(actor, invoice)
    if locked.status not in (S.NEW, S.APPROVED):
        set_status(locked, S.SENT, actor=actor)  # refused by the map with its message
    _refuse_empty(locked)
    _refuse_unapproved(locked, S.SENT)
    refuse_unconfirmed_parties(locked, S.SENT.label)
    locked.sent_at = timezone.now()
    set_status(locked, S.SENT, actor=actor)
    advance_deal(locked, actor, "invoice_issued")
    return sync(invoice, locked)


invoice_issue = invoice_send  # the seed's "выставить счёт": issuing is sending it to the client


def upd_received(invoice: Invoice) -> bool:
    return ClosingDocument.objects.filter(invoice=invoice, status=ClosingStatus.RECEIVED_SIGNED).exists()


@transaction.atomic
def invoice_mark_paid(*, actor, invoice: Invoice) -> Invoice:
    """I6 (step 57): Paid only when the recorded payments cover the total exactly — a mismatch is
    refused with the difference; I4 parties confirmed; I7 the deal advances to "Invoice paid".
    If the signed UPD is already back, the invoice goes on to Paid and shipped."""
    locked = lock_invoice(actor, invoice)
    _mark_paid(actor, locked)
    return sync(invoice, locked)


def _mark_paid(actor, locked: Invoice) -> None:
    if locked.status not in (S.NEW, S.APPROVED, S.SENT):
        set_status(locked, S.PAID, actor=actor)  # refused by the map with its message
    _refuse_unapproved(locked, S.PAID)
    refuse_unconfirmed_parties(locked, S.PAID.label)
    _refuse_mismatch(locked)
    locked.paid_at = timezone.now()
    set_status(locked, S.PAID, actor=actor, data={"paid_amount": locked.paid_amount})
    advance_deal(locked, actor, "invoice_paid")
    if upd_received(locked):
        set_status(locked, S.PAID_SHIPPED, actor=actor)


def _refuse_mismatch(invoice: Invoice) -> None:
    difference = invoice.total - invoice.paid_amount
    if difference == 0 and invoice.total > 0:
        return
    if difference > 0:
        message = _(
            "Recorded payments of %(paid)s do not cover invoice %(number)s of %(total)s: %(diff)s is missing."
        )
    else:
        message = _("Recorded payments of %(paid)s exceed invoice %(number)s of %(total)s by %(diff)s.")
    raise RuleViolation(
        message
        % {
            "paid": money_text(invoice.paid_amount, invoice.currency),
            "number": invoice.number,
            "total": money_text(invoice.total, invoice.currency),
            "diff": money_text(abs(difference), invoice.currency),
        },
        field="amount",
        code="payment_mismatch",
    )


@transaction.atomic
def invoice_pay(
    *, actor, invoice: Invoice, amount=None, date=None, method: str | None = None, reference: str = ""
) -> Invoice:
    """M1 + I6: record the client's payment (when given) and mark the invoice Paid in one step;
    if the payments then do not cover the total exactly, nothing is recorded."""
    from dealbook.billing.services.payments import record_locked

    locked = lock_invoice(actor, invoice)  # one lock for the payment and the status
    if amount not in (None, ""):
        record_locked(
            actor=actor,
            locked={locked.pk: locked},
            allocations=[(locked, amount)],
            amount=amount,
            date=date,
            method=method or locked.payment_form,
            reference=reference,
            comment="",
        )
    _mark_paid(actor, locked)
    return sync(invoice, locked)


@transaction.atomic
def invoice_cancel(*, actor, invoice: Invoice, reason: str = "") -> Invoice:
    """I5/I3 (step 50): an unpaid invoice is cancelled and keeps its number; a wrong invoice is
    cancelled and a new one issued. One with payments recorded is refunded instead."""
    locked = lock_invoice(actor, invoice)
    if locked.status in (S.NEW, S.ON_APPROVAL, S.APPROVED, S.SENT) and locked.paid_amount > 0:
        raise RuleViolation(
            _("Payments of %(paid)s are recorded on invoice %(number)s: only an unpaid invoice is cancelled.")
            % {"paid": money_text(locked.paid_amount, locked.currency), "number": locked.number},
            field="status",
            code="invoice_has_payments",
        )
    locked.cancelled_at = timezone.now()
    set_status(locked, S.CANCELLED, actor=actor, data={"reason": (reason or "").strip()})
    return sync(invoice, locked)


@transaction.atomic
def invoice_refund(*, actor, invoice: Invoice, reason: str = "") -> Invoice:
    """I5: a paid invoice whose money went back to the client is Refunded."""
    locked = lock_invoice(actor, invoice)
    set_status(
        locked, S.REFUNDED, actor=actor, data={"reason": (reason or "").strip(), "amount": locked.paid_amount}
    )
    return sync(invoice, locked)


@transaction.atomic
def invoice_mark_exported(*, actor, invoice: Invoice) -> Invoice:
    """I5: Exported marks the handover of a paid invoice to accounting (by accounting roles)."""
    locked = lock_invoice(actor, invoice)
    if not has_role(actor, EXPORT_ROLES):
        raise Forbidden(_("Only accounting hands invoices over for export."), field="status")
    locked.exported_at = timezone.now()
    set_status(locked, S.EXPORTED, actor=actor)
    return sync(invoice, locked)


def invoice_is_overdue(invoice: Invoice, today=None) -> bool:
    """I5: overdue is derived from the due date, never stored (Invoice.is_overdue)."""
    if not isinstance(invoice, Invoice):
        raise InvalidInput(_("Not an invoice."), field="id")
    return invoice.is_overdue(today)


def available_actions(user, inv, needs_approval: bool) -> dict:
    """What the invoice card offers: the actions the status map (I5), approval, the balance (I6) and
    the user's role allow — the same guards the services below enforce, kept beside them."""
    from dealbook.billing.services.closing import CLOSABLE

    status = inv.status
    ready = status == S.APPROVED or (status == S.NEW and not needs_approval)
    return {
        "issue": ready,
        "submit": status == S.NEW and needs_approval,
        "approve": status == S.ON_APPROVAL and has_role(user, APPROVER_ROLES),
        "email": ready or status == S.SENT,
        "payment": status in OPEN_STATES and inv.balance > 0,
        "mark_paid": status in (S.NEW, S.APPROVED, S.SENT) and not (status == S.NEW and needs_approval),
        "cancel": status in OPEN_STATES and inv.paid_amount == 0,
        "delete": status == S.NEW,
        "refund": status in PAID_STATES,
        "export": status in (S.PAID, S.PAID_SHIPPED) and has_role(user, EXPORT_ROLES),
        "closing": status in CLOSABLE,
    }
