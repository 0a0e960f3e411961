"""Print form data and PDFs of invoices (I8) and closing documents (X1) from their stored parties,
lines and amounts, dressed in the seller's print settings (X2): logo, facsimile signatures, stamp,
accent colour, header and footer texts."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from dealbook.billing.models import ClosingDocument, ClosingKind, Invoice, PaymentAllocation, SellerSettings
from dealbook.billing.services.lines import amounts_of
from dealbook.billing.services.print_settings import IMAGE_FIELDS, image_kind
from dealbook.catalog.models import Unit
from dealbook.core.errors import InvalidInput
from dealbook.documents.closing_data import ClosingLine, closing_data
from dealbook.documents.forms_registry import form_path
from dealbook.documents.invoice_data import PrintLine, invoice_data
from dealbook.documents.render import render_pdf
from dealbook.documents.words import format_date

log = logging.getLogger(__name__)

LANGUAGES = ("ru", "en")


@dataclass
class PrintLook:
    """What a seller's print settings add to every form: images by name, colours, texts."""

    assets: dict[str, bytes] = field(default_factory=dict)
    style: dict[str, str] = field(default_factory=dict)
    header: str = ""
    footer: str = ""


def _read_image(settings: SellerSettings, name: str) -> bytes | None:
    """The stored image's bytes; a file gone missing or not an image is left out, never an error:
    uploads are validated (billing.services.print_settings), so this only guards the disk."""
    stored = getattr(settings, name)
    if not stored:
        return None
    try:
        with stored.storage.open(stored.name, "rb") as fh:
            content = fh.read()
    except OSError:
        log.warning(
            "print settings of seller %s: %s file %s is missing", settings.seller_id, name, stored.name
        )
        return None
    if image_kind(content) is None:
        log.warning("print settings of seller %s: %s is not an image", settings.seller_id, name)
        return None
    return content


def print_look(seller) -> PrintLook:
    """X2: the seller's print settings as render_pdf takes them (empty when there are none)."""
    settings = SellerSettings.objects.filter(seller=seller).first()
    if settings is None:
        return PrintLook()
    assets = {name: data for name in IMAGE_FIELDS if (data := _read_image(settings, name)) is not None}
    style = {"accent": settings.accent_color} if settings.accent_color else {}
    return PrintLook(assets=assets, style=style, header=settings.header_text, footer=settings.footer_text)


def invoice_language(invoice: Invoice, requested: str | None = None) -> str:
    """The document's language: asked for (?lang=), else Russian for a Russian seller, else English."""
    if requested:
        lang = requested.strip().lower()[:2]
        if lang not in LANGUAGES:
            raise InvalidInput(_("lang: use ru or en."), field="lang")
        return lang
    return "ru" if (invoice.seller.country or "RU").upper() == "RU" else "en"


def _company(company, contacts: dict | None = None) -> dict:
    """A party's requisites, primary bank account, first phone and e-mail; `contacts`: those of
    several companies read at once (_contacts), else read here."""
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
    found = (contacts if contacts is not None else _contacts([company])).get(company.pk, {})
    account = found.get("bank")
    if account is not None:
        party["bank"] = {
            "name": account.bank_name,
            "bik": account.bik,
            "corr_account": account.corr_account,
            "account": account.account,
            "iban": account.iban,
            "bic": account.bic,
        }
    party.update(phone=found.get("phone", ""), email=found.get("email", ""))
    return party


def _contacts(companies) -> dict[int, dict]:
    """For each company (by id): its primary bank account (else the first), its first phone and its
    first e-mail (in the order they were added) — two queries for all the parties of a document."""
    from dealbook.crm.models import BankAccount, ContactPoint

    ids = {c.pk for c in companies if c is not None}
    found: dict[int, dict] = {pk: {} for pk in ids}
    if not ids:
        return found
    for account in BankAccount.objects.filter(company_id__in=ids).order_by("-is_primary", "id"):
        found[account.company_id].setdefault("bank", account)
    points = (
        ContactPoint.objects.filter(company_id__in=ids, kind__in=("phone", "email"))
        .order_by("id")
        .values_list("company_id", "kind", "value")
    )
    for company_id, kind, value in points:
        found[company_id].setdefault(kind, value)
    return found


