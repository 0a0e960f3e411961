"""Closing documents (X1, X3) — acts and UPDs made from an invoice — and the Won guard of D7.

Locks are always taken invoice first, then its closing document.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealbook.billing.models import (
    CLOSING_ALLOWED,
    PAID_STATES,
    ClosingDocument,
    ClosingDocumentLine,
    ClosingKind,
    ClosingStatus,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
)
from dealbook.billing.services.common import (
    CLOSING_ISSUED,
    CLOSING_RECEIVED,
    clean_date,
    lock_invoice,
    record,
    render_number,
    require_billing,
    set_status,
)
from dealbook.billing.services.invoices import refuse_unconfirmed_parties, seller_settings
from dealbook.core.errors import InvalidInput, NotFound, RuleViolation
from dealbook.core.numbering import next_number

S = InvoiceStatus
# a closing document follows a sent or paid invoice: the goods or services go out against it
CLOSABLE = frozenset({S.SENT, *PAID_STATES})


@transaction.atomic
def closing_document_create(
    *, actor, invoice: Invoice, kind: str, date=None, upd_status: int = 1
) -> ClosingDocument:
    """X1: an act (services) or a UPD (goods and services) with the invoice's lines and its own
    number per seller, kind and year. Creating the UPD is the UPD request of I4: the supplier and
    carrier must be confirmed, and from now on they are locked."""
    locked = lock_invoice(actor, invoice)
    if kind not in ClosingKind.values:
        raise InvalidInput(_("A closing document is an act or a UPD."), field="kind")
    if upd_status not in (1, 2):
        raise InvalidInput(_("A UPD has status 1 or 2."), field="upd_status")
    if locked.status not in CLOSABLE:
        raise RuleViolation(
            _("Invoice %(number)s is “%(status)s”: closing documents follow a sent or paid invoice.")
            % {"number": locked.number, "status": locked.get_status_display()},
            field="status",
            code="invoice_not_closable",
        )
    if ClosingDocument.objects.filter(invoice=locked, kind=kind).exists():
        raise RuleViolation(
            _("Invoice %(number)s already has its %(kind)s.")
            % {"number": locked.number, "kind": ClosingKind(kind).label},
            field="kind",
            code="closing_exists",
        )
    if kind == ClosingKind.UPD:
        refuse_unconfirmed_parties(locked, None)
    date = clean_date(date, "date") or timezone.localdate()
    pattern = seller_settings(locked.seller).closing_number_pattern
    render_number(pattern, year=date.year, seq=1)
    seq = next_number(scope=f"seller:{locked.seller_id}", doc_type=kind, year=date.year)
    doc = ClosingDocument.objects.create(
        invoice=locked,
        kind=kind,
        seller=locked.seller,
        number=render_number(pattern, year=date.year, seq=seq),
        year=date.year,
        seq=seq,
        date=date,
        upd_status=upd_status,
        net=locked.net,
        tax=locked.tax,
        total=locked.total,
        created_by=actor,
    )
    ClosingDocumentLine.objects.bulk_create(
        ClosingDocumentLine(
            document=doc,
            name=x.name,
            sort=x.sort,
            quantity=x.quantity,
            unit_name=x.unit.name,
            price=x.price,
            tax_rate=x.tax_rate,
            net=x.net,
            tax=x.tax,
            total=x.total,
        )
        for x in InvoiceLine.objects.filter(invoice=locked).select_related("unit").order_by("sort", "id")
    )
    if kind == ClosingKind.UPD:
        locked.upd_requested_at = timezone.now()
        locked.save(update_fields=["upd_requested_at", "updated_at"])
    record(
        locked,
        CLOSING_ISSUED,
        actor=actor,
        data={"document_id": doc.pk, "kind": kind, "document_number": doc.number, "total": doc.total},
        extra_subjects=[doc],
    )
    return doc


@transaction.atomic
def closing_document_receive(*, actor, document: ClosingDocument) -> ClosingDocument:
    """X1 Issued → Received signed. Step 59: once the signed UPD is back, a paid invoice becomes
    Paid and shipped (and its deal may be won, D7)."""
    require_billing(actor)
    pk = getattr(document, "pk", document)
    invoice_id = ClosingDocument.objects.filter(pk=pk).values_list("invoice_id", flat=True).first()
    if invoice_id is None:
        raise NotFound(_("Closing document not found."), field="id")
    invoice = lock_invoice(actor, invoice_id)
    doc = ClosingDocument.objects.select_for_update().get(pk=pk)
    if ClosingStatus.RECEIVED_SIGNED not in CLOSING_ALLOWED[doc.status]:
        raise RuleViolation(
            _("%(doc)s has already been received signed.") % {"doc": str(doc)},
            field="status",
            code="closing_transition",
        )
    doc.status, doc.received_at, doc.received_by = ClosingStatus.RECEIVED_SIGNED, timezone.now(), actor
    doc.save(update_fields=["status", "received_at", "received_by"])
    record(
        invoice,
        CLOSING_RECEIVED,
        actor=actor,
        data={"document_id": doc.pk, "kind": doc.kind, "document_number": doc.number},
        extra_subjects=[doc],
    )
    if invoice.status == S.PAID:
        set_status(invoice, S.PAID_SHIPPED, actor=actor, data={"document_id": doc.pk})
    return doc


def won_refusal(deal) -> str | None:
    """D7 (seed rule 60): what keeps the deal from being won, in words, or None."""
    invoices = list(
        Invoice.objects.filter(deal_id=deal.pk).exclude(status__in=[S.CANCELLED, S.REFUNDED]).order_by("-id")
    )
    if not invoices:
        return _("The deal cannot be won: it has no invoice. Issue one and get it paid and shipped first.")
    received = set(
        ClosingDocument.objects.filter(
            invoice__in=invoices, status=ClosingStatus.RECEIVED_SIGNED
        ).values_list("invoice_id", flat=True)
    )
    if any(inv.status in PAID_STATES and inv.pk in received for inv in invoices):
        return None
    paid = [inv for inv in invoices if inv.status in PAID_STATES]
    if paid:
        return _(
            "The deal cannot be won: invoice %(number)s is paid, but its UPD has not been received signed."
        ) % {"number": paid[0].number}
    return _("The deal cannot be won: invoice %(number)s is not paid (status “%(status)s”).") % {
        "number": invoices[0].number,
        "status": invoices[0].get_status_display(),
    }


def deal_can_move(*, deal, actor, stage) -> None:
    """The crm "deal_can_move" hook (D7): a move to a won stage needs a paid, shipped invoice."""
    from dealbook.crm.models import StageKind

    if stage.kind != StageKind.WON:
        return
    refusal = won_refusal(deal)
    if refusal:
        raise RuleViolation(refusal, field="stage", code="deal_not_shipped")
