"""Custom documents (contracts, orders) generated from a deal with an uploaded .docx template (X2).

billing builds the variables (documents.docx.VARIABLES) from the deal, its client, our legal entity
and the deal's lines, because documents may not know deals; the generated file goes on the deal's
timeline as an attachment with a "Document generated" event.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from dealbook.billing.models import Invoice
from dealbook.billing.services.common import require_billing
from dealbook.core import timeline
from dealbook.core.errors import InvalidInput, NotFound
from dealbook.core.models import Attachment, EventKind
from dealbook.crm.models import Company, ContactPoint, Deal, DealContact
from dealbook.crm.queries.deals import deal_for
from dealbook.documents.docx import render_docx
from dealbook.documents.models import DocumentTemplate
from dealbook.documents.services import template_content
from dealbook.documents.words import amount_in_words, format_date, format_money, format_quantity

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def deal_seller(deal: Deal) -> Company | None:
    """Our legal entity for the deal: the seller of its latest invoice, else our first one."""
    invoice = Invoice.objects.filter(deal=deal).select_related("seller").order_by("-id").first()
    if invoice is not None:
        return invoice.seller
    return Company.objects.filter(is_own=True).order_by("pk").first()


def _point(kind: str, *, contact=None, company=None) -> str:
    qs = ContactPoint.objects.filter(kind=kind)
    qs = qs.filter(contact=contact) if contact is not None else qs.filter(company=company)
    return qs.order_by("id").values_list("value", flat=True).first() or ""


def _client(deal: Deal) -> dict:
    link = (
        DealContact.objects.filter(deal=deal).select_related("contact").order_by("-is_primary", "id").first()
    )
    contact = link.contact if link else None
    company = deal.company
    return {
        "name": (company.legal_name or company.name) if company else (contact.full_name if contact else ""),
        "inn": company.inn if company else "",
        "kpp": company.kpp if company else "",
        "address": (company.legal_address or company.postal_address) if company else "",
        "contact_name": contact.full_name if contact else "",
        "contact_phone": _point("phone", contact=contact) if contact else "",
        "contact_email": _point("email", contact=contact) if contact else "",
    }


def _seller(seller: Company | None) -> dict:
    if seller is None:
        return {"name": "", "inn": "", "kpp": "", "address": "", "ogrn": "", "director": "", "bank": {}}
    account = seller.bank_accounts.order_by("-is_primary", "id").first()
    bank = {}
    if account is not None:
        bank = {
            "name": account.bank_name,
            "bik": account.bik,
            "corr_account": account.corr_account,
            "account": account.account,
            "iban": account.iban,
            "bic": account.bic,
        }
    return {
        "name": seller.legal_name or seller.name,
        "inn": seller.inn,
        "kpp": seller.kpp,
        "address": seller.legal_address or seller.postal_address,
        "ogrn": seller.ogrn,
        "director": seller.director_name,
        "bank": bank,
    }


def deal_document_data(deal: Deal, *, language: str, seller: Company | None = None, actor=None) -> dict:
    """The variables of a .docx template (documents.docx.VARIABLES) for this deal, as strings."""
    currency = deal.currency

    def money(amount: Decimal) -> str:
        return format_money(amount, currency, language)

    lines, net, tax, total = [], Decimal("0"), Decimal("0"), Decimal("0")
    for n, line in enumerate(deal.lines.select_related("unit").order_by("sort", "id"), start=1):
        lines.append(
            {
                "n": str(n),
                "name": line.name,
                "quantity": format_quantity(line.quantity, language),
                "unit": line.unit.name,
                "price": money(line.price),
                "amount": money(line.total),
            }
        )
        net, tax, total = net + line.net, tax + line.tax, total + line.total
    manager = deal.responsible or actor
    return {
        "deal": {
            "title": deal.title,
            "number": str(deal.pk),
            "id": str(deal.pk),
            "amount": money(deal.amount),
            "currency": currency,
            "date": format_date(timezone.localdate(deal.created_at), language),
        },
        "client": _client(deal),
        "seller": _seller(seller),
        "lines": lines,
        "totals": {
            "net": money(net),
            "tax": money(tax),
            "total": money(total),
            "total_in_words": amount_in_words(total, currency, language),
        },
        "today": format_date(timezone.localdate(), language),
        "manager": manager.display_name if manager else "",
    }


def _file_name(template: DocumentTemplate, deal: Deal) -> str:
    stem = get_valid_filename(f"{template.name} {deal.pk}") or f"document-{deal.pk}"
    return f"{stem[:150]}.docx"


@transaction.atomic
def deal_document_generate(*, actor, deal, template, language: str | None = None) -> Attachment:
    """X2: fill a .docx template with the deal's data and put the file on the deal's timeline.
    R2: only on a deal the user sees (another manager's private deal is as good as absent)."""
    require_billing(actor)
    deal = deal_for(actor, getattr(deal, "pk", deal))
    template = DocumentTemplate.objects.filter(pk=getattr(template, "pk", template), is_active=True).first()
    if template is None:
        raise NotFound(_("Template not found."), field="template")
    seller = deal_seller(deal)
    lang = language or ("ru" if seller is None or (seller.country or "RU").upper() == "RU" else "en")
    if lang not in ("ru", "en"):
        raise InvalidInput(_("lang: use ru or en."), field="lang")
    content = render_docx(template_content(template), deal_document_data(deal, language=lang, seller=seller))
    name = _file_name(template, deal)
    att = Attachment(
        subject_type=ContentType.objects.get_for_model(Deal),
        subject_id=deal.pk,
        name=name,
        size=len(content),
        mime_type=DOCX_MIME,
        uploaded_by=actor,
    )
    att.file.save(name, ContentFile(content), save=False)
    stored = att.file.name
    try:
        att.save()
        timeline.record(
            deal,
            EventKind.DOCUMENT_GENERATED,
            actor=actor,
            data={
                "attachment_id": att.pk,
                "name": name,
                "template_id": template.pk,
                "template": template.name,
            },
        )
    except BaseException:
        att.file.storage.delete(stored)
        raise
    return att
