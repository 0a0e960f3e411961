"""The invoice card: header with the status and only the actions the invoice allows, lines (edited
only while New, I3), parties (I2, I4), payments (I6), closing documents (X1), the timeline.

Every action is a POST answered with the whole card re-rendered (htmx swaps it in place); a refused
action shows the service's message at the field it names and changes nothing.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from dealbook.billing import queries as bq
from dealbook.billing import services as svc
from dealbook.billing.models import (
    ClosingKind,
    ClosingStatus,
    InvoiceStatus,
    PaymentAllocation,
    PaymentMethod,
)
from dealbook.billing.views import options
from dealbook.core import timeline
from dealbook.core.errors import DomainError
from dealbook.core.money import round_money
from dealbook.web.pages import is_htmx, page

S = InvoiceStatus
# the fields the card shows an error under; anything else is shown in the header
KNOWN_FIELDS = frozenset(
    "status supplier carrier confirmed lines product quantity discount_value discount_kind unit price "
    "amount date method reference to subject body due_date title rate comment payer_company "
    "payer_contact kind upd_status reason text line_id".split()
)


def _payments(inv) -> list:
    return list(
        PaymentAllocation.objects.filter(invoice=inv)
        .select_related("payment")
        .order_by("payment__date", "id")
    )


def card_context(request, pk, *, error=None, action=None, values=None) -> dict:
    user = request.user
    inv = bq.invoice_for(user, pk)
    lines = bq.invoice_line_list(inv)
    docs = list(bq.closing_documents_of(inv))
    needs_approval = svc.needs_approval(inv) if inv.status == S.NEW else inv.approval_required
    allowed = svc.available_actions(user, inv, needs_approval)
    kinds = {d.kind for d in docs}
    public_url = request.build_absolute_uri(reverse("invoice_public", args=[inv.public_token]))
    errors = {}
    if error is not None:
        errors[error.field if error.field in KNOWN_FIELDS else "general"] = error.message
    context = {
        "section": "invoices",
        "invoice": inv,
        "lines": lines,
        "is_new": inv.status == S.NEW,
        "overdue": inv.is_overdue(),
        "needs_approval": needs_approval,
        "allowed": allowed,
        "closing_kinds": [(k, label) for k, label in ClosingKind.choices if k not in kinds]
        if allowed["closing"]
        else [],
        "documents": docs,
        "payments": _payments(inv),
        "methods": PaymentMethod.choices,
        "events": list(timeline.events_for(inv, limit=50)),
        "status_names": dict(S.choices),
        "parties_editable": inv.upd_requested_at is None and inv.status not in (S.CANCELLED, S.REFUNDED),
        "base_currency": settings.DEALBOOK_DEFAULT_CURRENCY,
        "base_total": round_money(inv.total * inv.rate, settings.DEALBOOK_DEFAULT_CURRENCY)
        if inv.rate != 1
        else None,
        "public_url": public_url,
        "errors": errors,
        "error_action": action if error is not None else None,
        "values": values or {},
        "open_dialog": action if error is not None and action in DIALOGS else None,
        "head_error": False,
        "received": ClosingStatus.RECEIVED_SIGNED,
    }
    context.update(options.card_options(user, inv, editable=context["parties_editable"]))
    if error is not None:
        context["head_error"] = not _shown_in_block(action, error.field, context)
    if allowed["email"]:
        context["mail"] = options.mail_defaults(inv, public_url, values if action == "email" else None)
    return context


DIALOGS = frozenset({"email", "cancel", "delete", "refund"})
# (action → the fields its own block shows an error under, and whether that block is on the card);
# None means the block shows any error of its action
BLOCKS = {
    "payment": (None, lambda c: c["allowed"]["payment"]),
    "email": (None, lambda c: c["allowed"]["email"]),
    "cancel": (None, lambda c: c["allowed"]["cancel"]),
    "refund": (None, lambda c: c["allowed"]["refund"]),
    "delete": (None, lambda c: c["allowed"]["delete"]),
    "closing": (None, lambda c: True),
    "receive": (None, lambda c: True),
    "line_update": (None, lambda c: True),
    "line_remove": (None, lambda c: True),
    "line_add": (
        {"product", "quantity", "unit", "discount_value", "discount_kind", "lines"},
        lambda c: c["is_new"],
    ),
    "parties": ({"supplier", "carrier", "confirmed"}, lambda c: c["parties_editable"]),
    "payer": ({"payer_company", "payer_contact"}, lambda c: c["is_new"]),
    "update": ({"date", "due_date", "rate", "title"}, lambda c: c["is_new"]),
    "comment": ({"text"}, lambda c: True),
}


def _shown_in_block(action, field, context) -> bool:
    """Whether the action's own form shows its error; otherwise the header does, so no refusal
    goes unseen (e.g. deleting a draft that another user has just issued)."""
    fields, visible = BLOCKS.get(action, (set(), lambda c: False))
    return visible(context) and (fields is None or field in fields)


def card_response(request, pk, *, error=None, action=None, values=None, toast=None):
    """The card (whole page, or the #invoice part for htmx) with an error at its field or a toast."""
    context = card_context(request, pk, error=error, action=action, values=values)
    status = error.status if error is not None else 200
    if is_htmx(request):
        response = render(request, "billing/_invoice.html", context, status=status)
        if error is not None:
            response["X-Form-Errors"] = "1"
        if toast:
            response["HX-Trigger"] = json.dumps({"toast": {"message": toast, "kind": "success"}})
        return response
    return render(request, "billing/invoice_card.html", context, status=status)


@page
def invoice_card(request, pk: int):
    return card_response(request, pk)


@page
def invoice_pdf(request, pk: int):
    """I8: the print form inline (print view) or as a download (?download=1); ?lang=ru|en."""
    from dealbook.billing.printing import invoice_pdf as render_invoice

    inv = bq.invoice_for(request.user, pk)
    pdf, filename = render_invoice(inv, request.GET.get("lang") or None)
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


@require_POST
@page
def invoice_action(request, pk: int, action: str):
    """One lifecycle action of the header, the parties block, the payments form or the closing
    documents (see actions.ACTIONS)."""
    from dealbook.billing.views.actions import ACTIONS

    handler = ACTIONS.get(action)
    if handler is None:
        return HttpResponse(status=404)
    inv = bq.invoice_for(request.user, pk)
    try:
        toast = handler(request, inv)
    except DomainError as exc:
        if exc.status == 404 and exc.field in (None, "id"):
            raise
        return card_response(request, pk, error=exc, action=action, values=request.POST)
    if action == "delete":
        messages.success(request, toast)
        if is_htmx(request):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("invoices_list")
            return response
        return redirect("invoices_list")
    if not is_htmx(request):
        messages.success(request, toast)
        return redirect("invoice", pk=pk)
    return card_response(request, pk, toast=toast)