def _payer(invoice: Invoice, contacts: dict | None = None) -> dict:
    if invoice.payer_company_id:
        return _company(invoice.payer_company, contacts)
    return {"name": invoice.payer_contact.full_name}


def _short_name(full: str) -> str:
    """ "Новиков Андрей Петрович" → "Новиков А. П." as signatures print."""
    parts = (full or "").split()
    if len(parts) < 2:
        return full or ""
    return parts[0] + " " + " ".join(p[0] + "." for p in parts[1:])


def _signers(seller, language: str) -> dict:
    return {
        "director": _short_name(seller.director_name),
        "director_title": "Генеральный директор" if language == "ru" else "Director",
        "accountant": _short_name(seller.accountant_name),
    }


def invoice_print_data(invoice: Invoice, language: str, look: PrintLook | None = None) -> dict:
    seller = invoice.seller
    look = look or PrintLook()
    rows = list(invoice.lines.select_related("unit", "product").order_by("sort", "id"))
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
        for x in rows
    ]
    includes = all(x.price_includes_tax for x in rows)
    contacts = _contacts([seller, invoice.payer_company if invoice.payer_company_id else None])
    return invoice_data(
        number=invoice.number,
        date=invoice.date,
        due_date=invoice.due_date,
        currency=invoice.currency,
        language=language,
        seller=_company(seller, contacts),
        buyer=_payer(invoice, contacts),
        lines=lines,
        price_includes_tax=includes,
        notes=invoice.comment if language != "ru" else "",
        notice=look.header,
        footer=look.footer,
        style=look.style,
        signers=_signers(seller, language),
    )


def invoice_pdf(invoice: Invoice, language: str | None = None) -> tuple[bytes, str]:
    """I8: the PDF of the invoice's print form (X2: the seller's look) and its file name."""
    lang = invoice_language(invoice, language)
    look = print_look(invoice.seller)
    data = invoice_print_data(invoice, lang, look)
    pdf = render_pdf(form_path("invoice", lang), data, language=lang, assets=look.assets)
    return pdf, f"invoice-{_safe(invoice.number)}.pdf"


def _safe(number: str) -> str:
    return number.replace(" ", "").replace("/", "-")


# ---------------------------------------------------------------- closing documents (X1)


def closing_language(document: ClosingDocument, requested: str | None = None) -> str:
    """An act prints in Russian or English like its invoice; a UPD is a Russian tax form only."""
    lang = invoice_language(document.invoice, requested)
    if document.kind == ClosingKind.UPD and lang != "ru":
        if requested:
            raise InvalidInput(_("A UPD is printed in Russian only."), field="lang")
        lang = "ru"
    return lang


def _closing_lines(document: ClosingDocument) -> tuple[list[ClosingLine], bool]:
    """The document's own lines, with the article and ОКЕИ unit code of the invoice line each came
    from (closing lines are copied from the invoice's lines in order, and those are frozen by then)."""
    stored = list(document.lines.order_by("sort", "id"))
    source = list(document.invoice.lines.select_related("unit", "product").order_by("sort", "id"))
    unit_codes = dict(Unit.objects.filter(name__in={x.unit_name for x in stored}).values_list("name", "code"))
    lines = []
    for i, x in enumerate(stored):
        origin = source[i] if i < len(source) and source[i].name == x.name else None
        lines.append(
            ClosingLine(
                name=x.name,
                quantity=x.quantity,
                unit=x.unit_name,
                price=x.price,
                tax_rate=x.tax_rate,
                net=x.net,
                tax=x.tax,
                total=x.total,
                code=origin.product.sku if origin else "",
                unit_code=unit_codes.get(x.unit_name, ""),
            )
        )
    includes = all(x.price_includes_tax for x in source) if source else True
    return lines, includes


