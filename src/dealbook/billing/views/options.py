"""Choices the billing forms offer: sellers (our own entities), payers the user may see (R2),
suppliers and carriers (step 47: from the full list), and the prefilled e-mail of an invoice."""

from __future__ import annotations

from django.db.models import Q

from dealbook.billing.printing import invoice_language
from dealbook.billing.services import email_templates
from dealbook.billing.services.mail import default_recipients
from dealbook.core.errors import DomainError
from dealbook.crm.models import Company, CompanyKind
from dealbook.crm.queries.parties import companies_visible, contacts_visible, own_companies

LIMIT = 300  # a select stays usable; the list is by name


def sellers() -> list:
    return list(own_companies())


def payer_companies(user) -> list:
    return list(companies_visible(user).filter(is_own=False).order_by("name", "pk")[:LIMIT])


def payer_contacts(user) -> list:
    return list(contacts_visible(user).order_by("last_name", "first_name", "pk")[:LIMIT])


def _with_current(rows: list, current) -> list:
    if current is not None and all(c.pk != current.pk for c in rows):
        rows.insert(0, current)
    return rows


def suppliers(current=None) -> list:
    kinds = [CompanyKind.SUPPLIER, CompanyKind.BOTH]
    rows = list(
        Company.objects.filter(Q(kind__in=kinds) | Q(is_own=True)).order_by("-is_own", "name")[:LIMIT]
    )
    return _with_current(rows, current)


def carriers(current=None) -> list:
    rows = list(
        Company.objects.filter(Q(kind=CompanyKind.CARRIER) | Q(is_own=True)).order_by("-is_own", "name")[
            :LIMIT
        ]
    )
    return _with_current(rows, current)


def card_options(user, inv, *, editable: bool) -> dict:
    """What the card's selects list: parties while editable (I4), the payer only while New (I3)."""
    found = {}
    if editable:
        found["supplier_options"] = suppliers(inv.supplier)
        found["carrier_options"] = carriers(inv.carrier)
    if inv.status == "new":
        found["payer_company_options"] = _with_current(payer_companies(user), inv.payer_company)
        found["payer_contact_options"] = _with_current(payer_contacts(user), inv.payer_contact)
    return found


def mail_defaults(inv, public_url: str, posted=None) -> dict:
    """The e-mail dialog prefilled from the seller's (or the default) template (I8)."""
    if posted is not None:
        return {k: posted.get(k, "") for k in ("to", "subject", "body", "lang")}
    lang = invoice_language(inv)
    template = email_templates.email_template_for("invoice", lang, inv.seller)
    subject = body = ""
    if template is not None:
        values = email_templates.invoice_mail_values(inv, lang, link=public_url)
        try:
            subject, body = email_templates.render(template, values)
        except DomainError:  # a broken stored text: the dialog starts empty, the service explains
            pass
    return {"to": ", ".join(default_recipients(inv)), "subject": subject, "body": body, "lang": lang}
