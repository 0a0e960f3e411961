"""The card's actions: form input → one billing service call → the message for the toast.

Each handler takes the request and the visible invoice, raises the service's DomainError as it is
(the card shows it at its field) and returns what to tell the user on success.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from dealbook.billing import queries as bq
from dealbook.billing import services as svc
from dealbook.billing.forms import parse_id
from dealbook.billing.models import Invoice
from dealbook.core import timeline
from dealbook.core.errors import InvalidInput
from dealbook.crm.models import Company
from dealbook.crm.queries.parties import companies_visible, contacts_visible
from dealbook.web.pages import post_value


def _status_toast(inv: Invoice) -> str:
    inv.refresh_from_db(fields=["status"])
    return _("Invoice %(number)s is now “%(status)s”.") % {
        "number": inv.number,
        "status": inv.get_status_display(),
    }


def issue(request, inv):
    svc.invoice_issue(actor=request.user, invoice=inv)
    return _status_toast(inv)


def submit(request, inv):
    svc.invoice_submit_for_approval(actor=request.user, invoice=inv)
    return _status_toast(inv)


def approve(request, inv):
    svc.invoice_approve(actor=request.user, invoice=inv)
    return _status_toast(inv)


def email(request, inv):
    to = [a.strip() for a in post_value(request, "to", "").replace(";", ",").split(",") if a.strip()]
    svc.invoice_email(
        actor=request.user,
        invoice=inv,
        to=to or None,
        subject=post_value(request, "subject", ""),
        body=(request.POST.get("body") or "").strip(),
        language=post_value(request, "lang") or None,
    )
    return _("Invoice %(number)s was e-mailed to %(to)s.") % {
        "number": inv.number,
        "to": ", ".join(to) if to else _("the payer"),
    }


def payment(request, inv):
    """M1: record a payment; "record and mark paid" is one step that is refused whole on a
    mismatch (I6)."""
    amount = post_value(request, "amount", "")
    fields = {
        "date": post_value(request, "date") or None,
        "method": post_value(request, "method") or inv.payment_form,
        "reference": post_value(request, "reference", ""),
    }
    if request.POST.get("mark_paid"):
        svc.invoice_pay(actor=request.user, invoice=inv, amount=amount, **fields)
        return _status_toast(inv)
    if not amount:
        raise InvalidInput(_("Enter the amount received."), field="amount")
    svc.payment_record(actor=request.user, allocations=[(inv, amount)], amount=amount, **fields)
    return _("Payment recorded.")


def mark_paid(request, inv):
    svc.invoice_mark_paid(actor=request.user, invoice=inv)
    return _status_toast(inv)


def cancel(request, inv):
    svc.invoice_cancel(actor=request.user, invoice=inv, reason=post_value(request, "reason", ""))
    return _status_toast(inv)


def refund(request, inv):
    svc.invoice_refund(actor=request.user, invoice=inv, reason=post_value(request, "reason", ""))
    return _status_toast(inv)


def export(request, inv):
    svc.invoice_mark_exported(actor=request.user, invoice=inv)
    return _status_toast(inv)


def delete(request, inv):
    """I9: a draft is deleted only with the confirmation ticked in the dialog."""
    svc.invoice_delete(actor=request.user, invoice=inv, confirmed=bool(request.POST.get("confirmed")))
    return _("Draft invoice %(number)s deleted.") % {"number": inv.number}


def closing(request, inv):
    """X1: an act or UPD from the invoice (a UPD locks supplier and carrier, I4)."""
    raw_status = post_value(request, "upd_status") or "1"
    doc = svc.closing_document_create(
        actor=request.user,
        invoice=inv,
        kind=post_value(request, "kind", ""),
        date=post_value(request, "date") or None,
        upd_status=int(raw_status) if raw_status in ("1", "2") else 0,
    )
    return _("%(document)s created.") % {"document": str(doc)}


def receive(request, inv):
    """X1 Received signed (step 59); a paid invoice becomes Paid and shipped."""
    doc = bq.closing_document_for(request.user, parse_id(request.POST.get("document"), "kind") or 0)
    if doc.invoice_id != inv.pk:
        raise InvalidInput(_("The document belongs to another invoice."), field="kind")
    svc.closing_document_receive(actor=request.user, document=doc)
    return _("%(document)s received signed.") % {"document": str(doc)}


def _company(pk, field: str, qs=None):
    pk = parse_id(pk, field)
    if pk is None:
        return None
    found = (qs if qs is not None else Company.objects.all()).filter(pk=pk).first()
    if found is None:
        raise InvalidInput(_("Unknown company."), field=field)
    return found


def parties(request, inv):
    """I4: supplier and carrier, and whether they are the actual ones."""
    svc.invoice_set_parties(
        actor=request.user,
        invoice=inv,
        supplier=_company(request.POST.get("supplier"), "supplier"),
        carrier=_company(request.POST.get("carrier"), "carrier"),
        confirmed=bool(request.POST.get("confirmed")),
    )
    return _("Supplier and carrier saved.")


def payer(request, inv):
    """I2/I3: while New, the payer; a company means bank transfer, a contact only cash."""
    user = request.user
    company = _company(request.POST.get("payer_company"), "payer_company", companies_visible(user))
    contact = None
    contact_id = parse_id(request.POST.get("payer_contact"), "payer_contact")
    if contact_id:
        contact = contacts_visible(user).filter(pk=contact_id).first()
        if contact is None:
            raise InvalidInput(_("Unknown contact."), field="payer_contact")
    svc.invoice_update(actor=user, invoice=inv, payer_company=company, payer_contact=contact)
    return _("Payer saved.")


def update(request, inv):
    """I3/I10: date, due date, subject, comment and rate, while New."""
    fields = {
        "date": post_value(request, "date") or None,
        "due_date": post_value(request, "due_date") or None,
        "title": post_value(request, "title", ""),
        "comment": post_value(request, "comment", ""),
    }
    if inv.currency != settings.DEALBOOK_DEFAULT_CURRENCY and "rate" in request.POST:
        fields["rate"] = post_value(request, "rate") or None
    if fields["date"] is None:
        fields.pop("date")
    svc.invoice_update(actor=request.user, invoice=inv, **fields)
    return _("Invoice saved.")


def _line(request, inv):
    line = bq.invoice_lines(inv).filter(pk=parse_id(request.POST.get("line_id"), "line_id") or 0).first()
    if line is None:
        raise InvalidInput(_("Line not found."), field="line_id")
    return line


def line_add(request, inv):
    """I3 only while New; P1–P6 through the same rules as the deal's lines."""
    svc.invoice_line_add(
        actor=request.user,
        invoice=inv,
        product=parse_id(request.POST.get("product"), "product"),
        quantity=post_value(request, "quantity", ""),
        discount_kind=post_value(request, "discount_kind", ""),
        discount_value=post_value(request, "discount_value", "") or "0",
    )
    return _("Line added.")


def line_update(request, inv):
    fields = {name: post_value(request, name) for name in ("quantity", "price") if name in request.POST}
    svc.invoice_line_update(actor=request.user, invoice=inv, line=_line(request, inv), **fields)
    return _("Line changed.")


def line_remove(request, inv):
    svc.invoice_line_remove(actor=request.user, invoice=inv, line=_line(request, inv))
    return _("Line removed.")


def comment(request, inv):
    timeline.comment_add(subject=inv, actor=request.user, text=request.POST.get("text", ""))
    return _("Comment added.")


ACTIONS = {
    "issue": issue,
    "submit": submit,
    "approve": approve,
    "email": email,
    "payment": payment,
    "mark_paid": mark_paid,
    "cancel": cancel,
    "refund": refund,
    "export": export,
    "delete": delete,
    "closing": closing,
    "receive": receive,
    "parties": parties,
    "payer": payer,
    "update": update,
    "comment": comment,
    "line_add": line_add,
    "line_update": line_update,
    "line_remove": line_remove,
}
