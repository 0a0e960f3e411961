"""The deal card's client block (C5): contacts (one primary) and the company."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dealbook.accounts import policy
from dealbook.core.errors import DomainError, InvalidInput, NotFound
from dealbook.crm.models import BankAccount, DealContact
from dealbook.crm.queries import deals as dq
from dealbook.crm.services import deals as deal_services
from dealbook.web.pages import page, render_form


def _client_context(request, deal, error=None) -> dict:
    links = list(
        DealContact.objects.filter(deal=deal).select_related("contact").order_by("-is_primary", "id")
    )
    bank = None
    if deal.company_id:
        bank = BankAccount.objects.filter(company_id=deal.company_id).order_by("-is_primary", "id").first()
    return {
        "deal": deal,
        "contacts": links,
        "bank": bank,
        "can_edit": policy.can(request.user, "deal.edit"),
        "errors": {(error.field or "general"): error.message} if error else {},
    }


def _client_response(request, pk: int, error=None):
    deal = dq.deal_for(request.user, pk)
    response = render_form(request, "crm/_client.html", _client_context(request, deal, error), error)
    if error is None:
        response["HX-Trigger"] = "deal-changed"
    return response


@page
def client_options(request):
    """C3/C5 the contacts or companies the user sees matching a fragment, as <option>s."""
    from dealbook.crm.queries.parties import contacts_list
    from dealbook.crm.search import search_companies

    text = " ".join(request.GET.get("q", "").split())[:100]
    if request.GET.get("kind") == "company":
        found = search_companies(request.user, text, limit=20) if text else []
        items = [(c.pk, c.name + (f" · {c.inn}" if c.inn else "")) for c in found]
    else:
        qs = contacts_list(request.user, q=text or None).order_by("last_name", "first_name", "id")[:20]
        items = [(c.pk, c.full_name) for c in qs]
    return render(request, "crm/_client_options.html", {"items": items})


@require_POST
@page
def deal_client(request, pk: int):
    """C5 add a contact (the first becomes primary), make one primary, remove one, or bind a company."""
    from dealbook.crm.queries.parties import companies_visible, contacts_visible

    deal = dq.deal_for(request.user, pk)
    action = request.POST.get("action")
    try:
        if action == "company":
            company = None
            if request.POST.get("company"):
                wanted = dq.as_id(request.POST["company"]) or 0
                company = companies_visible(request.user).filter(pk=wanted).first()
                if company is None:
                    raise InvalidInput(_("Choose a company."), field="company")
            deal_services.deal_set_company(actor=request.user, deal=deal, company=company)
        else:
            wanted = dq.as_id(request.POST.get("contact")) or 0
            contact = contacts_visible(request.user).filter(pk=wanted).first()
            if contact is None:
                raise InvalidInput(_("Choose a contact."), field="contact")
            if action == "primary":
                deal_services.deal_set_primary_contact(actor=request.user, deal=deal, contact=contact)
            elif action == "remove":
                deal_services.deal_contact_remove(actor=request.user, deal=deal, contact=contact)
            else:
                deal_services.deal_contact_add(actor=request.user, deal=deal, contact=contact)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return _client_response(request, pk, exc)
    return _client_response(request, pk)
