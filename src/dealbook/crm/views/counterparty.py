"""Counterparty requests (C4): a manager asks accounting to register a company; accounting
registers it or rejects the request."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dealbook.accounts import policy
from dealbook.core.errors import DomainError, NotFound
from dealbook.crm.queries import deals as dq
from dealbook.crm.views.common import _list_page
from dealbook.web.pages import page, render_form

REQUEST_COMPANY_FIELDS = (
    ("name", gettext_lazy("Name")),
    ("legal_name", gettext_lazy("Legal name")),
    ("inn", gettext_lazy("INN")),
    ("kpp", gettext_lazy("KPP")),
    ("ogrn", gettext_lazy("OGRN")),
    ("legal_address", gettext_lazy("Legal address")),
    ("director_name", gettext_lazy("Director")),
)


@page
def requests_list(request):
    """C4 counterparty requests: accounting sees all of them (open first), managers their own."""
    from dealbook.crm.queries.parties import requests_list as requests_query

    status = request.GET.get("status", "open")
    qs = requests_query(request.user, status=status or None)
    return _list_page(
        request,
        "crm/requests_list.html",
        "companies",
        qs,
        status=status,
        can_complete=policy.can(request.user, "counterparty_request.complete"),
    )


def _request_form(request, values=None, error=None, deal=None):
    errors = {(error.field or "general"): error.message} if error else {}
    context = {"section": "companies", "values": values or {}, "errors": errors, "deal": deal}
    return render_form(request, "crm/request_new.html", context, error)


@page
def request_new(request):
    """C4/step 38: a manager asks accounting to register a company, the company card attached;
    accountants are notified by the service."""
    from dealbook.crm.services.requests import counterparty_request_file

    source = request.POST if request.method == "POST" else request.GET
    deal = dq.deal_for(request.user, source["deal"]) if source.get("deal") else None
    if request.method != "POST":
        return _request_form(request, deal=deal)
    try:
        req = counterparty_request_file(
            actor=request.user,
            name=request.POST.get("name", ""),
            inn=request.POST.get("inn", ""),
            comment=request.POST.get("comment", ""),
            card=request.FILES.get("card"),
            deal=deal,
        )
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return _request_form(request, request.POST, exc, deal)
    return redirect("request", req.pk)


def _request_context(request, req, *, error=None, values=None) -> dict:
    errors = {(error.field or "general").removeprefix("company."): error.message} if error else {}
    values = values or {"name": req.name, "inn": req.inn}
    return {
        "section": "companies",
        "req": req,
        "can_complete": policy.can(request.user, "counterparty_request.complete") and req.status == "open",
        "fields": [
            {"name": n, "label": label, "value": values.get(n, ""), "error": errors.get(n)}
            for n, label in REQUEST_COMPANY_FIELDS
        ],
        "errors": errors,
        "values": values,
    }


@page
def request_card(request, pk: int):
    from dealbook.crm.queries.parties import request_get

    req = request_get(request.user, pk)
    return render(request, "crm/request_card.html", _request_context(request, req))


@require_POST
@page
def request_complete(request, pk: int):
    """C4/step 39: accounting registers the company (requisites checked as in company_create, each
    error under its field) or rejects the request with an answer."""
    from dealbook.crm.queries.parties import request_get
    from dealbook.crm.services.requests import counterparty_request_complete, counterparty_request_reject

    req = request_get(request.user, pk)
    values = {n: request.POST.get(n, "") for n, _label in REQUEST_COMPANY_FIELDS}
    try:
        if request.POST.get("action") == "reject":
            counterparty_request_reject(
                actor=request.user, request=req, answer=request.POST.get("answer", "")
            )
        else:
            counterparty_request_complete(actor=request.user, request=req, company_data=values)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        context = _request_context(request, req, error=exc, values=values)
        return render_form(request, "crm/request_card.html", context, exc)
    return redirect("request", req.pk)
