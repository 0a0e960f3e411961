"""Companies (C1–C5): the list, the card with requisites edited by accounting, taking a company
under responsibility, and the profile block (type, segment, linked contacts; seed steps 39–40).
Each action is one service call; the service's message is shown at the field it names."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dealbook.accounts import policy
from dealbook.accounts.models import Role
from dealbook.core import timeline
from dealbook.core.errors import DomainError, InvalidInput, NotFound
from dealbook.crm.models import (
    BankAccount,
    CompanyKind,
    Segment,
)
from dealbook.crm.queries import deals as dq
from dealbook.crm.views.common import _decorate, _list_page
from dealbook.web.pages import page, render_form


@page
def companies_list(request):
    """C3 companies the user sees, searched by name, phone, INN or VAT id."""
    from dealbook.crm.queries.parties import companies_list as companies_query
    from dealbook.crm.search import search_companies

    q = request.GET.get("q", "").strip()
    if q:
        rows = search_companies(request.user, q, limit=50)
        return render(
            request,
            "crm/companies_list.html",
            {"section": "companies", "rows": rows, "next": None, "q": q, "query": ""},
        )
    return _list_page(request, "crm/companies_list.html", "companies", companies_query(request.user))


REQUISITES = (
    ("name", gettext_lazy("Name")),
    ("legal_name", gettext_lazy("Legal name")),
    ("inn", gettext_lazy("INN")),
    ("kpp", gettext_lazy("KPP")),
    ("ogrn", gettext_lazy("OGRN")),
    ("vat_id", gettext_lazy("VAT id")),
    ("legal_address", gettext_lazy("Legal address")),
    ("director_name", gettext_lazy("Director")),
)


def _company_context(request, company, *, error=None, values=None) -> dict:
    accounts = list(BankAccount.objects.filter(company=company).order_by("-is_primary", "id"))
    deals = _decorate(list(dq.deal_list(request.user, company=company.pk).order_by("-id")[:20]))
    contacts = list(company.contacts.order_by("last_name", "first_name")[:50])
    current = values or {name: getattr(company, name) for name, _label in REQUISITES}
    errors = {(error.field or "general"): error.message} if error else {}
    return {
        **profile_context(request, company),
        "section": "companies",
        "company": company,
        "accounts": accounts,
        "deals": deals,
        "contacts": contacts,
        "events": list(timeline.events_for(company, limit=30)),
        "can_edit_requisites": policy.can(request.user, "company.edit_requisites"),
        "can_take": policy.can(request.user, "company.take")
        and not company.is_own
        and company.responsible_id != request.user.pk,
        "requisites": [
            {"name": name, "label": label, "value": current.get(name, ""), "error": errors.get(name)}
            for name, label in REQUISITES
        ],
        "errors": errors,
        "editing": error is not None or request.GET.get("edit") == "requisites",
    }


@page
def company_card(request, pk: int):
    """C1/C2 the company: requisites (edited by accounting, errors at the field), bank accounts,
    contacts, deals and timeline."""
    from dealbook.crm.queries.parties import company_get

    company = company_get(request.user, pk)
    return render(request, "crm/company_card.html", _company_context(request, company))


@require_POST
@page
def company_requisites(request, pk: int):
    """C4 accounting changes requisites; C2 each wrong checksum is shown under its field and nothing
    is saved."""
    from dealbook.crm.queries.parties import company_get
    from dealbook.crm.services.companies import company_update_requisites

    company = company_get(request.user, pk)
    fields = {name: request.POST.get(name, "") for name, _label in REQUISITES}
    try:
        company_update_requisites(actor=request.user, company=company, **fields)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        context = _company_context(request, company, error=exc, values=fields)
        return render_form(request, "crm/company_card.html", context, exc)
    return redirect("company", company.pk)


@require_POST
@page
def company_take(request, pk: int):
    """C4/step 39: a sales manager takes the registered company under responsibility."""

    from dealbook.crm.queries.parties import company_get
    from dealbook.crm.services.companies import company_take as take

    company = company_get(request.user, pk)
    try:
        take(actor=request.user, company=company)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.message)
    return redirect("company", pk)


def may_edit_profile(user, company) -> bool:
    """Whether to offer the profile form (the service decides, step 39: the responsible manager,
    their group manager, the roles that see all; our own legal entities only by accounting)."""
    if not policy.can(user, "company.edit_profile"):
        return False
    if company.is_own:
        return policy.can(user, "company.edit_requisites")
    return policy.sees_all(user) or company.responsible_id == user.pk or user.role == Role.GROUP_MANAGER


def profile_context(request, company) -> dict:
    """What the card's profile block needs: the form's choices and who may use it."""
    return {
        "can_edit_profile": may_edit_profile(request.user, company),
        "can_link_contact": policy.can(request.user, "contact.create"),
        "kinds": CompanyKind.choices,
        "segments": list(Segment.objects.order_by("sort", "name")),
    }


def _segment(value):
    if not value:
        return None
    segment = Segment.objects.filter(pk=dq.as_id(value) or 0).first()
    if segment is None:
        raise InvalidInput(_("Choose a segment from the list."), field="segment")
    return segment


def _link_contact(request, company) -> None:
    from dealbook.crm.queries.parties import contacts_visible
    from dealbook.crm.services.contacts import contact_link_company

    contact = contacts_visible(request.user).filter(pk=dq.as_id(request.POST.get("contact")) or 0).first()
    if contact is None:
        raise InvalidInput(_("Choose a contact."), field="contact")
    contact_link_company(actor=request.user, contact=contact, company=company)


@require_POST
@page
def company_profile(request, pk: int):
    """C1/step 39 type and segment; C5/step 40 link a contact to the company."""
    from dealbook.crm.queries.parties import company_get
    from dealbook.crm.services.companies import company_update_profile

    company = company_get(request.user, pk)
    try:
        if request.POST.get("action") == "contact":
            _link_contact(request, company)
        else:
            company_update_profile(
                actor=request.user,
                company=company,
                kind=request.POST.get("kind", ""),
                segment=_segment(request.POST.get("segment")),
            )
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        company = company_get(request.user, pk)
        context = {**_company_context(request, company, error=exc), "editing": False}
        if exc.field not in ("kind", "segment", "contact"):
            context["profile_error"] = exc.message
        return render_form(request, "crm/company_card.html", context, exc)
    return redirect("company", pk)
