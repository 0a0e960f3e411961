"""The proposal e-mail (Q2): the PDF attached and the public link, from the editable e-mail
template of kind "proposal" (billing.EmailTemplate) when there is one, else a translated default."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from dealbook.core.errors import DomainError, InvalidInput
from dealbook.documents.render import format_date, format_money
from dealbook.sales.models import Proposal

PLACEHOLDER = re.compile(r"\{(number|client|total|link|valid_until|seller)\}")


class DeliveryFailed(DomainError):
    """The mail server refused or could not be reached (502); nothing was changed."""

    status = 502
    default_code = "mail_failed"


def public_link(proposal: Proposal, base_url: str | None = None) -> str:
    base = (base_url or getattr(settings, "DEALBOOK_BASE_URL", "") or "").rstrip("/")
    return base + reverse("proposal_public", args=[proposal.public_token])


def default_recipients(proposal: Proposal) -> list[str]:
    """The client contact's e-mail, else the client company's, else the deal's primary contact's."""
    from dealbook.crm.models import ContactPoint, DealContact

    points = ContactPoint.objects.filter(kind=ContactPoint.Kind.EMAIL)
    owners = []
    if proposal.payer_contact_id:
        owners.append(Q(contact_id=proposal.payer_contact_id))
    if proposal.payer_company_id:
        owners.append(Q(company_id=proposal.payer_company_id))
    if proposal.deal_id:
        link = DealContact.objects.filter(deal_id=proposal.deal_id).order_by("-is_primary", "id").first()
        if link:
            owners.append(Q(contact_id=link.contact_id))
    for owner in owners:
        found = points.filter(owner).order_by("id").values_list("value", flat=True).first()
        if found:
            return [found]
    return []


def recipients(to, proposal: Proposal) -> list[str]:
    found = [a.strip() for a in (to or []) if a and a.strip()] or default_recipients(proposal)
    if not found:
        raise InvalidInput(_("The client has no e-mail address: give one."), field="to")
    for address in found:
        try:
            validate_email(address)
        except Exception:
            raise InvalidInput(
                _("'%(address)s' is not an e-mail address.") % {"address": address}, field="to"
            ) from None
    return found


def _template(proposal: Proposal, lang: str):
    from dealbook.billing.services.email_templates import email_template_for

    return email_template_for("proposal", lang, proposal.seller_id)


def compose(proposal: Proposal, *, link: str, lang: str, subject=None, body=None) -> tuple[str, str]:
    """Subject and body: given, else the e-mail template's with its placeholders filled, else the
    translated default. Placeholders are a fixed list, replaced as plain text (never template code)."""
    values = {
        "number": proposal.number,
        "client": proposal.client_name,
        "total": f"{format_money(proposal.total, proposal.currency, lang)} {proposal.currency}",
        "link": link,
        "valid_until": format_date(proposal.valid_until, lang),
        "seller": proposal.seller.name,
    }

    def fill(text: str) -> str:
        return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)

    template = _template(proposal, lang)
    with translation.override(lang):
        default_subject = template.subject if template else _("Proposal No. {number} from {seller}")
        default_body = (
            template.body
            if template
            else _(
                "Hello,\n\nplease find attached our proposal No. {number} for {total}, valid until "
                "{valid_until}.\n\nYou can view it and accept it with an electronic signature here:\n"
                "{link}\n\nBest regards,\n{seller}"
            )
        )
    subject = (subject or "").strip() or fill(default_subject)
    body = (body or "").strip() or fill(default_body)
    if link not in body:
        body += "\n\n" + link
    return subject, body


def deliver(
    *, actor, to: list[str], subject: str, body: str, attachment: tuple[str, bytes], connection=None
) -> None:
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        reply_to=[actor.email] if getattr(actor, "email", "") else None,
        connection=connection,
    )
    message.attach(attachment[0], attachment[1], "application/pdf")
    try:
        message.send(fail_silently=False)
    except Exception as exc:  # the backend's errors (SMTP, socket, file) are not domain errors
        raise DeliveryFailed(
            _("The e-mail could not be sent: %(error)s") % {"error": exc.__class__.__name__}, field="to"
        ) from exc
