"""Settings → E-mail templates (I8): administrators and accountants edit the subject and body per
document kind and language (and per seller), with the allowed placeholders shown."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dealbook.billing.forms import parse_id
from dealbook.billing.models import EmailTemplate, EmailTemplateKind
from dealbook.billing.services import email_templates as et
from dealbook.core.errors import DomainError, InvalidInput
from dealbook.crm.queries.parties import own_companies
from dealbook.web.pages import page, render_form


def _require(user) -> None:
    if not et.may_edit(user):
        raise PermissionDenied(_("Only administrators and accountants edit e-mail templates."))


@page
def email_templates_list(request):
    _require(request.user)
    defaults = [
        et.email_template_for(kind, language)
        for kind in EmailTemplateKind.values
        for language in et.LANGUAGES
    ]
    own = list(
        EmailTemplate.objects.filter(seller__isnull=False)
        .select_related("seller")
        .order_by("seller__name", "kind")
    )
    return render(
        request,
        "billing/email_templates.html",
        {
            "section": "settings",
            "defaults": [t for t in defaults if t is not None],
            "own": own,
            "kinds": EmailTemplateKind.choices,
            "languages": et.LANGUAGES,
            "sellers": list(own_companies()),
        },
    )


def _target(request, kind: str, language: str):
    if kind not in EmailTemplateKind.values or language not in et.LANGUAGES:
        raise InvalidInput(_("Unknown document kind or language."), field="kind")
    seller = None
    seller_id = parse_id(request.GET.get("seller"), "seller")
    if seller_id:
        seller = own_companies().filter(pk=seller_id).first()
        if seller is None:
            raise InvalidInput(_("The seller must be one of our own legal entities."), field="seller")
    return seller


@page
def email_template_edit(request, kind: str, language: str):
    """Edit one template; a seller's own starts from the default text. Unknown placeholders are
    refused at the field that holds them (email_template_save)."""
    _require(request.user)
    seller = _target(request, kind, language)
    current = et.email_template_for(kind, language, seller)
    context = {
        "section": "settings",
        "kind": kind,
        "kind_label": EmailTemplateKind(kind).label,
        "language": language,
        "seller": seller,
        "own_exists": bool(current and current.seller_id),
        "placeholders": et.PLACEHOLDERS[kind],
        "values": {"subject": current.subject if current else "", "body": current.body if current else ""},
    }
    if request.method != "POST":
        return render(request, "billing/email_template_edit.html", context)
    context["values"] = {"subject": request.POST.get("subject", ""), "body": request.POST.get("body", "")}
    try:
        et.email_template_save(
            actor=request.user,
            kind=kind,
            language=language,
            seller=seller,
            subject=context["values"]["subject"],
            body=context["values"]["body"],
        )
    except DomainError as exc:
        return render_form(request, "billing/email_template_edit.html", context, exc)
    messages.success(request, _("E-mail template saved."))
    return redirect("email_templates")
