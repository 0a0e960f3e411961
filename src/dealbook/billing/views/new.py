"""A new invoice: from a deal (?deal=ID, its lines copied), from an invoice template (?template=ID,
I11) or blank (lines are then added on the card while the invoice is New, I3)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from dealbook.billing import queries as bq
from dealbook.billing import services as svc
from dealbook.billing.forms import parse_date, parse_id
from dealbook.billing.services.common import require_billing
from dealbook.billing.services.invoices import seller_settings
from dealbook.billing.views import options
from dealbook.billing.views.actions import _company
from dealbook.core.errors import DomainError, InvalidInput
from dealbook.crm.queries.deals import deal_for, deal_lines
from dealbook.crm.queries.parties import companies_visible, contacts_visible, own_companies
from dealbook.web.pages import page, post_value, render_form

FIELDS = (
    "seller",
    "payer_company",
    "payer_contact",
    "date",
    "due_date",
    "currency",
    "rate",
    "title",
    "batch",
)


def _source(request):
    """The deal or the template the invoice is made from, if any (R2: another's is a 404)."""
    user = request.user
    deal = template = None
    if request.GET.get("deal"):
        deal = deal_for(user, request.GET["deal"])
    elif request.GET.get("template"):
        template = bq.template_for(user, request.GET["template"])
    return deal, template


def _initial(deal, template) -> dict:
    today = timezone.localdate()
    sellers = options.sellers()
    seller = template.seller if template else (sellers[0] if len(sellers) == 1 else None)
    days = seller_settings(seller).due_days if seller else 5
    values = {
        "date": today.isoformat(),
        "due_date": (today + dt.timedelta(days=days)).isoformat(),
        "seller": str(seller.pk) if seller else "",
        "currency": deal.currency if deal else settings.DEALBOOK_DEFAULT_CURRENCY,
        "title": deal.title if deal else "",
    }
    if deal is not None and deal.company_id:
        values["payer_company"] = str(deal.company_id)
    return values


def _context(request, deal, template, values) -> dict:
    user = request.user
    return {
        "section": "invoices",
        "deal": deal,
        "deal_lines": list(deal_lines(deal)) if deal else [],
        "template": template,
        "values": values,
        "sellers": options.sellers(),
        "payer_companies": options.payer_companies(user),
        "payer_contacts": options.payer_contacts(user),
        "base_currency": settings.DEALBOOK_DEFAULT_CURRENCY,
    }


def _create(request, deal, template):
    user = request.user
    values = {name: post_value(request, name, "") for name in FIELDS}
    date = parse_date(values["date"], "date")
    if template is not None:
        return svc.invoice_create_from_template(
            actor=user, template=template, date=date, batch=values["batch"]
        )
    seller = _company(values["seller"], "seller", own_companies())
    company = _company(values["payer_company"], "payer_company", companies_visible(user))
    contact = None
    contact_id = parse_id(values["payer_contact"], "payer_contact")
    if contact_id:
        contact = contacts_visible(user).filter(pk=contact_id).first()
        if contact is None:
            raise InvalidInput(_("Unknown contact."), field="payer_contact")
    common = {
        "actor": user,
        "seller": seller,
        "date": date,
        "due_date": parse_date(values["due_date"], "due_date"),
        "rate": values["rate"] or None,
        "batch": values["batch"],
    }
    if deal is not None:
        return svc.invoice_create_from_deal(
            deal=deal, payer_company=company, payer_contact=contact, title=values["title"], **common
        )
    return svc.invoice_create(
        payer_company=company,
        payer_contact=contact,
        currency=values["currency"] or None,
        title=values["title"],
        **common,
    )


@page
def invoice_new(request):
    """Step 43 "create on the basis of: invoice", or from a template, or blank; New and numbered (I1)."""
    require_billing(request.user)
    deal, template = _source(request)
    if request.method != "POST":
        context = _context(request, deal, template, _initial(deal, template))
        return render(request, "billing/invoice_new.html", context)
    try:
        invoice = _create(request, deal, template)
    except DomainError as exc:
        if exc.status == 403:
            raise
        context = _context(request, deal, template, request.POST)
        return render_form(request, "billing/invoice_new.html", context, exc)
    return redirect("invoice", pk=invoice.pk)
