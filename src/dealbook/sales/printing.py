"""A proposal's print form (Typst) and its signed copy with a signature certificate page (Q2).

A Draft is rendered on demand (the preview). When the proposal is sent it is rendered once, with a
fixed timestamp (the moment it was sent), and stored with its SHA-256 (Proposal.document): it
cannot change afterwards (Q1), so the e-mail, the client's page, the downloads and the signature
all use those stored bytes, and the hash the page shows is the one checked at signing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io

from django.core.files.base import ContentFile
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dealbook.core.errors import InvalidInput
from dealbook.documents.invoice_data import PrintLine, invoice_data
from dealbook.documents.render import format_date, render_pdf
from dealbook.sales.models import Proposal, ProposalSignature, ProposalStatus
from dealbook.sales.services.lines import amounts_of

LANGUAGES = ("ru", "en")


def proposal_language(proposal: Proposal, requested: str | None = None) -> str:
    """Asked for (?lang=), else Russian for a Russian seller, else English."""
    if requested:
        lang = requested.strip().lower()[:2]
        if lang not in LANGUAGES:
            raise InvalidInput(_("lang: use ru or en."), field="lang")
        return lang
    return "ru" if (proposal.seller.country or "RU").upper() == "RU" else "en"


def _party(company, points: dict[int, dict] | None = None) -> dict:
    party = {
        "name": company.legal_name or company.name,
        "inn": company.inn,
        "kpp": company.kpp,
        "vat_id": company.vat_id,
        "address": company.legal_address or company.postal_address,
    }
    found = (points if points is not None else _points([company.pk])).get(company.pk, {})
    return {**party, "phone": found.get("phone", ""), "email": found.get("email", "")}


def _points(company_ids) -> dict[int, dict]:
    """The first phone and e-mail of each company (in the order they were added), in one query
    for all the parties."""
    from dealbook.crm.models import ContactPoint

    found: dict[int, dict] = {}
    rows = (
        ContactPoint.objects.filter(company_id__in=set(company_ids), kind__in=("phone", "email"))
        .order_by("id")
        .values_list("company_id", "kind", "value")
    )
    for company_id, kind, value in rows:
        found.setdefault(company_id, {}).setdefault(kind, value)
    return found


def proposal_print_data(proposal: Proposal, language: str) -> dict:
    """The invoice data contract (documents.render) plus the proposal's own keys:
    valid_until, title, intro (the comment)."""
    from dealbook.sales.queries import print_lines

    rows = print_lines(proposal)
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
    points = _points([proposal.seller_id, proposal.payer_company_id])
    if proposal.payer_company_id:
        buyer = _party(proposal.payer_company, points)
    else:
        buyer = {"name": proposal.payer_contact.full_name if proposal.payer_contact_id else ""}
    data = invoice_data(
        number=proposal.number,
        date=proposal.date,
        currency=proposal.currency,
        language=language,
        seller=_party(proposal.seller, points),
        buyer=buyer,
        lines=lines,
        price_includes_tax=all(x.price_includes_tax for x in rows) if rows else True,
        signers={"director": proposal.seller.director_name},
    )
    data.update(
        valid_until=format_date(proposal.valid_until, language),
        title=proposal.title,
        intro=proposal.comment,
    )
    return data


def render_moment(proposal: Proposal) -> dt.datetime:
    """The PDF's creation time: when it was sent (fixed from then on), else when it was made."""
    moment = proposal.sent_at or proposal.created_at or timezone.now()
    return moment.astimezone(dt.UTC).replace(microsecond=0)


def render_proposal_pdf(proposal: Proposal, language: str | None = None) -> tuple[bytes, str]:
    """Render the proposal now (stable bytes for a given proposal) and its file name."""
    lang = proposal_language(proposal, language)
    pdf = render_pdf(
        f"proposal_{lang}",
        proposal_print_data(proposal, lang),
        language=lang,
        timestamp=render_moment(proposal),
    )
    return pdf, filename(proposal)


def filename(proposal: Proposal) -> str:
    return f"proposal-{_safe(proposal.number)}.pdf"


