"""Invoices, payments and closing documents under /api/v1/.

Handlers fetch through a visibility-scoped query (R1 billing roles, R2: an invoice the user may not
see is a 404), turn ids into records, call one service and return. The rules live in
billing.services.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Status

from dealbook.api.pagination import paginate
from dealbook.api.schemas import CommentIn, EventOut, TimelinePage, timeline_page
from dealbook.billing import queries as bq
from dealbook.billing import services as svc
from dealbook.billing.api import router
from dealbook.billing.models import Invoice
from dealbook.billing.printing import invoice_pdf
from dealbook.billing.schemas import (
    ClosingIn,
    ClosingOut,
    DealInvoicesOut,
    EmailIn,
    InvoiceIn,
    InvoiceOut,
    InvoicePage,
    InvoicePatch,
    LineIn,
    LineOut,
    LinePatch,
    PartiesIn,
    PayIn,
    PaymentIn,
    PaymentOut,
    PaymentPage,
    ReasonIn,
)
from dealbook.core import timeline
from dealbook.core.errors import InvalidInput, NotFound
from dealbook.crm.queries.deals import as_id, deal_for
from dealbook.crm.queries.parties import company_for, contacts_visible

# ---------------------------------------------------------------- resolving ids


def _company(user, pk, field: str, *, any_company: bool = False):
    """A payer the user may see (R2); supplier, carrier and seller are picked among all companies
    (step 47: the manager chooses from the full list)."""
    if pk is None:
        return None
    found = company_for(user, pk, scope="any" if any_company else "visible")
    if found is None:
        raise InvalidInput(_("Unknown company."), field=field)
    return found


def _contact(user, pk):
    if pk is None:
        return None
    pk = as_id(pk)
    found = contacts_visible(user).filter(pk=pk).first() if pk else None
    if found is None:
        raise InvalidInput(_("Unknown contact."), field="payer_contact")
    return found


def _row(inv: Invoice) -> dict:
    return {
        "id": inv.pk,
        "number": inv.number,
        "date": inv.date,
        "due_date": inv.due_date,
        "title": inv.title,
        "status": inv.status,
        "status_name": inv.get_status_display(),
        "is_overdue": inv.is_overdue(),
        "seller_id": inv.seller_id,
        "seller_name": inv.seller.name,
        "payer_company_id": inv.payer_company_id,
        "payer_contact_id": inv.payer_contact_id,
        "customer_name": inv.customer_name,
        "payment_form": inv.payment_form,
        "deal_id": inv.deal_id,
        "currency": inv.currency,
        "rate": inv.rate,
        "total": inv.total,
        "tax": inv.tax,
        "paid_amount": inv.paid_amount,
        "responsible_id": inv.responsible_id,
        "has_closing_document": inv.has_closing_document,
        "closing_received": inv.closing_received,
    }


def _detail(user, pk, inv: Invoice | None = None) -> dict:
    """`inv`: the invoice as a service left it (loaded by invoice_for, synced by the service)."""
    inv = inv if inv is not None else bq.invoice_for(user, pk)
    fields = (
        "subtotal discount net balance comment tax_profile_id tax_date supplier_id carrier_id parties_confirmed "
        "upd_requested_at approval_required approved_by_id approved_at public_token created_by_id created_at "
        "updated_at sent_at paid_at cancelled_at exported_at"
    ).split()
    return {
        **_row(inv),
        **{name: getattr(inv, name) for name in fields},
        "supplier_name": inv.supplier.name if inv.supplier_id else None,
        "carrier_name": inv.carrier.name if inv.carrier_id else None,
        "lines": bq.invoice_line_list(inv),
    }


# ---------------------------------------------------------------- invoices


@router.get("invoices", response=InvoicePage)
def invoices_list(
    request,
    number: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    customer: int | None = None,
    contact: int | None = None,
    status: str | None = None,
    amount_min: Decimal | None = None,
    amount_max: Decimal | None = None,
    due_from: dt.date | None = None,
    due_to: dt.date | None = None,
    overdue: bool | None = None,
    deal: int | None = None,
    seller: int | None = None,
    ordering: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
):
    """I9 list: number fragment, date range, customer (company id) or contact, status (comma list),
    amount range, due date range, overdue, deal, seller. Ordering: id, date, number, total,
    created_at, due_date (none last), customer (payer name, case-insensitive), status (lifecycle
    order), batch (prefix "-"). X3: has_closing_document / closing_received per row."""
    qs = bq.invoice_list(
        request.auth,
        number=number,
        date_from=date_from,
        date_to=date_to,
        customer=customer,
        contact=contact,
        status=status,
        amount_min=amount_min,
        amount_max=amount_max,
        due_from=due_from,
        due_to=due_to,
        overdue=overdue,
        deal=deal,
        seller=seller,
    )
    items, next_cursor = paginate(
        bq.with_sort_key(qs, ordering),
        ordering=ordering,
        allowed=bq.ORDERINGS,
        default="-id",
        cursor=cursor,
        limit=limit,
    )
    return {"items": [_row(i) for i in items], "next_cursor": next_cursor}


@router.post("invoices", response={201: InvoiceOut})
def invoices_create(request, payload: InvoiceIn):
    """Step 43: from a deal (`deal`) or blank (payer and lines); New, numbered (I1)."""
    user = request.auth
    common = {
        "actor": user,
        "seller": _company(user, payload.seller, "seller", any_company=True),
        "payer_company": _company(user, payload.payer_company, "payer_company"),
        "payer_contact": _contact(user, payload.payer_contact),
        "date": payload.date,
        "due_date": payload.due_date,
        "rate": payload.rate,
        "comment": payload.comment,
        "supplier": _company(user, payload.supplier, "supplier", any_company=True),
        "carrier": _company(user, payload.carrier, "carrier", any_company=True),
    }
    if payload.deal is not None:
        if payload.lines:
            raise InvalidInput(_("An invoice from a deal takes the deal's lines."), field="lines")
        deal = deal_for(user, payload.deal)
        invoice = svc.invoice_create_from_deal(deal=deal, title=payload.title, **common)
    else:
        invoice = svc.invoice_create(
            currency=payload.currency,
            tax_date=payload.tax_date,
            title=payload.title or "",
            lines=[line.dict() for line in payload.lines],
            **common,
        )
    return Status(201, _detail(user, invoice.pk))


@router.get("invoices/{int:invoice_id}", response=InvoiceOut)
def invoices_get(request, invoice_id: int):
    return _detail(request.auth, invoice_id)


@router.patch("invoices/{int:invoice_id}", response=InvoiceOut)
def invoices_patch(request, invoice_id: int, payload: InvoicePatch):
    """I3: only while New (409 invoice_locked after)."""
    user = request.auth
    invoice = bq.invoice_for(user, invoice_id)
    fields = payload.dict(exclude_unset=True)
    if "payer_company" in fields:
        fields["payer_company"] = _company(user, fields["payer_company"], "payer_company")
    if "payer_contact" in fields:
        fields["payer_contact"] = _contact(user, fields["payer_contact"])
    svc.invoice_update(actor=user, invoice=invoice, **fields)
    return _detail(user, invoice_id)


@router.delete("invoices/{int:invoice_id}", response={204: None})
def invoices_delete(request, invoice_id: int, confirm: bool = False):
    """I9: a draft (New) is deleted with ?confirm=true; issued invoices are cancelled instead."""
    invoice = bq.invoice_for(request.auth, invoice_id)
    svc.invoice_delete(actor=request.auth, invoice=invoice, confirmed=confirm)
    return Status(204, None)


# ---------------------------------------------------------------- lines


@router.get("invoices/{int:invoice_id}/lines", response=list[LineOut])
def invoices_lines(request, invoice_id: int):
    return bq.invoice_line_list(bq.invoice_for(request.auth, invoice_id))


@router.post("invoices/{int:invoice_id}/lines", response={201: LineOut})
def invoices_line_add(request, invoice_id: int, payload: LineIn):
    """I3 only while New; P1–P6."""
    invoice = bq.invoice_for(request.auth, invoice_id)
    line = svc.invoice_line_add(actor=request.auth, invoice=invoice, **payload.dict())
    return Status(201, bq.invoice_lines(invoice).get(pk=line.pk))


def _line(invoice, line_id):
    line = bq.invoice_lines(invoice).filter(pk=as_id(line_id) or 0).first()
    if line is None:
        raise NotFound(_("Line not found."), field="line_id")
    return line


@router.patch("invoices/{int:invoice_id}/lines/{int:line_id}", response=LineOut)
def invoices_line_patch(request, invoice_id: int, line_id: int, payload: LinePatch):
    invoice = bq.invoice_for(request.auth, invoice_id)
    line = _line(invoice, line_id)
    svc.invoice_line_update(
        actor=request.auth, invoice=invoice, line=line, **payload.dict(exclude_unset=True)
    )
    return _line(invoice, line_id)


@router.delete("invoices/{int:invoice_id}/lines/{int:line_id}", response={204: None})
def invoices_line_remove(request, invoice_id: int, line_id: int):
    invoice = bq.invoice_for(request.auth, invoice_id)
    svc.invoice_line_remove(actor=request.auth, invoice=invoice, line=_line(invoice, line_id))
    return Status(204, None)


# ---------------------------------------------------------------- actions (I4–I7)


@router.post("invoices/{int:invoice_id}/parties", response=InvoiceOut)
def invoices_parties(request, invoice_id: int, payload: PartiesIn):
    """I4: supplier and carrier (and that they are the actual ones) until a UPD is requested."""
    user = request.auth
    invoice = bq.invoice_for(user, invoice_id)
    given = payload.dict(exclude_unset=True)
    kwargs = {
        name: _company(user, given[name], name, any_company=True)
        for name in ("supplier", "carrier")
        if name in given
    }
    invoice = svc.invoice_set_parties(actor=user, invoice=invoice, confirmed=given.get("confirmed"), **kwargs)
    return _detail(user, invoice_id, invoice)


def _action(request, invoice_id: int, service, **kwargs) -> dict:
    invoice = bq.invoice_for(request.auth, invoice_id)
    done = service(actor=request.auth, invoice=invoice, **kwargs)
    return _detail(request.auth, invoice_id, done if isinstance(done, Invoice) else None)


@router.post("invoices/{int:invoice_id}/send", response=InvoiceOut)
def invoices_send(request, invoice_id: int):
    """I5 → Sent (I4 parties confirmed, approval where required); I7 deal → Invoice issued."""
    return _action(request, invoice_id, svc.invoice_send)


@router.post("invoices/{int:invoice_id}/email", response=InvoiceOut)
def invoices_email(request, invoice_id: int, payload: EmailIn):
    """I8/I5: e-mail the PDF to the client (the payer's address unless `to`); a New or Approved
    invoice becomes Sent on the way."""
    return _action(
        request,
        invoice_id,
        svc.invoice_email,
        to=payload.to,
        subject=payload.subject,
        body=payload.body,
        language=payload.lang,
    )


@router.post("invoices/{int:invoice_id}/submit", response=InvoiceOut)
def invoices_submit(request, invoice_id: int):
    """I5 New → On approval; approvers are notified."""
    return _action(request, invoice_id, svc.invoice_submit_for_approval)


@router.post("invoices/{int:invoice_id}/approve", response=InvoiceOut)
def invoices_approve(request, invoice_id: int):
    """I5 On approval → Approved (director, financial manager, administrator)."""
    return _action(request, invoice_id, svc.invoice_approve)


@router.post("invoices/{int:invoice_id}/pay", response=InvoiceOut)
def invoices_pay(request, invoice_id: int, payload: PayIn):
    """I6: record the payment (if `amount`) and mark Paid — only when payments cover the total exactly."""
    return _action(
        request,
        invoice_id,
        svc.invoice_pay,
        amount=payload.amount,
        date=payload.date,
        method=payload.method,
        reference=payload.reference,
    )


@router.post("invoices/{int:invoice_id}/cancel", response=InvoiceOut)
def invoices_cancel(request, invoice_id: int, payload: ReasonIn):
    """I5: unpaid only; the number stays (I1)."""
    return _action(request, invoice_id, svc.invoice_cancel, reason=payload.reason)


@router.post("invoices/{int:invoice_id}/refund", response=InvoiceOut)
def invoices_refund(request, invoice_id: int, payload: ReasonIn):
    return _action(request, invoice_id, svc.invoice_refund, reason=payload.reason)


@router.post("invoices/{int:invoice_id}/export", response=InvoiceOut)
def invoices_export(request, invoice_id: int):
    """I5: handed over to accounting."""
    return _action(request, invoice_id, svc.invoice_mark_exported)


@router.get("invoices/{int:invoice_id}/pdf")
def invoices_pdf(request, invoice_id: int, lang: str | None = None):
    """I8: the print form as PDF, in the seller's language (Russian seller → ru) or ?lang=ru|en."""
    pdf, filename = invoice_pdf(bq.invoice_for(request.auth, invoice_id), lang)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@router.get("invoices/{int:invoice_id}/timeline", response=TimelinePage)
def invoices_timeline(
    request, invoice_id: int, kinds: str | None = None, cursor: str | None = None, limit: int = 50
):
    return timeline_page(bq.invoice_for(request.auth, invoice_id), kinds=kinds, cursor=cursor, limit=limit)


@router.post("invoices/{int:invoice_id}/comments", response={201: EventOut})
def invoices_comment(request, invoice_id: int, payload: CommentIn):
    invoice = bq.invoice_for(request.auth, invoice_id)
    return Status(201, timeline.comment_add(subject=invoice, actor=request.auth, text=payload.text))


@router.get("deals/{int:deal_id}/invoices", response=DealInvoicesOut)
def deal_invoices(request, deal_id: int):
    """Step 53: the deal's Invoices tab — its invoices and the paid total."""
    items, paid = bq.deal_invoices(request.auth, deal_for(request.auth, deal_id))
    return {"items": [_row(i) for i in items], "paid_total": paid}


# ---------------------------------------------------------------- closing documents (X1, X3)


@router.get("invoices/{int:invoice_id}/closing-documents", response=list[ClosingOut])
def invoices_closing_list(request, invoice_id: int):
    return list(bq.closing_documents_of(bq.invoice_for(request.auth, invoice_id)))


@router.post("invoices/{int:invoice_id}/closing-documents", response={201: ClosingOut})
def invoices_closing_create(request, invoice_id: int, payload: ClosingIn):
    """X1: an act or UPD from the invoice; a UPD request locks supplier and carrier (I4)."""
    invoice = bq.invoice_for(request.auth, invoice_id)
    doc = svc.closing_document_create(
        actor=request.auth,
        invoice=invoice,
        kind=payload.kind,
        date=payload.date,
        upd_status=payload.upd_status,
    )
    return Status(201, bq.closing_document_for(request.auth, doc.pk))


@router.get("closing-documents/{int:document_id}", response=ClosingOut)
def closing_get(request, document_id: int):
    return bq.closing_document_for(request.auth, document_id)


@router.post("closing-documents/{int:document_id}/receive", response=ClosingOut)
def closing_receive(request, document_id: int):
    """X1 Received signed; a paid invoice becomes Paid and shipped (step 59)."""
    doc = bq.closing_document_for(request.auth, document_id)
    svc.closing_document_receive(actor=request.auth, document=doc)
    return bq.closing_document_for(request.auth, document_id)


# ---------------------------------------------------------------- payments (M1)


@router.get("payments", response=PaymentPage)
def payments_list(
    request,
    invoice: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    cursor: str | None = None,
    limit: int = 50,
):
    qs = bq.payment_list(request.auth, invoice=invoice, date_from=date_from, date_to=date_to)
    items, next_cursor = paginate(
        qs, ordering=None, allowed={"id": "pk", "date": "date"}, default="-id", cursor=cursor, limit=limit
    )
    return {"items": items, "next_cursor": next_cursor}


@router.post("payments", response={201: PaymentOut})
def payments_create(request, payload: PaymentIn):
    """M1: a payment allocated to one or more invoices; none may be over-covered (I6)."""
    user = request.auth
    allocations = [(bq.invoice_for(user, a.invoice), a.amount) for a in payload.allocations]
    payment = svc.payment_record(
        actor=user,
        allocations=allocations,
        amount=payload.amount,
        date=payload.date,
        method=payload.method,
        reference=payload.reference,
        comment=payload.comment,
    )
    return Status(201, bq.payment_for(user, payment.pk))


@router.get("payments/{int:payment_id}", response=PaymentOut)
def payments_get(request, payment_id: int):
    return bq.payment_for(request.auth, payment_id)
