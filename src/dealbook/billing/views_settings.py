"""Settings → Print settings (X2): per own legal entity, the logo, facsimile signatures, stamp,
accent colour and header/footer texts of its invoices, acts and UPDs, with a sample invoice PDF to
check them; and the closing documents' PDFs (X1) for the invoice card."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dealbook.accounts import policy
from dealbook.billing import queries as bq
from dealbook.billing.printing import closing_pdf, print_preview_pdf
from dealbook.billing.services.common import require_billing
from dealbook.billing.services.invoices import seller_settings
from dealbook.billing.services.print_settings import (
    CONTENT_TYPES,
    IMAGE_FIELDS,
    MAX_TEXT,
    image_kind,
    seller_print_settings_update,
)
from dealbook.core.errors import DomainError, Forbidden, NotFound
from dealbook.crm.queries.parties import own_companies
from dealbook.web.pages import page, render_form

IMAGE_LABELS = {
    "logo": gettext_lazy("Logo"),
    "signature": gettext_lazy("Director's signature"),
    "signature_accountant": gettext_lazy("Chief accountant's signature"),
    "stamp": gettext_lazy("Stamp"),
}


def _pdf(content: bytes, filename: str, download: bool) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


def _sellers(user, seller_id):
    require_billing(user)
    sellers = list(own_companies())
    if seller_id is None:
        return sellers, (sellers[0] if sellers else None)
    chosen = next((s for s in sellers if s.pk == seller_id), None)
    if chosen is None:
        raise NotFound(_("Our legal entity not found."), field="seller_id")
    return sellers, chosen


def _context(request, sellers, seller, values: dict | None = None, error: DomainError | None = None) -> dict:
    settings = seller_settings(seller) if seller else None
    images = []
    if settings is not None:
        # the stored name goes into the preview's URL (?v=), so a replaced image shows at once
        images = [
            {
                "name": n,
                "label": IMAGE_LABELS[n],
                "stored": getattr(settings, n).name or "",
                "error": error.message if error is not None and error.field == n else "",
            }
            for n in IMAGE_FIELDS
        ]
    current = {name: getattr(settings, name) for name in ("accent_color", "header_text", "footer_text")}
    return {
        "section": "settings",
        "sellers": sellers,
        "seller": seller,
        "images": images,
        "values": values if values is not None else current,
        "can_edit": policy.can(request.user, "company.edit_requisites"),
        "max_text": MAX_TEXT,
    }


@page
def print_settings(request, seller_id: int | None = None):
    """X2: one page per own legal entity; accounting and administrators change it (403 otherwise),
    every refusal shows under the field it names and nothing is saved."""
    sellers, seller = _sellers(request.user, seller_id)
    if seller is None:
        return render(request, "billing/print_settings.html", {"section": "settings", "sellers": []})
    if request.method != "POST":
        return render(request, "billing/print_settings.html", _context(request, sellers, seller))
    values = {name: request.POST.get(name, "") for name in ("accent_color", "header_text", "footer_text")}
    try:
        seller_print_settings_update(
            actor=request.user,
            seller=seller,
            **{name: request.FILES.get(name) for name in IMAGE_FIELDS},
            remove=request.POST.getlist("remove"),
            **values,
        )
    except DomainError as exc:
        if isinstance(exc, NotFound | Forbidden):
            raise
        context = _context(request, sellers, seller, values, exc)
        return render_form(request, "billing/print_settings.html", context, exc)
    messages.success(request, _("Print settings saved."))
    return redirect("print_settings_seller", seller.pk)


@page
def print_settings_image(request, seller_id: int, name: str):
    """The stored image for the page's preview. Served as an image that can run nothing (an SVG is
    a document a browser could script): a sandboxing content policy and no type sniffing."""
    _sellers_, seller = _sellers(request.user, seller_id)
    if name not in IMAGE_FIELDS:
        raise Http404
    stored = getattr(seller_settings(seller), name)
    if not stored:
        raise Http404
    try:
        with stored.storage.open(stored.name, "rb") as fh:
            content = fh.read()
    except OSError:
        raise Http404 from None
    kind = image_kind(content)
    if kind is None:
        raise Http404
    response = HttpResponse(content, content_type=CONTENT_TYPES[kind])
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=300"
    return response


@page
def print_settings_preview(request, seller_id: int):
    """X2: the sample invoice in this seller's print settings; ?lang=ru|en."""
    _sellers_, seller = _sellers(request.user, seller_id)
    lang = request.GET.get("lang") or "ru"
    return _pdf(print_preview_pdf(seller, lang), f"preview-{seller.pk}-{lang}.pdf", False)


@page
def closing_document_pdf(request, pk: int):
    """X1: the act or UPD inline (print view) or as a download (?download=1); ?lang=ru|en for acts."""
    document = bq.closing_document_for(request.user, pk)
    content, filename = closing_pdf(document, request.GET.get("lang") or None)
    return _pdf(content, filename, bool(request.GET.get("download")))
