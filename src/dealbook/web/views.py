"""The frame's own pages: sign in/out, home, global search and notifications."""

from __future__ import annotations

import re

from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dealbook.accounts.models import Notification
from dealbook.accounts.services import notifications_mark_read
from dealbook.billing.queries import visible_invoices
from dealbook.core.errors import Forbidden
from dealbook.crm.queries.deals import deal_list, visible_deals
from dealbook.crm.queries.leads import leads_list
from dealbook.crm.queries.parties import contacts_list
from dealbook.crm.search import search_companies
from dealbook.sales.queries import visible_proposals
from dealbook.web.middleware import apply_user_language
from dealbook.web.pages import page

SEARCH_LIMIT = 6


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True
    next_page = "home"

    def form_valid(self, form):
        """Sign in, then start in the user's saved language (User.language), not the browser's."""
        response = super().form_valid(form)
        apply_user_language(self.request, response, form.get_user())
        return response


class LogoutView(auth_views.LogoutView):
    next_page = "login"


@page
def home(request):
    return redirect("deals")


@page
def search(request):
    """C3 global search as you type: companies (name, phone, INN, VAT id), contacts, leads, deals
    by title or number, and invoices and proposals by number ("943", "2018 / 943"); each group
    capped, every query scoped by R1/R2."""
    text = " ".join(request.GET.get("q", "").split())[:100]
    groups = {}
    if len(text) >= 2:
        number = re.fullmatch(r"#?(\d{1,18})", text)
        deals = list(deal_list(request.user, q=text).order_by("-id")[:SEARCH_LIMIT])
        if number:
            by_number = visible_deals(request.user).filter(pk=int(number.group(1))).values("pk", "title")
            known = {d["id"] for d in deals}
            deals = [{"id": d["pk"], "title": d["title"]} for d in by_number if d["pk"] not in known] + deals
        groups = {
            "deals": deals[:SEARCH_LIMIT],
            "companies": search_companies(request.user, text, limit=SEARCH_LIMIT),
            "contacts": list(contacts_list(request.user, q=text).order_by("last_name", "id")[:SEARCH_LIMIT]),
            "leads": list(leads_list(request.user, q=text).order_by("-id")[:SEARCH_LIMIT]),
            **_documents_by_number(request.user, text),
        }
    found = any(groups.values())
    return render(request, "web/search_results.html", {"q": text, "groups": groups, "found": found})


def _documents_by_number(user, text: str) -> dict:
    """Invoices and proposals whose number holds the typed digits; a user without billing rights
    (R1) simply gets no invoice group."""
    if not re.search(r"\d", text):
        return {}
    found = {
        "proposals": list(
            visible_proposals(user)
            .filter(number__icontains=text)
            .order_by("-id")
            .values("pk", "number", "title")[:SEARCH_LIMIT]
        )
    }
    try:
        invoices = visible_invoices(user)
    except Forbidden:
        return found
    found["invoices"] = list(
        invoices.filter(number__icontains=text).order_by("-id").values("pk", "number", "title")[:SEARCH_LIMIT]
    )
    return found


@page
def notifications(request):
    items = list(Notification.objects.filter(user=request.user).order_by("-id")[:50])
    return render(request, "web/notifications.html", {"items": items})


@require_POST
@page
def notifications_read(request):
    notifications_mark_read(user=request.user)
    return redirect("notifications")
