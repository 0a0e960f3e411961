"""Leads (L1, L2) and the duplicate check (L3) under /api/v1/.

Handlers fetch through the R2-scoped reads of crm.queries, resolve ids to rows, call one service.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status

from dealbook.accounts.models import User
from dealbook.api.fields import request_fields
from dealbook.api.pagination import paginate
from dealbook.api.schemas import CommentIn, ErrorOut, EventOut, TimelinePage, timeline_page
from dealbook.catalog.models import TaxProfile
from dealbook.core.errors import InvalidInput, NotFound
from dealbook.crm import duplicates
from dealbook.crm.models import Pipeline, Source
from dealbook.crm.queries import leads as queries
from dealbook.crm.queries.parties import companies_visible, contacts_visible
from dealbook.crm.services import leads as services

router = Router(tags=["leads"])
duplicates_router = Router(tags=["duplicates"])


# ---------------------------------------------------------------- schemas


class LeadIn(Schema):
    title: str
    source: str | None = None  # a source code: call, web_form, referral …
    channel: str = "api"
    name: str = ""
    company_name: str = ""
    phone: str = ""
    email: str = ""
    inn: str = ""
    comment: str = ""
    pipeline_id: int | None = None
    responsible_id: int | None = None
    external_id: str = ""
    is_shared: bool = False


class LeadPatch(Schema):
    title: str | None = None
    source: str | None = None
    name: str | None = None
    company_name: str | None = None
    phone: str | None = None
    email: str | None = None
    inn: str | None = None
    comment: str | None = None
    pipeline_id: int | None = None
    is_shared: bool | None = None


class LeadOut(Schema):
    id: int
    title: str
    status: str
    channel: str
    source: str | None
    source_name: str | None
    name: str
    company_name: str
    phone: str
    phone_normalized: str
    email: str
    email_normalized: str
    inn: str
    comment: str
    pipeline_id: int | None
    responsible_id: int | None
    responsible_name: str | None
    is_shared: bool
    external_id: str
    created_at: dt.datetime
    updated_at: dt.datetime
    converted_at: dt.datetime | None
    deal_id: int | None
    contact_id: int | None
    company_id: int | None

    @staticmethod
    def resolve_source(obj) -> str | None:
        return obj.source.code if obj.source_id else None

    @staticmethod
    def resolve_source_name(obj) -> str | None:
        return obj.source.name if obj.source_id else None

    @staticmethod
    def resolve_responsible_name(obj) -> str | None:
        return obj.responsible.display_name if obj.responsible_id else None


class LeadPage(Schema):
    items: list[LeadOut]
    next_cursor: str | None = None


class MatchOut(Schema):
    record: str
    id: int | None
    name: str
    matched: str
    value: str
    visible: bool
    responsible: str | None


class MatchesOut(Schema):
    phone: list[MatchOut]
    email: list[MatchOut]
    inn: list[MatchOut]
    vat_id: list[MatchOut]
    count: int
    summary: str


class LeadCreatedOut(LeadOut):
    duplicates: MatchesOut


class DuplicatesErrorOut(ErrorOut):
    matches: MatchesOut


class StatusIn(Schema):
    status: str


class AssignIn(Schema):
    responsible_id: int


class ConvertIn(Schema):
    mode: str  # deal_contact | deal | contact | attach
    confirm_duplicates: bool = False
    pipeline_id: int | None = None
    deal_title: str | None = None
    contact_id: int | None = None
    company_id: int | None = None
    with_deal: bool = True
    first_name: str | None = None
    last_name: str = ""
    middle_name: str = ""
    position: str = ""
    responsible_id: int | None = None
    source: str | None = None
    deal_type: str = "goods"
    location: str = ""
    delivery_address: str = ""
    deal_comment: str | None = None
    tax_profile_id: int | None = None
    tax_date: dt.date | None = None
    begin_date: dt.date | None = None
    close_date: dt.date | None = None
    is_shared: bool | None = None
    currency: str | None = None


class ConvertOut(Schema):
    lead: LeadOut
    deal_id: int | None
    contact_id: int | None
    company_id: int | None


class DuplicateCheckIn(Schema):
    phones: list[str] = []
    emails: list[str] = []
    inn: str = ""
    vat_id: str = ""


# ---------------------------------------------------------------- id → row


def _source(code: str | None) -> Source | None:
    if not code:
        return None
    source = Source.objects.filter(code=code).first()
    if source is None:
        raise InvalidInput(_("Unknown source '%(code)s'.") % {"code": code}, field="source")
    return source


def _pipeline(pk: int | None) -> Pipeline | None:
    if pk is None:
        return None
    pipeline = Pipeline.objects.filter(pk=pk).first()
    if pipeline is None:
        raise InvalidInput(_("Unknown direction %(id)s.") % {"id": pk}, field="pipeline_id")
    return pipeline


def _user(pk: int | None, field: str = "responsible_id") -> User | None:
    if pk is None:
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise InvalidInput(_("Unknown or inactive user %(id)s.") % {"id": pk}, field=field)
    return user


def _tax_profile(pk: int | None) -> TaxProfile | None:
    if pk is None:
        return None
    profile = TaxProfile.objects.filter(pk=pk).first()
    if profile is None:
        raise InvalidInput(_("Unknown tax profile %(id)s.") % {"id": pk}, field="tax_profile_id")
    return profile


def _visible(scoped, pk: int | None, field: str):
    if pk is None:
        return None
    row = scoped.filter(pk=pk).first()
    if row is None:
        raise NotFound(_("%(field)s %(id)s not found.") % {"field": field, "id": pk}, field=field)
    return row


def _matches_for(lead, user) -> dict:
    return duplicates.find_matches(
        phones=[lead.phone_normalized],
        emails=[lead.email_normalized],
        inn=lead.inn,
        exclude=lead,
        viewer=user,
    ).as_dict()


# ---------------------------------------------------------------- leads


@router.get("leads", response=LeadPage)
def list_leads(
    request,
    status: str | None = None,
    source: str | None = None,
    responsible_id: int | None = None,
    channel: str | None = None,
    q: str | None = None,
    ordering: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
):
    """Leads the user may see (R2), newest first; filter by status, source, responsible, channel, q."""
    qs = queries.leads_list(
        request.auth, status=status, source=source, responsible_id=responsible_id, channel=channel, q=q
    )
    items, next_cursor = paginate(
        qs, ordering=ordering, allowed=queries.LEAD_ORDERING, default="-id", cursor=cursor, limit=limit
    )
    return {"items": items, "next_cursor": next_cursor}


@router.post("leads", response={201: LeadCreatedOut})
def create_lead(request, payload: LeadIn):
    """L1: a lead from an integration (channel "api" unless given). The same (channel, external_id)
    sent again returns the first lead. `duplicates` lists L3 matches; intake never blocks on them."""
    source, pipeline, responsible = (
        _source(payload.source),
        _pipeline(payload.pipeline_id),
        _user(payload.responsible_id),
    )
    with request_fields(payload):
        lead = services.lead_create(
            actor=request.auth,
            title=payload.title,
            source=source,
            channel=payload.channel,
            name=payload.name,
            company_name=payload.company_name,
            phone=payload.phone,
            email=payload.email,
            inn=payload.inn,
            comment=payload.comment,
            pipeline=pipeline,
            responsible=responsible,
            external_id=payload.external_id,
            is_shared=payload.is_shared,
        )
    lead = queries.lead_get(request.auth, lead.pk)
    lead.duplicates = _matches_for(lead, request.auth)
    return Status(201, lead)


@router.get("leads/{lead_id}", response=LeadOut)
def get_lead(request, lead_id: int):
    return queries.lead_get(request.auth, lead_id)


@router.patch("leads/{lead_id}", response=LeadOut)
def update_lead(request, lead_id: int, payload: LeadPatch):
    lead = queries.lead_get(request.auth, lead_id)
    changes = payload.dict(exclude_unset=True)
    if "source" in changes:
        changes["source"] = _source(changes["source"])
    if "pipeline_id" in changes:
        changes["pipeline"] = _pipeline(changes.pop("pipeline_id"))
    for key in ("title", "name", "company_name", "phone", "email", "inn", "comment", "is_shared"):
        if key in changes and changes[key] is None:
            raise InvalidInput(_("%(field)s: cannot be null.") % {"field": key}, field=key)
    with request_fields(payload):
        services.lead_update(actor=request.auth, lead=lead, **changes)
    return queries.lead_get(request.auth, lead_id)


@router.get("leads/{lead_id}/duplicates", response=MatchesOut)
def lead_duplicates(request, lead_id: int):
    """L3: the records sharing this lead's phone, e-mail or INN, as the user may see them."""
    return _matches_for(queries.lead_get(request.auth, lead_id), request.auth)


