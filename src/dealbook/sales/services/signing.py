"""Q2 the client's simple electronic signature through the public link, and Q3 the invoice the
signature generates for review."""

from __future__ import annotations

import datetime as dt
import hmac

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dealbook.accounts.services import notify
from dealbook.core.errors import DomainError, InvalidInput, NotFound, RuleViolation
from dealbook.core.models import EventKind
from dealbook.sales.models import Proposal, ProposalSignature, ProposalStatus
from dealbook.sales.services.common import set_status
from dealbook.sales.services.invoicing import make_invoice
from dealbook.sales.services.lifecycle import open_for_answer

SIGNED_LINK_DAYS = 30  # after signing, the client can fetch the signed copy for this long


def _clean_name(value) -> str:
    name = " ".join(str(value or "").split())
    if len(name) < 2:
        raise InvalidInput(_("Type your full name to sign."), field="signer_name")
    if len(name) > 255:
        raise InvalidInput(_("The name is longer than 255 characters."), field="signer_name")
    return name


@transaction.atomic
def proposal_accept(
    *, token: str, signer_name, consent, document_sha256, ip: str | None = None, user_agent: str = ""
) -> Proposal:
    """Q2: the client signs with a simple electronic signature — typed full name and consent — on
    the document whose SHA-256 the page showed. It is compared with the document stored when the
    proposal was sent (its bytes and its recorded hash): if they differ, the signature is refused
    ("the document changed"). Stored: name, consent, time, IP, user agent, hash, and what the
    certificate page states; the signed copy itself is made on first download
    (proposal_signed_copy). Q3: the invoice is generated in New for review, the responsible
    manager is notified, both timelines are written."""
    locked = open_for_answer(token)
    name = _clean_name(signer_name)
    if consent is not True:
        raise InvalidInput(_("Tick the consent box to sign."), field="consent")
    digest = _check_document(locked, document_sha256)
    signature = _sign(locked, digest, name=name, ip=ip, user_agent=user_agent)
    invoice, failure = _invoice_on_signature(locked)
    locked.answered_at = signature.signed_at
    keep = signature.signed_at + dt.timedelta(days=SIGNED_LINK_DAYS)
    locked.link_expires_at = max(locked.link_expires_at or keep, keep)
    data = {"signer": name, "ip": ip, "document_sha256": signature.document_sha256}
    if invoice is not None:
        data.update(invoice_id=invoice.pk, invoice_number=invoice.number)
    if failure:
        data["invoice_error"] = failure
    set_status(locked, ProposalStatus.ACCEPTED, actor=None, kind=EventKind.PROPOSAL_ACCEPTED, data=data)
    _notify_accepted(locked, name, invoice, failure)
    return locked


def _document_changed() -> RuleViolation:
    return RuleViolation(
        _("The document changed since the page was opened: reload it, check it and sign again."),
        field="document_sha256",
        code="document_changed",
    )


def _check_document(locked: Proposal, shown) -> str:
    """The SHA-256 of the stored document when it is the one the page showed and the one recorded
    at sending; else refused. (A proposal sent before documents were stored is rendered, checked
    and stored now.)"""
    from dealbook.sales.printing import pdf_sha256, render_proposal_pdf, store_document, stored_document

    pdf = stored_document(locked)
    missing = pdf is None
    if missing:
        pdf = render_proposal_pdf(locked)[0]
    digest = pdf_sha256(pdf)
    shown = str(shown or "").strip().lower()
    if not hmac.compare_digest(shown.encode(), digest.encode()):
        raise _document_changed()
    if locked.document_sha256 and not hmac.compare_digest(locked.document_sha256.encode(), digest.encode()):
        raise _document_changed()
    if missing:
        store_document(locked, pdf)  # saved with the status change
    return digest


def _sign(locked: Proposal, digest: str, *, name: str, ip, user_agent: str) -> ProposalSignature:
    from dealbook.sales.printing import certificate_fields, proposal_language

    return ProposalSignature.objects.create(
        proposal=locked,
        signer_name=name,
        consent=True,
        signed_at=timezone.now(),
        ip=ip or None,
        user_agent=(user_agent or "")[:500],
        document_sha256=digest,
        **certificate_fields(locked, proposal_language(locked)),
    )


@transaction.atomic
def proposal_signed_copy(*, proposal: Proposal) -> ProposalSignature:
    """Q2: the signed copy — the stored document as signed, then the certificate page made from
    the signature record — built on first need and kept. The caller has checked that the proposal
    may be read (its public link or R2). Refused when the stored document is no longer the one
    signed; a proposal without a signature has no signed copy (404)."""
    from dealbook.sales.printing import pdf_sha256, signed_copy, signed_filename, stored_document

    signature = (
        ProposalSignature.objects.select_for_update().filter(proposal_id=proposal.pk).order_by().first()
    )
    if signature is None:
        raise NotFound(_("This proposal has not been signed."), field="id")
    if signature.signed_pdf:
        return signature
    document = stored_document(proposal)
    if document is None or pdf_sha256(document) != signature.document_sha256:
        raise RuleViolation(
            _("The stored document is no longer the one that was signed."),
            field="document_sha256",
            code="document_changed",
        )
    copy = signed_copy(document, signature)
    signature.signed_pdf.save(signed_filename(proposal), ContentFile(copy), save=False)
    signature.save(update_fields=["signed_pdf"])
    return signature


def _invoice_on_signature(locked: Proposal):
    """Q3: the invoice made as the responsible manager. If billing refuses (a product withdrawn, a
    rate missing), the signature still stands and the manager is told to make it by hand."""
    actor = locked.responsible or locked.created_by
    if actor is None:
        return None, _("the proposal has no responsible manager")
    try:
        with transaction.atomic():
            return make_invoice(locked, actor=actor, save=False), ""
    except DomainError as exc:
        return None, exc.message


def _notify_accepted(locked: Proposal, name: str, invoice, failure: str) -> None:
    if invoice is not None:
        text = _("%(name)s signed proposal %(number)s; invoice %(invoice)s is waiting for your review.") % {
            "name": name,
            "number": locked.number,
            "invoice": invoice.number,
        }
    else:
        text = _("%(name)s signed proposal %(number)s; the invoice could not be made: %(error)s") % {
            "name": name,
            "number": locked.number,
            "error": failure,
        }
    notify(
        user=locked.responsible,
        kind="proposal_accepted",
        text=text,
        url=reverse("proposal", args=[locked.pk]),
    )
