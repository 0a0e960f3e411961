"""Closing documents' PDFs (X1) and the sellers' print settings (X2) under /api/v1/.

Mounted by api.main as its own router. A closing document the user may not see is a 404 (R2 through
its invoice); print settings are read by billing roles and changed by accounting and
administrators (billing.services.print_settings).
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from dealbook.billing import queries as bq
from dealbook.billing.printing import closing_pdf, print_preview_pdf
from dealbook.billing.services.common import require_billing
from dealbook.billing.services.invoices import seller_settings
from dealbook.billing.services.print_settings import IMAGE_FIELDS, seller_print_settings_update
from dealbook.core.errors import NotFound
from dealbook.crm.models import Company
from dealbook.crm.queries.deals import as_id

router = Router(tags=["closing documents", "print settings"])


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@router.get("closing-documents/{int:document_id}/pdf")
def closing_document_pdf(request, document_id: int, lang: str | None = None):
    """X1: the act (ru, en) or UPD (ru) as PDF in the seller's print settings; ?lang=ru|en."""
    document = bq.closing_document_for(request.auth, document_id)
    return _pdf(*closing_pdf(document, lang))


# ---------------------------------------------------------------- print settings (X2)


class PrintSettingsOut(Schema):
    seller_id: int
    seller_name: str
    accent_color: str
    header_text: str
    footer_text: str
    images: dict[str, bool]  # which of logo, signature, signature_accountant, stamp are uploaded


def _seller(user, seller_id) -> Company:
    require_billing(user)
    pk = as_id(seller_id)
    found = Company.objects.filter(pk=pk, is_own=True).first() if pk else None
    if found is None:
        raise NotFound(_("Our legal entity not found."), field="seller_id")
    return found


def _out(seller: Company) -> dict:
    settings = seller_settings(seller)
    return {
        "seller_id": seller.pk,
        "seller_name": seller.name,
        "accent_color": settings.accent_color,
        "header_text": settings.header_text,
        "footer_text": settings.footer_text,
        "images": {name: bool(getattr(settings, name)) for name in IMAGE_FIELDS},
    }


@router.get("sellers/{int:seller_id}/print-settings", response=PrintSettingsOut)
def print_settings_get(request, seller_id: int):
    return _out(_seller(request.auth, seller_id))


class PrintSettingsIn(Schema):
    """Absent fields stay as they are; "" clears a colour or text."""

    accent_color: str | None = None
    header_text: str | None = None
    footer_text: str | None = None


@router.put("sellers/{int:seller_id}/print-settings", response=PrintSettingsOut)
def print_settings_put(request, seller_id: int, payload: PrintSettingsIn):
    """X2: the accent colour (#RRGGBB) and the header and footer texts. Accounting and
    administrators only."""
    seller = _seller(request.auth, seller_id)
    seller_print_settings_update(actor=request.auth, seller=seller, **payload.dict(exclude_unset=True))
    return _out(seller)


def _image_name(name: str) -> str:
    if name not in IMAGE_FIELDS:
        raise NotFound(_("Unknown image: %(name)s") % {"name": name}, field="name")
    return name


@router.post("sellers/{int:seller_id}/print-settings/images/{name}", response=PrintSettingsOut)
def print_settings_image_upload(request, seller_id: int, name: str, file: File[UploadedFile]):
    """X2, multipart/form-data with `file`: upload or replace the logo, signature,
    signature_accountant or stamp — PNG, JPEG or SVG, at most 2 MB."""
    seller = _seller(request.auth, seller_id)
    seller_print_settings_update(actor=request.auth, seller=seller, **{_image_name(name): file})
    return _out(seller)


@router.delete("sellers/{int:seller_id}/print-settings/images/{name}", response=PrintSettingsOut)
def print_settings_image_delete(request, seller_id: int, name: str):
    """X2: stop printing this image."""
    seller = _seller(request.auth, seller_id)
    seller_print_settings_update(actor=request.auth, seller=seller, remove=[_image_name(name)])
    return _out(seller)


@router.get("sellers/{int:seller_id}/print-settings/preview")
def print_settings_preview(request, seller_id: int, lang: str = "ru"):
    """X2: a sample invoice from this seller in its current print settings."""
    seller = _seller(request.auth, seller_id)
    return _pdf(print_preview_pdf(seller, lang), f"preview-{seller.pk}.pdf")
