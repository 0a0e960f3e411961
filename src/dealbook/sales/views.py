"""The managers' proposal pages: the list, the card with its line editor while a Draft, sending,
"Create invoice", and the deal card's "New proposal from this deal". Thin: fetch through a
visibility-scoped query, call one service, render."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dealbook.accounts import policy
from dealbook.api.pagination import paginate
from dealbook.catalog.queries import products as catalog_products
from dealbook.core import timeline
from dealbook.core.errors import DomainError
from dealbook.crm.queries.deals import as_id, deal_for
from dealbook.sales import queries as sq
from dealbook.sales import services as svc
from dealbook.sales.models import ProposalStatus
from dealbook.sales.printing import proposal_pdf
from dealbook.sales.services.mail import default_recipients, public_link
from dealbook.web.pages import page, post_value, render_form


def _statuses() -> list[tuple[str, str]]:
    return [("", _("All")), *ProposalStatus.choices]


@page
def proposals_list(request):
    """The visible proposals (R2), newest first, by status and a number or subject fragment."""
    status = request.GET.get("status", "")
    try:
        qs = sq.proposal_list(request.user, status=status or None, q=request.GET.get("q"))
        rows, next_cursor = paginate(
            qs,
            ordering="-id",
            allowed={"id": "pk"},
            default="-id",
            cursor=request.GET.get("cursor"),
            limit=50,
        )
    except DomainError as exc:
        return render(
            request, "web/error.html", {"title": _("Proposals"), "message": exc.message}, status=400
        )
    base = request.GET.copy()
    base.pop("cursor", None)
    context = {
        "section": "proposals",
        "rows": rows,
        "next": next_cursor,
        "q": request.GET.get("q", ""),
        "query": base.urlencode(),
        "status": status,
        "statuses": _statuses(),
    }
    return render(request, "sales/proposals_list.html", context)


@require_POST
@page
def proposal_new_from_deal(request, deal_id: int):
    """Q1 "New proposal from this deal": a Draft with the deal's lines, client and currency."""
    deal = deal_for(request.user, deal_id)
    try:
        proposal = svc.proposal_create(actor=request.user, deal=deal)
    except DomainError as exc:
        return render(request, "web/error.html", {"title": exc.message, "message": ""}, status=exc.status)
    return redirect("proposal", pk=proposal.pk)


def _invoice_url(invoice_id) -> str | None:
    """Billing's invoice page when it has one (billing's pages may not exist yet)."""
    if not invoice_id:
        return None
    try:
        return reverse("invoice", args=[invoice_id])
    except NoReverseMatch:
        return None


def _card_context(request, proposal, **extra) -> dict:
    lines = sq.proposal_line_list(proposal)
    draft = proposal.status == ProposalStatus.DRAFT
    return {
        "section": "proposals",
        "proposal": proposal,
        "lines": lines,
        "is_draft": draft,
        "can_edit": draft and policy.can(request.user, "deal.edit"),
        "can_send": proposal.status in (ProposalStatus.DRAFT, ProposalStatus.SENT, ProposalStatus.VIEWED),
        "can_decline": proposal.is_open,
        "can_invoice": not proposal.invoice_id and proposal.status != ProposalStatus.DECLINED and bool(lines),
        "signature": getattr(proposal, "signature", None),
        "invoice_url": _invoice_url(proposal.invoice_id),
        "public_url": public_link(proposal, request.build_absolute_uri("/")),
        "recipients": ", ".join(default_recipients(proposal)),
        "events": list(timeline.events_for(proposal, limit=50)),
        "products": list(catalog_products(q=None).order_by("name", "id")[:50]) if draft else [],
        **extra,
    }


@page
def proposal_card(request, pk: int):
    proposal = sq.proposal_for(request.user, pk)
    return render(request, "sales/proposal_card.html", _card_context(request, proposal))


def _card_error(request, pk: int, exc: DomainError):
    proposal = sq.proposal_for(request.user, pk)
    return render_form(request, "sales/proposal_card.html", _card_context(request, proposal), exc)


@require_POST
@page
def proposal_edit(request, pk: int):
    """Q1 while a Draft: subject, validity date and the comment."""
    proposal = sq.proposal_for(request.user, pk)
    fields = {name: post_value(request, name, "") for name in ("title", "valid_until", "comment")}
    try:
        svc.proposal_update(actor=request.user, proposal=proposal, **fields)
    except DomainError as exc:
        return _card_error(request, pk, exc)
    return redirect("proposal", pk=pk)