def _payment_docs(invoice: Invoice, until, lang: str) -> str:
    """UPD line 5: the payments received for the invoice up to the document's date."""
    allocations = (
        PaymentAllocation.objects.filter(invoice=invoice, payment__date__lte=until)
        .select_related("payment")
        .order_by("payment__date", "payment_id")
    )
    blank = "б/н" if lang == "ru" else "n/a"
    pattern = "№ {ref} от {date}" if lang == "ru" else "No. {ref} of {date}"
    return "; ".join(
        pattern.format(ref=a.payment.reference or blank, date=format_date(a.payment.date, lang))
        for a in allocations
    )


def closing_print_data(document: ClosingDocument, language: str, look: PrintLook | None = None) -> dict:
    """X1: an act's or UPD's data. The shipper is the invoice's supplier when that is another company
    (otherwise the seller ships itself, "он же"); its carrier is printed under transport (I4)."""
    invoice, seller = document.invoice, document.seller
    look = look or PrintLook()
    lines, includes = _closing_lines(document)
    basis = (
        f"Счёт на оплату № {invoice.number} от {format_date(invoice.date, language)}"
        if language == "ru"
        else f"Invoice No. {invoice.number} of {format_date(invoice.date, language)}"
    )
    supplier = invoice.supplier if invoice.supplier_id and invoice.supplier_id != seller.pk else None
    carrier = invoice.carrier if invoice.carrier_id else None
    payer = invoice.payer_company if invoice.payer_company_id else None
    contacts = _contacts([seller, payer, supplier, carrier])
    return closing_data(
        kind=document.kind,
        number=document.number,
        date=document.date,
        currency=invoice.currency,
        language=language,
        seller=_company(seller, contacts),
        buyer=_payer(invoice, contacts),
        lines=lines,
        price_includes_tax=includes,
        upd_status=document.upd_status,
        basis=basis,
        invoice_number=invoice.number,
        payment_docs=_payment_docs(invoice, document.date, language),
        shipper=_company(supplier, contacts) if supplier else None,
        carrier=_company(carrier, contacts) if carrier else None,
        signers=_signers(seller, language),
        notice=look.header,
        footer=look.footer,
        style=look.style,
    )


def closing_pdf(document: ClosingDocument, language: str | None = None) -> tuple[bytes, str]:
    """X1/X2: the PDF of the act or UPD in the seller's look, and its file name."""
    document = (
        ClosingDocument.objects.select_related(
            "seller", "invoice__seller", "invoice__payer_company", "invoice__payer_contact"
        )
        .select_related("invoice__supplier", "invoice__carrier")
        .get(pk=document.pk)
    )
    lang = closing_language(document, language)
    look = print_look(document.seller)
    data = closing_print_data(document, lang, look)
    pdf = render_pdf(form_path(document.kind, lang), data, language=lang, assets=look.assets)
    return pdf, f"{document.kind}-{_safe(document.number)}.pdf"


def print_preview_pdf(seller, language: str = "ru") -> bytes:
    """X2: the seed's sample invoice issued by this seller in its current print settings, so a
    change can be checked before a real document goes out."""
    from dealbook.documents.invoice_data import _party, sample_invoice, sample_invoice_eu

    lang = language if language in LANGUAGES else "ru"
    look = print_look(seller)
    data = sample_invoice(lang) if lang == "ru" else sample_invoice_eu(lang)
    data.update(
        seller=_party(_company(seller)),
        signers=_party(_signers(seller, lang)),
        notice=look.header,
        footer=look.footer,
        style=look.style,
    )
    return render_pdf(form_path("invoice", lang), data, language=lang, assets=look.assets)