@router.post("leads/{lead_id}/convert", response={200: ConvertOut, 409: DuplicatesErrorOut})
def convert_lead(request, lead_id: int, payload: ConvertIn):
    """L2: convert into deal + contact, deal, contact, or attach to an existing contact/company.

    L3: while duplicates exist and `confirm_duplicates` is false, nothing is created and the answer
    is 409 with code "duplicates" and the matches; a converted lead answers 409 "lead_converted".
    """
    user = request.auth
    lead = queries.lead_get(user, lead_id)
    refs = {
        "pipeline": _pipeline(payload.pipeline_id),
        "contact": _visible(contacts_visible(user), payload.contact_id, "contact_id"),
        "company": _visible(companies_visible(user), payload.company_id, "company_id"),
        "responsible": _user(payload.responsible_id),
        "source": _source(payload.source),
        "tax_profile": _tax_profile(payload.tax_profile_id),
    }
    try:
        with request_fields(payload):
            result = services.lead_convert(
                actor=user,
                lead=lead,
                mode=payload.mode,
                deal_title=payload.deal_title,
                with_deal=payload.with_deal,
                first_name=payload.first_name,
                last_name=payload.last_name,
                middle_name=payload.middle_name,
                position=payload.position,
                deal_type=payload.deal_type,
                location=payload.location,
                delivery_address=payload.delivery_address,
                deal_comment=payload.deal_comment,
                tax_date=payload.tax_date,
                begin_date=payload.begin_date,
                close_date=payload.close_date,
                is_shared=payload.is_shared,
                currency=payload.currency,
                confirm_duplicates=payload.confirm_duplicates,
                **refs,
            )
    except duplicates.DuplicatesFound as exc:
        # the error body gains the matches, so the client can offer "attach" or "confirm"
        return Status(409, exc.as_dict())
    return Status(
        200,
        {
            "lead": queries.lead_get(user, lead_id),
            "deal_id": result.deal.pk if result.deal else None,
            "contact_id": result.contact.pk if result.contact else None,
            "company_id": result.company.pk if result.company else None,
        },
    )