def _lines_response(request, pk: int, error: DomainError | None = None):
    proposal = sq.proposal_for(request.user, pk)
    return render_form(request, "sales/_lines.html", _card_context(request, proposal), error)


@require_POST
@page
def proposal_line_add(request, pk: int):
    proposal = sq.proposal_for(request.user, pk)
    try:
        svc.proposal_line_add(
            actor=request.user,
            proposal=proposal,
            product=as_id(request.POST.get("product")),
            quantity=post_value(request, "quantity", ""),
            discount_kind=post_value(request, "discount_kind", ""),
            discount_value=post_value(request, "discount_value", "") or "0",
        )
    except DomainError as exc:
        return _lines_response(request, pk, exc)
    return _lines_response(request, pk)


@require_POST
@page
def proposal_line_update(request, pk: int, line_id: int):
    proposal = sq.proposal_for(request.user, pk)
    line = sq.line_for(proposal, line_id)
    fields = {n: post_value(request, n) for n in ("quantity", "price", "discount_kind") if n in request.POST}
    if "discount_value" in request.POST:
        fields["discount_value"] = post_value(request, "discount_value") or "0"
    try:
        svc.proposal_line_update(actor=request.user, proposal=proposal, line=line, **fields)
    except DomainError as exc:
        exc.field = f"line-{line_id}-{exc.field}"
        return _lines_response(request, pk, exc)
    return _lines_response(request, pk)


@require_POST
@page
def proposal_line_remove(request, pk: int, line_id: int):
    proposal = sq.proposal_for(request.user, pk)
    try:
        svc.proposal_line_remove(actor=request.user, proposal=proposal, line=sq.line_for(proposal, line_id))
    except DomainError as exc:
        return _lines_response(request, pk, exc)
    return _lines_response(request, pk)


@require_POST
@page
def proposal_send(request, pk: int):
    """Q2: e-mail the PDF and the public link; a Draft becomes Sent."""
    proposal = sq.proposal_for(request.user, pk)
    to = [a for a in post_value(request, "to", "").replace(";", ",").split(",") if a.strip()]
    try:
        svc.proposal_send(
            actor=request.user,
            proposal=proposal,
            to=to,
            subject=post_value(request, "subject", ""),
            body=post_value(request, "body", ""),
            base_url=request.build_absolute_uri("/"),
        )
    except DomainError as exc:
        return _card_error(request, pk, exc)
    return redirect("proposal", pk=pk)


@require_POST
@page
def proposal_to_invoice(request, pk: int):
    """Q3 by hand: "Create invoice"."""
    proposal = sq.proposal_for(request.user, pk)
    try:
        svc.proposal_to_invoice(
            actor=request.user, proposal=proposal, rate=post_value(request, "rate") or None
        )
    except DomainError as exc:
        return _card_error(request, pk, exc)
    return redirect("proposal", pk=pk)


@require_POST
@page
def proposal_decline(request, pk: int):
    """Q1: the manager records that the client declined (by phone or mail), with the reason."""
    proposal = sq.proposal_for(request.user, pk)
    try:
        svc.proposal_decline(actor=request.user, proposal=proposal, reason=post_value(request, "reason", ""))
    except DomainError as exc:
        return _card_error(request, pk, exc)
    return redirect("proposal", pk=pk)


@page
def proposal_pdf_view(request, pk: int):
    proposal = sq.proposal_for(request.user, pk)
    pdf, filename = proposal_pdf(proposal, request.GET.get("lang") or None)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@page
def proposal_signed_pdf(request, pk: int):
    """Q2: the signed copy (the document and its certificate page) for whoever sees the proposal;
    made on the first download."""
    from django.http import FileResponse, Http404

    from dealbook.core.errors import NotFound
    from dealbook.sales.printing import signed_filename

    proposal = sq.proposal_for(request.user, pk)
    try:
        signature = svc.proposal_signed_copy(proposal=proposal)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        return render(request, "web/error.html", {"title": exc.message, "message": ""}, status=exc.status)
    return FileResponse(signature.signed_pdf.open("rb"), filename=signed_filename(proposal))