def stored_document(proposal: Proposal) -> bytes | None:
    """The bytes stored when the proposal was sent; None for a draft (or a missing file)."""
    if not proposal.document:
        return None
    try:
        with proposal.document.storage.open(proposal.document.name, "rb") as fh:
            return fh.read()
    except OSError:
        return None


def store_document(proposal: Proposal, pdf: bytes | None = None) -> bytes:
    """Render (unless given) and store the sent document with its SHA-256; the caller saves the row."""
    if pdf is None:
        pdf = render_proposal_pdf(proposal)[0]
    proposal.document.save(filename(proposal), ContentFile(pdf), save=False)
    proposal.document_sha256 = pdf_sha256(pdf)
    return pdf


def proposal_pdf(proposal: Proposal, language: str | None = None) -> tuple[bytes, str]:
    """The proposal's PDF and its file name: a Draft (or another language asked for) rendered
    now; a sent proposal's stored document (Q1: it no longer changes)."""
    if proposal.status != ProposalStatus.DRAFT and (
        language is None or proposal_language(proposal, language) == proposal_language(proposal)
    ):
        stored = stored_document(proposal)
        if stored is not None:
            return stored, filename(proposal)
    return render_proposal_pdf(proposal, language)


def document_sha256(proposal: Proposal) -> str:
    """The SHA-256 the client's page shows: the stored one, else that of the PDF served."""
    return proposal.document_sha256 or pdf_sha256(proposal_pdf(proposal)[0])


def pdf_sha256(pdf: bytes) -> str:
    return hashlib.sha256(pdf).hexdigest()


def _safe(number: str) -> str:
    return number.replace(" ", "").replace("/", "-")


def certificate_fields(proposal: Proposal, language: str) -> dict:
    """What the certificate states about the document, fixed on the signature when it is made."""
    with translation.override(language):
        label = _("Proposal No. %(number)s of %(date)s") % {
            "number": proposal.number,
            "date": format_date(proposal.date, language),
        }
    return {
        "language": language,
        "document_label": label,
        "seller_name": proposal.seller.legal_name or proposal.seller.name,
    }


def certificate_pdf(signature: ProposalSignature) -> bytes:
    """Q2: one page stating who signed what, when and from where, with the document's SHA-256 —
    from the signature record alone, so the page is the same whenever it is made."""
    language = signature.language or proposal_language(signature.proposal)
    fixed = {"document_label": signature.document_label, "seller_name": signature.seller_name}
    if not signature.document_label:  # signed before these were recorded: as the proposal states them
        fixed = certificate_fields(signature.proposal, language)
    with translation.override(language):
        labels = {
            "title": _("Electronic signature certificate"),
            "document": _("Document"),
            "signer": _("Signer"),
            "signed_at": _("Signed at (UTC)"),
            "ip": _("IP address"),
            "user_agent": _("Browser"),
            "hash": _("SHA-256 of the signed document"),
            "consent": _("Consent"),
            "consent_text": _(
                "The signer typed their full name and confirmed that they accept the proposal "
                "and agree to sign it with a simple electronic signature."
            ),
            "note": _(
                "The pages before this one are the document exactly as the signer saw it; its "
                "SHA-256 above identifies it."
            ),
        }
    data = {
        "labels": labels,
        "document": fixed["document_label"],
        "seller": fixed["seller_name"],
        "signer": signature.signer_name,
        "signed_at": signature.signed_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "ip": signature.ip or "",
        "user_agent": signature.user_agent,
        "hash": signature.document_sha256,
    }
    moment = signature.signed_at.astimezone(dt.UTC).replace(microsecond=0)
    return render_pdf("proposal_certificate", data, language=language, timestamp=moment)


def signed_pdf(document: bytes, certificate: bytes) -> bytes:
    """The signed copy: the document's pages as shown, then the certificate page (pypdf)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for source in (document, certificate):
        writer.append(PdfReader(io.BytesIO(source)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def signed_copy(document: bytes, signature: ProposalSignature) -> bytes:
    """The stored document followed by the certificate page of its signature."""
    return signed_pdf(document, certificate_pdf(signature))


def signed_filename(proposal: Proposal) -> str:
    return f"proposal-{_safe(proposal.number)}-signed.pdf"
