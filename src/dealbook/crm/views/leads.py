"""Leads (L1–L3): the list, a lead by hand, the card and its conversion with duplicates."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dealbook.accounts import policy
from dealbook.accounts.queries import active_users
from dealbook.core import timeline
from dealbook.core.errors import DomainError, InvalidInput, NotFound
from dealbook.crm.models import Source
from dealbook.crm.queries import deals as dq
from dealbook.crm.views.common import _list_page
from dealbook.web.pages import page, render_form


@page
def leads_list(request):
    """L1 the leads (R2-scoped), newest first, by status and a search fragment."""
    from dealbook.crm.models import LeadStatus
    from dealbook.crm.queries.leads import leads_list as leads_query

    status = request.GET.get("status") or None
    try:
        qs = leads_query(request.user, status=status, q=request.GET.get("q") or None)
    except DomainError as exc:
        return render(request, "web/error.html", {"title": _("Leads"), "message": exc.message}, status=400)
    return _list_page(
        request, "crm/leads_list.html", "leads", qs, statuses=LeadStatus.choices, status=status or ""
    )


LEAD_FIELDS = (
    ("title", gettext_lazy("Title"), "text", True),
    ("name", gettext_lazy("Contact name"), "text", False),
    ("company_name", gettext_lazy("Company name"), "text", False),
    ("phone", gettext_lazy("Phone"), "tel", False),
    ("email", gettext_lazy("E-mail"), "email", False),
    ("inn", gettext_lazy("INN"), "text", False),
    ("comment", gettext_lazy("Comment"), "textarea", False),
)


def _lead_form(request, values=None, error=None):
    errors = {(error.field or "general"): error.message} if error else {}
    values = values or {}
    context = {
        "section": "leads",
        "fields": [
            {
                "name": n,
                "label": label,
                "kind": kind,
                "required": req,
                "value": values.get(n, ""),
                "error": errors.get(n),
            }
            for n, label, kind, req in LEAD_FIELDS
        ],
        "sources": list(Source.objects.order_by("sort", "name")),
        "pipelines": list(dq.pipelines_active()),
        "users": list(active_users()),
        "values": values,
        "errors": errors,
    }
    return render_form(request, "crm/lead_new.html", context, error)


@page
def lead_new(request):
    """L1 a lead by hand (the operator's first step): the service checks the phone, e-mail and INN
    and says which field is wrong; nothing is written on error."""
    from dealbook.crm.services.leads import lead_create

    if request.method != "POST":
        return _lead_form(request)
    post = request.POST
    try:
        source = (
            Source.objects.filter(pk=dq.as_id(post.get("source")) or 0).first()
            if post.get("source")
            else None
        )
        pipeline = None
        if post.get("pipeline"):
            pipeline = next((p for p in dq.pipelines_active() if p.pk == dq.as_id(post["pipeline"])), None)
        responsible = None
        if post.get("responsible"):
            responsible = active_users().filter(pk=dq.as_id(post["responsible"]) or 0).first()
            if responsible is None:
                raise InvalidInput(_("Unknown or inactive user."), field="responsible")
        lead = lead_create(
            actor=request.user,
            source=source,
            pipeline=pipeline,
            responsible=responsible,
            **{n: post.get(n, "") for n, _label, _kind, _req in LEAD_FIELDS},
        )
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return _lead_form(request, post, exc)
    return redirect("lead", lead.pk)


def _lead_context(request, lead, *, error=None, values=None, matches=None) -> dict:
    from dealbook.crm.duplicates import find_matches
    from dealbook.crm.models import LeadStatus
    from dealbook.crm.services.leads import ConversionMode

    convertible = lead.status not in (LeadStatus.CONVERTED, LeadStatus.JUNK) and policy.can(
        request.user, "lead.convert"
    )
    if matches is None and convertible:
        # L3: the matches are shown before anything is saved, not only when a save is refused
        matches = find_matches(
            phones=[lead.phone_normalized],
            emails=[lead.email_normalized],
            inn=lead.inn,
            exclude=lead,
            viewer=request.user,
        )
    return {
        "section": "leads",
        "lead": lead,
        "events": list(timeline.events_for(lead, limit=50)),
        "pipelines": list(dq.pipelines_active()),
        "convertible": convertible,
        "matches": matches,
        "modes": [
            (ConversionMode.DEAL_CONTACT, _("Deal and contact")),
            (ConversionMode.DEAL, _("Deal only")),
            (ConversionMode.CONTACT, _("Contact only")),
            (ConversionMode.ATTACH, _("Attach to an existing contact")),
        ],
        "values": values
        or {"mode": ConversionMode.DEAL_CONTACT, "first_name": lead.name, "deal_title": lead.title},
        "errors": {(error.field or "general"): error.message} if error else {},
        "dialog_open": error is not None,
    }


@page
def lead_card(request, pk: int):
    """L1 the lead with its details and timeline; L2/L3 the conversion dialog with the duplicates."""
    from dealbook.crm.queries.leads import lead_get

    lead = lead_get(request.user, pk)
    return render(request, "crm/lead_card.html", _lead_context(request, lead))


@require_POST
@page
def lead_convert(request, pk: int):
    """L2 convert in one transaction; L3 while duplicates exist nothing is created unless the user
    confirms or attaches the lead to the existing contact."""
    from dealbook.crm.duplicates import DuplicatesFound
    from dealbook.crm.queries.leads import lead_get
    from dealbook.crm.queries.parties import contacts_visible
    from dealbook.crm.services.leads import lead_convert as convert

    lead = lead_get(request.user, pk)
    post = request.POST
    try:
        pipeline = None
        if post.get("pipeline"):
            pipeline = next((p for p in dq.pipelines_active() if p.pk == dq.as_id(post["pipeline"])), None)
            if pipeline is None:
                raise InvalidInput(_("Choose an active pipeline."), field="pipeline")
        contact = None
        if post.get("contact"):
            contact = contacts_visible(request.user).filter(pk=dq.as_id(post["contact"]) or 0).first()
            if contact is None:
                raise InvalidInput(_("Choose the contact or company to attach the lead to."), field="contact")
        result = convert(
            actor=request.user,
            lead=lead,
            mode=post.get("mode", ""),
            pipeline=pipeline,
            deal_title=post.get("deal_title", ""),
            contact=contact,
            first_name=post.get("first_name", ""),
            last_name=post.get("last_name", ""),
            position=post.get("position", ""),
            confirm_duplicates=post.get("confirm_duplicates") == "on",
        )
    except DuplicatesFound as exc:
        context = _lead_context(request, lead, error=exc, values=post, matches=exc.matches)
        context["errors"] = {}  # the dialog's box of matches says it (L3), not twice
        return render(request, "crm/lead_card.html", context, status=409)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        context = _lead_context(request, lead, error=exc, values=post)
        return render(request, "crm/lead_card.html", context, status=exc.status)
    if result.deal is not None:
        return redirect("deal", result.deal.pk)
    if result.contact is not None:
        return redirect("contact", result.contact.pk)
    return redirect("lead", lead.pk)
