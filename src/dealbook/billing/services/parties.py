"""Supplier and carrier of an invoice (I4): not lines — they change in any status until a UPD is
requested, and must be set and confirmed as the actual ones before Sent, Paid or a UPD."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from dealbook.billing.models import Invoice, InvoiceStatus
from dealbook.billing.services.common import lock_invoice, record, sync
from dealbook.core.errors import InvalidInput, RuleViolation
from dealbook.core.models import EventKind
from dealbook.crm.models import Company


@transaction.atomic
def invoice_set_parties(
    *, actor, invoice: Invoice, supplier=..., carrier=..., confirmed: bool | None = None
) -> Invoice:
    """I4 (steps 46–47, 50): supplier and carrier are not lines — they change in any status until a
    UPD is requested, and `confirmed` says they are the actual ones. Changing one un-confirms."""
    locked = lock_invoice(actor, invoice)
    if locked.upd_requested_at is not None:
        raise RuleViolation(
            _(
                "A UPD has been requested for invoice %(number)s: its supplier and carrier can no longer change."
            )
            % {"number": locked.number},
            field="supplier",
            code="parties_locked",
        )
    if locked.status in (InvoiceStatus.CANCELLED, InvoiceStatus.REFUNDED):
        raise RuleViolation(
            _("Invoice %(number)s is %(status)s.")
            % {"number": locked.number, "status": locked.get_status_display()},
            field="status",
            code="invoice_closed",
        )
    old = (locked.supplier_id, locked.carrier_id, locked.parties_confirmed)
    for value, field in ((supplier, "supplier"), (carrier, "carrier")):
        if value is ...:
            continue
        if value is not None and not isinstance(value, Company):
            raise InvalidInput(_("Choose a company."), field=field)
        setattr(locked, field, value)
    changed = (locked.supplier_id, locked.carrier_id) != old[:2]
    if confirmed is None:
        locked.parties_confirmed = locked.parties_confirmed and not changed
    else:
        locked.parties_confirmed = bool(confirmed)
    if locked.parties_confirmed:
        _refuse_missing_parties(locked, field="confirmed")
    new = (locked.supplier_id, locked.carrier_id, locked.parties_confirmed)
    if new == old:
        return sync(invoice, locked)
    locked.save_changes()
    record(
        locked,
        EventKind.UPDATED,
        actor=actor,
        data={
            "field": "parties",
            "from": {"supplier": old[0], "carrier": old[1], "confirmed": old[2]},
            "to": {"supplier": new[0], "carrier": new[1], "confirmed": new[2]},
            "supplier_name": locked.supplier.name if locked.supplier_id else None,
            "carrier_name": locked.carrier.name if locked.carrier_id else None,
        },
    )
    return sync(invoice, locked)


def _refuse_missing_parties(invoice: Invoice, *, field: str) -> None:
    missing = [
        name
        for name, value in ((_("supplier"), invoice.supplier_id), (_("carrier"), invoice.carrier_id))
        if not value
    ]
    if missing:
        raise InvalidInput(
            _("Choose the %(missing)s of invoice %(number)s first.")
            % {"missing": _(" and ").join(str(m) for m in missing), "number": invoice.number},
            field=field,
        )


def refuse_unconfirmed_parties(invoice: Invoice, target_label: str | None) -> None:
    """I4: before Sent or Paid (`target_label`), or a UPD request (None), the supplier and carrier
    must be set and confirmed as the actual ones."""
    missing = []
    if not invoice.supplier_id:
        missing.append(_("the supplier is not set"))
    if not invoice.carrier_id:
        missing.append(_("the carrier is not set"))
    if not missing and not invoice.parties_confirmed:
        missing.append(_("the supplier and carrier are not confirmed as the actual ones"))
    if missing:
        if target_label is None:
            message = _("No UPD is issued for invoice %(number)s while %(missing)s.")
        else:
            message = _("Invoice %(number)s cannot become “%(status)s”: %(missing)s.")
        raise RuleViolation(
            message
            % {
                "number": invoice.number,
                "status": target_label,
                "missing": "; ".join(str(m) for m in missing),
            },
            field="supplier"
            if not invoice.supplier_id
            else "carrier"
            if not invoice.carrier_id
            else "confirmed",
            code="parties_not_confirmed",
        )
