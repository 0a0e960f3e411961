"""Counterparty requests under /api/v1/ (C4): a manager files one, accounting completes or rejects it."""

from __future__ import annotations

import os

from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Status
from ninja.files import UploadedFile

from dealbook.api.fields import request_fields
from dealbook.api.pagination import paginate
from dealbook.core.errors import InvalidInput, NotFound
from dealbook.crm.api.parties.common import (
    PartiesRouter,
    _company_kwargs,
)
from dealbook.crm.api.parties.schemas import (
    CompleteIn,
    RejectIn,
    RequestOut,
    RequestPage,
)
from dealbook.crm.models import CounterpartyRequest
from dealbook.crm.queries import parties as queries
from dealbook.crm.services import requests as request_services

requests_router = PartiesRouter(tags=["counterparty-requests"])


REQUEST_ORDERING = {"id": "pk", "created_at": "created_at"}


@requests_router.get("counterparty-requests", response=RequestPage)
def requests_list(
    request,
    status: str | None = None,
    mine: bool = False,
    ordering: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
):
    """Accounting sees every request; everyone else their own."""
    if status and status not in CounterpartyRequest.Status.values:
        raise InvalidInput(_("Unknown status '%(s)s'.") % {"s": status}, field="status")
    qs = queries.requests_list(request.auth, status=status, mine=mine)
    items, next_cursor = paginate(
        qs, ordering=ordering, allowed=REQUEST_ORDERING, default="-id", cursor=cursor, limit=limit
    )
    return {"items": items, "next_cursor": next_cursor}


@requests_router.post("counterparty-requests", response={201: RequestOut})
def requests_file(
    request,
    name: str = Form(...),
    inn: str = Form(""),
    comment: str = Form(""),
    deal_id: int | None = Form(None),
    card: UploadedFile | None = File(None),
):
    """C4/step 38: multipart form with the company card; every accountant is notified."""
    from dealbook.crm.queries.deals import deal_for

    deal = None
    if deal_id:
        with request_fields(id="deal_id"):
            deal = deal_for(request.auth, deal_id)
    req = request_services.counterparty_request_file(
        actor=request.auth, name=name, inn=inn, comment=comment, card=card, deal=deal
    )
    return Status(201, queries.request_get(request.auth, req.pk))


@requests_router.get("counterparty-requests/{int:request_id}", response=RequestOut)
def requests_get(request, request_id: int):
    return queries.request_get(request.auth, request_id)


@requests_router.get("counterparty-requests/{int:request_id}/card")
def requests_card(request, request_id: int):
    """The company card file as uploaded."""
    req = queries.request_get(request.auth, request_id)
    if not req.card:
        raise NotFound(_("This request has no company card."), field="card")
    return FileResponse(req.card.open("rb"), as_attachment=True, filename=os.path.basename(req.card.name))


@requests_router.post("counterparty-requests/{int:request_id}/complete", response=RequestOut)
def requests_complete(request, request_id: int, payload: CompleteIn):
    """C4/step 39: accounting registers the company (or links an existing one); the requester is told."""
    req = queries.request_get(request.auth, request_id)
    company = None
    if payload.company_id:
        with request_fields(id="company_id"):
            company = queries.company_get(request.auth, payload.company_id)
    data = _company_kwargs(payload.company) if payload.company is not None else None
    request_services.counterparty_request_complete(
        actor=request.auth, request=req, company=company, company_data=data
    )
    return queries.request_get(request.auth, request_id)


@requests_router.post("counterparty-requests/{int:request_id}/reject", response=RequestOut)
def requests_reject(request, request_id: int, payload: RejectIn):
    req = queries.request_get(request.auth, request_id)
    request_services.counterparty_request_reject(actor=request.auth, request=req, answer=payload.answer)
    return queries.request_get(request.auth, request_id)
