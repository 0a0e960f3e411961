"""The public invoice page (I8): no login, reached only through the invoice's 192-bit token; works
on a phone; the PDF inline and as a download. A cancelled invoice says so and offers no PDF."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin

from dealbook.billing.models import Invoice, InvoiceStatus, SellerSettings
from dealbook.billing.printing import LANGUAGES, invoice_language, invoice_pdf
from dealbook.billing.queries import invoice_lines

TOKEN_MIN, TOKEN_MAX = 20, 64


def _by_token(token: str) -> Invoice:
    """Exactly a stored token, or 404 — nothing tells a wrong token from a missing invoice."""
    token = (token or "").strip()
    found = None
    if TOKEN_MIN <= len(token) <= TOKEN_MAX:
        found = (
            Invoice.objects.select_related("seller", "payer_company", "payer_contact")
            .filter(public_token=token)
            .first()
        )
    if found is None:
        raise Http404(_("Invoice not found."))
    return found


def _requisites(seller) -> dict:
    account = seller.bank_accounts.order_by("-is_primary", "id").first()
    return {"seller": seller, "account": account}


@never_cache
def invoice_public(request, token: str):
    invoice = _by_token(token)
    conf = SellerSettings.objects.filter(seller=invoice.seller).first()
    context = {
        "invoice": invoice,
        "lines": list(invoice_lines(invoice)),
        "cancelled": invoice.status == InvoiceStatus.CANCELLED,
        "paid": invoice.status in (InvoiceStatus.PAID, InvoiceStatus.PAID_SHIPPED, InvoiceStatus.EXPORTED),
        "overdue": invoice.is_overdue(),
        "settings": conf,
        "language": invoice_language(invoice),
        **_requisites(invoice.seller),
    }
    response = render(request, "billing/public_invoice.html", context)
    response["Referrer-Policy"] = "no-referrer"  # the token must not leak to other sites
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@xframe_options_sameorigin  # the public page shows it in a frame
def invoice_public_pdf(request, token: str):
    invoice = _by_token(token)
    if invoice.status == InvoiceStatus.CANCELLED:
        raise Http404(_("Invoice not found."))
    lang = request.GET.get("lang")
    pdf, filename = invoice_pdf(invoice, lang if lang in LANGUAGES else None)
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
