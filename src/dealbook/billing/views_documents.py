"""The deal card's Documents tab (X2): generate a contract or order from a .docx template and list
the documents generated on the deal. The file itself lands on the deal's timeline."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dealbook.accounts import policy
from dealbook.billing.documents_from_deal import deal_document_generate
from dealbook.core.errors import DomainError, InvalidInput
from dealbook.core.models import Event, EventKind
from dealbook.crm.cardtabs import DealTab
from dealbook.crm.models import Deal
from dealbook.crm.queries.deals import as_id, deal_for
from dealbook.documents.models import DocumentTemplate
from dealbook.web.pages import is_htmx, page, render_form

TEMPLATE = "billing/_deal_documents.html"


def documents_context(request, deal, error=None, generated=None) -> dict:
    """Active templates and the documents generated on this deal, newest first: two queries."""
    events = (
        Event.objects.filter(
            subject_type=ContentType.objects.get_for_model(Deal),
            subject_id=deal.pk,
            kind=EventKind.DOCUMENT_GENERATED,
        )
        .select_related("actor")
        .order_by("-id")[:50]
    )
    return {
        "deal": deal,
        "doc_templates": list(DocumentTemplate.objects.filter(is_active=True).order_by("name", "id")),
        "generated_documents": list(events),
        "can_generate": policy.can(request.user, "billing.use"),
        "can_manage_templates": policy.can(request.user, "settings.manage"),
        "errors": {(error.field or "general"): error.message} if error else {},
        "just_generated": generated,
    }


DOCUMENTS_TAB = DealTab(
    key="documents",
    label=lambda: gettext_lazy("Documents"),
    template=TEMPLATE,
    context=documents_context,
    order=300,
)


@require_POST
@page
def deal_document_create(request, pk: int):
    """X2: generate the chosen template for the deal (R2: only a deal the user sees)."""
    deal = deal_for(request.user, pk)
    try:
        template = as_id(request.POST.get("template"))
        if template is None:
            raise InvalidInput(_("Choose a template."), field="template")
        attachment = deal_document_generate(actor=request.user, deal=deal, template=template)
    except DomainError as exc:
        if exc.status == 403:
            raise
        return render_form(request, TEMPLATE, documents_context(request, deal, exc))
    if is_htmx(request):
        return render_form(request, TEMPLATE, documents_context(request, deal, generated=attachment))
    return redirect(reverse("deal", args=[deal.pk]) + "?tab=documents")