@router.post("leads/{lead_id}/status", response=LeadOut)
def set_status(request, lead_id: int, payload: StatusIn):
    """L1: new, in work or junk; "converted" only by conversion."""
    lead = queries.lead_get(request.auth, lead_id)
    services.lead_set_status(actor=request.auth, lead=lead, status=payload.status)
    return queries.lead_get(request.auth, lead_id)


@router.post("leads/{lead_id}/assign", response=LeadOut)
def assign(request, lead_id: int, payload: AssignIn):
    lead = queries.lead_get(request.auth, lead_id)
    responsible = _user(payload.responsible_id)
    with request_fields(payload):
        services.lead_assign(actor=request.auth, lead=lead, responsible=responsible)
    return queries.lead_get(request.auth, lead_id)


@router.get("leads/{lead_id}/timeline", response=TimelinePage)
def lead_timeline(
    request, lead_id: int, kinds: str | None = None, cursor: str | None = None, limit: int = 50
):
    lead = queries.lead_get(request.auth, lead_id)
    return timeline_page(lead, kinds=kinds, cursor=cursor, limit=limit)


@router.post("leads/{lead_id}/comments", response={201: EventOut})
def add_comment(request, lead_id: int, payload: CommentIn):
    lead = queries.lead_get(request.auth, lead_id)
    return Status(201, services.lead_comment(actor=request.auth, lead=lead, text=payload.text))


# ---------------------------------------------------------------- duplicates


@duplicates_router.post("duplicates/check", response=MatchesOut)
def check_duplicates(request, payload: DuplicateCheckIn):
    """L3: matches by phone (E.164), e-mail (any case), INN or VAT id, before anything is created.

    Records the user may not see (R2) appear only as "a record you cannot see (responsible: NAME)".
    """
    return duplicates.find_matches(
        phones=payload.phones,
        emails=payload.emails,
        inn=payload.inn,
        vat_id=payload.vat_id,
        viewer=request.auth,
    ).as_dict()


routers: list[Router] = [router, duplicates_router]
