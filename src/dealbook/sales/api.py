"""Proposals under /api/v1/proposals (Q1–Q3).

Handlers fetch through a visibility-scoped query (R2: a proposal the user may not see is a 404),
turn ids into records, call one service and return. The client's signature is not here: it is the
public page (/p/<token>/), which needs no token of ours.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Status

from dealbook.api.fields import request_fields
from dealbook.api.pagination import paginate
from dealbook.api.schemas import TimelinePage, timeline_page
from dealbook.core.errors import InvalidInput
from dealbook.crm.queries.deals import as_id, deal_for
from dealbook.crm.queries.parties import company_for, contacts_visible
from dealbook.sales import queries as sq
from dealbook.sales import services as svc
from dealbook.sales.printing import proposal_pdf
from dealbook.sales.schemas import (
    DeclineIn,
    LineIn,
    LineOut,
    LinePatch,
    ProposalIn,
    ProposalOut,
    ProposalPage,
    ProposalPatch,
    SendIn,
    ToInvoiceIn,
)
from dealbook.sales.services.mail import public_link

router = Router(tags=["proposals"])


def _company(user, pk, field: str, *, own: bool = False):
    if pk is None:
        return None
    found = company_for(user, pk, scope="own" if own else "visible")
    if found is None:
        raise InvalidInput(_("Unknown company."), field=field)
    return found


def _contact(user, pk):
    if pk is None:
        return None
    found = contacts_visible(user).filter(pk=as_id(pk) or 0).first()
    if found is None:
        raise InvalidInput(_("Unknown contact."), field="payer_contact_id")
    return found


def _detail(request, pk, proposal=None) -> dict:
    """`proposal`: as the service just left it (saved, its client loaded, not signed), else read."""
    p = proposal if proposal is not None else sq.proposal_for(request.auth, pk, related=sq.DETAIL_RELATED)
    data = {f.attname: getattr(p, f.attname) for f in p._meta.concrete_fields}
    data.update(
        id=p.pk,
        client_name=p.client_name,
        status_name=p.get_status_display(),
        public_url=public_link(p, request.build_absolute_uri("/")),
        signature=None if proposal is not None else getattr(p, "signature", None),
        lines=sq.proposal_line_list(p),
    )
    return data


@router.get("proposals", response=ProposalPage)
def proposals_list(
    request, status: str | None = None, deal_id: int | None = None, cursor: str | None = None, limit: int = 50
):
    """Filters: status (comma list), deal_id. Ordering newest first; keyset cursor."""
    qs = sq.proposal_list(request.auth, status=status, deal=deal_id)
    items, next_cursor = paginate(
        qs, ordering=None, allowed=sq.ORDERINGS, default="-id", cursor=cursor, limit=limit
    )
    return {"items": items, "next_cursor": next_cursor}


@router.post("proposals", response={201: ProposalOut})
def proposals_create(request, payload: ProposalIn):
    """Q1 a Draft from a deal (`deal_id`: its lines, client, currency) or blank (client and lines)."""
    user = request.auth
    with request_fields(payload):
        proposal = svc.proposal_create(
            actor=user,
            deal=deal_for(user, payload.deal_id) if payload.deal_id is not None else None,
            seller=_company(user, payload.seller_id, "seller_id", own=True),
            payer_company=_company(user, payload.payer_company_id, "payer_company_id"),
            payer_contact=_contact(user, payload.payer_contact_id),
            date=payload.date,
            valid_until=payload.valid_until,
            currency=payload.currency,
            tax_date=payload.tax_date,
            title=payload.title,
            comment=payload.comment,
            lines=[line.dict() for line in payload.lines],
        )
    return Status(201, _detail(request, proposal.pk, proposal))


@router.get("proposals/{int:proposal_id}", response=ProposalOut)
def proposals_get(request, proposal_id: int):
    return _detail(request, proposal_id)


@router.patch("proposals/{int:proposal_id}", response=ProposalOut)
def proposals_patch(request, proposal_id: int, payload: ProposalPatch):
    """Q1: only while a Draft (409 proposal_locked after)."""
    user = request.auth
    proposal = sq.proposal_for(user, proposal_id, related=())
    fields = payload.dict(exclude_unset=True)
    if "payer_company_id" in fields:
        fields["payer_company"] = _company(user, fields.pop("payer_company_id"), "payer_company_id")
    if "payer_contact_id" in fields:
        fields["payer_contact"] = _contact(user, fields.pop("payer_contact_id"))
    with request_fields(payload):
        svc.proposal_update(actor=user, proposal=proposal, **fields)
    return _detail(request, proposal_id)


@router.get("proposals/{int:proposal_id}/lines", response=list[LineOut])
def proposals_lines(request, proposal_id: int):
    return sq.proposal_line_list(sq.proposal_for(request.auth, proposal_id))


@router.post("proposals/{int:proposal_id}/lines", response={201: LineOut})
def proposals_line_add(request, proposal_id: int, payload: LineIn):
    """Q1 only in Draft; P1–P6."""
    proposal = sq.proposal_for(request.auth, proposal_id, related=())
    line = svc.proposal_line_add(actor=request.auth, proposal=proposal, **payload.dict())
    return Status(201, sq.line_for(proposal, line.pk))


@router.patch("proposals/{int:proposal_id}/lines/{int:line_id}", response=LineOut)
def proposals_line_patch(request, proposal_id: int, line_id: int, payload: LinePatch):
    proposal = sq.proposal_for(request.auth, proposal_id, related=())
    line = sq.line_for(proposal, line_id)
    svc.proposal_line_update(
        actor=request.auth, proposal=proposal, line=line, **payload.dict(exclude_unset=True)
    )
    return sq.line_for(proposal, line_id)


@router.delete("proposals/{int:proposal_id}/lines/{int:line_id}", response={204: None})
def proposals_line_remove(request, proposal_id: int, line_id: int):
    proposal = sq.proposal_for(request.auth, proposal_id, related=())
    svc.proposal_line_remove(actor=request.auth, proposal=proposal, line=sq.line_for(proposal, line_id))
    return Status(204, None)


@router.post("proposals/{int:proposal_id}/send", response=ProposalOut)
def proposals_send(request, proposal_id: int, payload: SendIn):
    """Q2: e-mail the PDF and the public link (the client's address unless `to`); Draft → Sent."""
    proposal = sq.proposal_for(request.auth, proposal_id, related=())
    sent = svc.proposal_send(
        actor=request.auth,
        proposal=proposal,
        to=payload.to,
        subject=payload.subject,
        body=payload.body,
        base_url=request.build_absolute_uri("/"),
    )
    return _detail(request, proposal_id, sent)  # only a draft, sent or viewed one is sent: unsigned


@router.post("proposals/{int:proposal_id}/to-invoice", response=ProposalOut)
def proposals_to_invoice(request, proposal_id: int, payload: ToInvoiceIn):
    """Q3 by hand: the invoice in New with the proposal's lines; 409 when it already has one."""
    proposal = sq.proposal_for(request.auth, proposal_id, related=())
    svc.proposal_to_invoice(actor=request.auth, proposal=proposal, rate=payload.rate)
    return _detail(request, proposal_id)


@router.post("proposals/{int:proposal_id}/decline", response=ProposalOut)
def proposals_decline(request, proposal_id: int, payload: DeclineIn):
    """Q1: record that the client declined (told by phone or mail), with the reason."""
    proposal = sq.proposal_for(request.auth, proposal_id, related=())
    svc.proposal_decline(actor=request.auth, proposal=proposal, reason=payload.reason)
    return _detail(request, proposal_id)


@router.get("proposals/{int:proposal_id}/pdf")
def proposals_pdf(request, proposal_id: int, lang: str | None = None):
    pdf, filename = proposal_pdf(sq.proposal_for(request.auth, proposal_id), lang)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@router.get("proposals/{int:proposal_id}/timeline", response=TimelinePage)
def proposals_timeline(
    request, proposal_id: int, kinds: str | None = None, cursor: str | None = None, limit: int = 50
):
    return timeline_page(sq.proposal_for(request.auth, proposal_id), kinds=kinds, cursor=cursor, limit=limit)
