"""The client's public proposal page (Q1–Q3): no login, reached by an unguessable token, rate
limited per IP. Unknown, altered or draft tokens are a 404 and expired links a 410, changing
nothing; the accept form posts the SHA-256 of the PDF the page showed."""

from __future__ import annotations

from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from dealbook.core.errors import DomainError, NotFound
from dealbook.sales import queries as sq
from dealbook.sales import services as svc
from dealbook.sales.models import ProposalSignature, ProposalStatus
from dealbook.sales.printing import document_sha256, proposal_language, proposal_pdf, signed_filename
from dealbook.sales.ratelimit import client_ip, limited
from dealbook.sales.services.lifecycle import LinkExpired


def _gone(request, exc: DomainError):
    code = 410 if isinstance(exc, LinkExpired) else 404
    return render(request, "sales/public_gone.html", {"code": code}, status=code)


def _signature(proposal):
    if proposal.status != ProposalStatus.ACCEPTED:
        return None
    if "signature" not in proposal._state.fields_cache:
        return ProposalSignature.objects.filter(proposal_id=proposal.pk).order_by().first()
    return getattr(proposal, "signature", None)


def _context(proposal, **extra) -> dict:
    """The page shows the stored document's hash (Q2); nothing is rendered here."""
    return {
        "proposal": proposal,
        "lines": sq.proposal_line_list(proposal),
        "document_sha256": document_sha256(proposal),
        "doc_language": proposal_language(proposal),
        "signature": _signature(proposal),
        "is_open": proposal.status in (ProposalStatus.SENT, ProposalStatus.VIEWED),
        **extra,
    }


def _ua(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:500]


@limited("view")
def public_page(request, token: str):
    """The first open sets Viewed (Q1); past validity the proposal expires and the link says so."""
    try:
        proposal = svc.proposal_public_open(token=token, ip=client_ip(request), user_agent=_ua(request))
    except (NotFound, LinkExpired) as exc:
        return _gone(request, exc)
    return render(request, "sales/public.html", _context(proposal))


def _readable(token: str):
    """The proposal for a read (PDF downloads): 404 for unknown tokens, 410 past expiry."""
    proposal = sq.proposal_by_token(token)
    expired = proposal.status == ProposalStatus.EXPIRED or (proposal.is_open and proposal.is_past_validity())
    if expired or proposal.link_expired():
        raise LinkExpired("", field="token")
    return proposal


@limited("view")
def public_pdf(request, token: str):
    try:
        proposal = _readable(token)
    except (NotFound, LinkExpired) as exc:
        return _gone(request, exc)
    pdf, filename = proposal_pdf(proposal)
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@limited("view")
def public_signed_pdf(request, token: str):
    """Q2: after signing, the client downloads the signed copy with its certificate page (made on
    the first download)."""
    try:
        proposal = _readable(token)
        signature = svc.proposal_signed_copy(proposal=proposal)
    except (NotFound, LinkExpired) as exc:
        return _gone(request, exc)
    except DomainError as exc:
        context = {"code": exc.status, "message": exc.message}
        return render(request, "sales/public_gone.html", context, status=exc.status)
    return FileResponse(
        signature.signed_pdf.open("rb"), as_attachment=True, filename=signed_filename(proposal)
    )


def _answer(request, token: str, action):
    try:
        action()
    except (NotFound, LinkExpired) as exc:
        return _gone(request, exc)
    except DomainError as exc:
        proposal = sq.proposal_by_token(token)
        context = _context(proposal, errors={exc.field or "general": exc.message}, values=request.POST)
        return render(request, "sales/public.html", context, status=exc.status)
    return redirect("proposal_public", token=token)


@require_POST
@csrf_protect
@limited("answer")
def public_accept(request, token: str):
    """Q2: typed full name, the consent box, and the hash of the PDF the page showed."""
    return _answer(
        request,
        token,
        lambda: svc.proposal_accept(
            token=token,
            signer_name=request.POST.get("signer_name", ""),
            consent=request.POST.get("consent") == "on",
            document_sha256=request.POST.get("document_sha256", ""),
            ip=client_ip(request),
            user_agent=_ua(request),
        ),
    )


@require_POST
@csrf_protect
@limited("answer")
def public_decline(request, token: str):
    return _answer(
        request,
        token,
        lambda: svc.proposal_decline(
            token=token, reason=request.POST.get("reason", ""), ip=client_ip(request), user_agent=_ua(request)
        ),
    )
