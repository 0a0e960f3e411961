"""An invoice's print form data and PDF (I8) from its stored parties, lines and amounts."""

from __future__ import annotations

from django.utils.translation import gettext as _

from dealbook.billing.models import Invoice
from dealbook.billing.services.lines import amounts_of
from dealbook.core.errors import InvalidInput
from dealbook.documents.invoice_data import PrintLine, invoice_data
from dealbook.documents.render import render_pdf

LANGUAGES = ("ru", "en")


def invoice_language(invoice: Invoice, requested: str | None = None) -> str:
    """The document's language: asked for (?lang=), else Russian for a Russian seller, else English."""
    if requested:
        lang = requested.strip().lower()[:2]
        if lang not in LANGUAGES:
            raise InvalidInput(_("lang: use ru or en."), field="lang")
        return lang
    return "ru" if (invoice.seller.country or "RU").upper() == "RU" else "en"


def _company(company) -> dict:
    if company is None:
        return {}
    party = {
        "name": company.legal_name or company.name,
        "inn": company.inn,
        "kpp": company.kpp,
        "ogrn": company.ogrn,
        "vat_id": company.vat_id,
        "address": company.legal_address or company.postal_address,
    }
    account = company.bank_accounts.order_by("-is_primary", "id").first()
    if account is not None:
        party["bank"] = {
            "name": account.bank_name,
            "bik": account.bik,
            "corr_account": account.corr_account,
            "account": account.account,
            "iban": account.iban,
            "bic": account.bic,
        }
    phone = company.points.filter(kind="phone").values_list("value", flat=True).first()
    email = company.points.filter(kind="email").values_list("value", flat=True).first()
    party.update(phone=phone or "", email=email or "")
    return party


def _short_name(full: str) -> str:
    """ "Новиков Андрей Петрович" → "Новиков А. П." as signatures print."""
    parts = (full or "").split()
    if len(parts) < 2:
        return full or ""
    return parts[0] + " " + " ".join(p[0] + "." for p in parts[1:])


def invoice_print_data(invoice: Invoice, language: str) -> dict:
    seller = invoice.seller
    if invoice.payer_company_id:
        buyer = _company(invoice.payer_company)
    else:
        buyer = {"name": invoice.payer_contact.full_name}
    lines = [
        PrintLine(
            name=x.name,
            quantity=x.quantity,
            unit=x.unit.name,
            price=x.price,
            tax_rate=x.tax_rate,
            amounts=amounts_of(x),
            discount_kind=x.discount_kind,
            discount_value=x.discount_value,
            sku=x.product.sku,
        )
        for x in invoice.lines.select_related("unit", "product").order_by("sort", "id")
    ]
    includes = all(x.price_includes_tax for x in invoice.lines.all()) if lines else True
    return invoice_data(
        number=invoice.number,
        date=invoice.date,
        due_date=invoice.due_date,
        currency=invoice.currency,
        language=language,
        seller=_company(seller),
        buyer=buyer,
        lines=lines,
        price_includes_tax=includes,
        notes=invoice.comment if language != "ru" else "",
        signers={
            "director": _short_name(seller.director_name),
            "director_title": "Генеральный директор" if language == "ru" else "Director",
            "accountant": _short_name(seller.accountant_name),
        },
    )


def invoice_pdf(invoice: Invoice, language: str | None = None) -> tuple[bytes, str]:
    """I8: the PDF of the invoice's print form and its file name."""
    lang = invoice_language(invoice, language)
    data = invoice_print_data(invoice, lang)
    pdf = render_pdf(f"invoice_{lang}", data, language=lang)
    safe = invoice.number.replace(" ", "").replace("/", "-")
    return pdf, f"invoice-{safe}.pdf"
