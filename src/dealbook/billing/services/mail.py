"""E-mailing an invoice with its PDF attached (I8); sending by e-mail sets Sent (I5) and advances
the deal (I7). Mail goes through Django's e-mail backend (a file outbox by default, SMTP by settings).
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from dealbook.billing.models import Invoice, InvoiceStatus
from dealbook.billing.services.common import lock_invoice, record, sync
from dealbook.core.errors import DomainError, InvalidInput
from dealbook.core.models import EventKind
from dealbook.documents.words import format_date

EMAIL_SENT = EventKind.EMAIL_SENT


class DeliveryFailed(DomainError):
    """The mail server refused or could not be reached (502); nothing was changed."""

    status = 502
    default_code = "mail_failed"


def default_recipients(invoice: Invoice) -> list[str]:
    """The payer contact's e-mail, else the payer company's, else the deal's primary contact's."""
    from dealbook.crm.models import ContactPoint, DealContact

    points = ContactPoint.objects.filter(kind=ContactPoint.Kind.EMAIL)
    if invoice.payer_contact_id:
        found = points.filter(contact_id=invoice.payer_contact_id).values_list("value", flat=True).first()
        if found:
            return [found]
    if invoice.payer_company_id:
        found = points.filter(company_id=invoice.payer_company_id).values_list("value", flat=True).first()
        if found:
            return [found]
    if invoice.deal_id:
        link = DealContact.objects.filter(deal_id=invoice.deal_id).order_by("-is_primary", "id").first()
        if link:
            found = points.filter(contact_id=link.contact_id).values_list("value", flat=True).first()
            if found:
                return [found]
    return []


def _recipients(to, invoice: Invoice) -> list[str]:
    recipients = [a.strip() for a in (to or []) if a and a.strip()] or default_recipients(invoice)
    if not recipients:
        raise InvalidInput(_("The payer has no e-mail address: give one."), field="to")
    for address in recipients:
        try:
            validate_email(address)
        except Exception:
            raise InvalidInput(
                _("'%(address)s' is not an e-mail address.") % {"address": address}, field="to"
            ) from None
    return recipients


def _from_template(invoice: Invoice, lang: str, subject, body) -> tuple:
    """I8: what is not given explicitly comes from the seller's (or the default) e-mail template."""
    from dealbook.billing.services import email_templates

    if (subject or "").strip() and (body or "").strip():
        return subject, body
    template = email_templates.email_template_for("invoice", lang, invoice.seller)
    if template is None:
        return subject, body
    filled = email_templates.render(template, email_templates.invoice_mail_values(invoice, lang))
    return (subject or "").strip() or filled[0], (body or "").strip() or filled[1]


@transaction.atomic
def invoice_email(
    *,
    actor,
    invoice: Invoice,
    to: list[str] | None = None,
    subject: str | None = None,
    body: str | None = None,
    language: str | None = None,
) -> Invoice:
    """I8/I5: e-mail the invoice's PDF to the client; a New or Approved invoice becomes Sent on the
    way (with every guard of invoice_send: I4 parties, approval), a sent one is sent again. The
    mail is written inside the transaction: if the server refuses it, nothing changes (502)."""
    from dealbook.billing.printing import invoice_language, invoice_pdf
    from dealbook.billing.services.lifecycle import invoice_send

    locked = lock_invoice(actor, invoice)
    recipients = _recipients(to, locked)
    lang = invoice_language(locked, language)
    if locked.status in (InvoiceStatus.NEW, InvoiceStatus.APPROVED):
        invoice_send(actor=actor, invoice=locked)
        locked = lock_invoice(actor, locked)
    elif locked.status != InvoiceStatus.SENT:
        raise InvalidInput(
            _("Invoice %(number)s is “%(status)s”: only a new, approved or sent invoice is e-mailed.")
            % {"number": locked.number, "status": locked.get_status_display()},
            field="status",
        )
    pdf, filename = invoice_pdf(locked, lang)
    subject, body = _from_template(locked, lang, subject, body)
    with translation.override(lang):
        subject = (subject or "").strip() or _("Invoice No. %(number)s of %(date)s") % {
            "number": locked.number,
            "date": format_date(locked.date, lang),
        }
        body = (body or "").strip() or _("Please find attached invoice No. %(number)s from %(seller)s.") % {
            "number": locked.number,
            "seller": locked.seller.name,
        }
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        reply_to=[actor.email] if actor.email else None,
    )
    message.attach(filename, pdf, "application/pdf")
    try:
        message.send(fail_silently=False)
    except Exception as exc:  # the backend's errors (SMTP, socket, file) are not domain errors
        raise DeliveryFailed(
            _("The e-mail could not be sent: %(error)s") % {"error": exc.__class__.__name__}, field="to"
        ) from exc
    record(
        locked, EMAIL_SENT, actor=actor, data={"to": recipients, "subject": subject, "attachment": filename}
    )
    return sync(invoice, locked)
