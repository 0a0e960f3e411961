"""Companies, contacts, counterparty requests and the company search under /api/v1/ (C1–C5, R1–R3).

Handlers fetch through the R2-scoped reads of crm.queries.parties (what a user may not see is a
404), turn ids into records, call one service and return. The rules live in crm.services.
"""

from __future__ import annotations

import datetime as dt
import os

from django.contrib.contenttypes.models import ContentType
from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from dealbook.accounts.models import User
from dealbook.api.fields import request_fields
from dealbook.api.pagination import paginate
from dealbook.api.schemas import CommentIn, EventOut, TimelinePage, timeline_page
from dealbook.core import timeline
from dealbook.core.errors import InvalidInput, NotFound
from dealbook.core.models import Attachment
from dealbook.crm import search
from dealbook.crm.models import BankAccount, Company, ContactPoint, CounterpartyRequest, Segment, Source
from dealbook.crm.queries import parties as queries
from dealbook.crm.services import companies as company_services
from dealbook.crm.services import contacts as contact_services
from dealbook.crm.services import requests as request_services

companies_router = Router(tags=["companies"])
contacts_router = Router(tags=["contacts"])
requests_router = Router(tags=["counterparty-requests"])
search_router = Router(tags=["search"])
routers: list[Router] = [companies_router, contacts_router, requests_router, search_router]

COMPANY_ORDERING = {"name": "name", "id": "pk", "created_at": "created_at", "updated_at": "updated_at"}
CONTACT_ORDERING = {"name": "last_name", "id": "pk", "created_at": "created_at"}
REQUEST_ORDERING = {"id": "pk", "created_at": "created_at"}


# ---------------------------------------------------------------- schemas


class PointIn(Schema):
    value: str
    label: str = ""


class PointOut(Schema):
    id: int
    kind: str
    label: str
    value: str
    normalized: str


class BankAccountIn(Schema):
    bank_name: str = ""
    bik: str = ""
    corr_account: str = ""
    account: str = ""
    iban: str = ""
    bic: str = ""
    currency: str = ""
    is_primary: bool = False


class BankAccountPatch(Schema):
    bank_name: str | None = None
    bik: str | None = None
    corr_account: str | None = None
    account: str | None = None
    iban: str | None = None
    bic: str | None = None
    currency: str | None = None
    is_primary: bool | None = None


class BankAccountOut(Schema):
    id: int
    bank_name: str
    bik: str
    corr_account: str
    account: str
    iban: str
    bic: str
    currency: str
    is_primary: bool


class CompanyIn(Schema):
    name: str
    kind: str = "buyer"
    segment_id: int | None = None
    is_own: bool = False
    responsible_id: int | None = None
    is_shared: bool = False
    legal_name: str = ""
    country: str = "RU"
    inn: str = ""
    kpp: str = ""
    ogrn: str = ""
    vat_id: str = ""
    legal_address: str = ""
    postal_address: str = ""
    director_name: str = ""
    accountant_name: str = ""
    website: str = ""
    comment: str = ""
    phones: list[str | PointIn] = []
    emails: list[str | PointIn] = []
    bank_accounts: list[BankAccountIn] = []


class ProfilePatch(Schema):
    kind: str | None = None
    segment_id: int | None = None
    responsible_id: int | None = None
    is_shared: bool | None = None
    website: str | None = None
    comment: str | None = None
    phones: list[str | PointIn] | None = None
    emails: list[str | PointIn] | None = None
    contact_ids: list[int] | None = None


class RequisitesPatch(Schema):
    name: str | None = None
    legal_name: str | None = None
    country: str | None = None
    inn: str | None = None
    kpp: str | None = None
    ogrn: str | None = None
    vat_id: str | None = None
    legal_address: str | None = None
    postal_address: str | None = None
    director_name: str | None = None
    accountant_name: str | None = None


def _name_of(user) -> str | None:
    return user.display_name if user is not None else None


class CompanyListOut(Schema):
    id: int
    name: str
    kind: str
    segment_id: int | None
    segment_name: str | None
    responsible_id: int | None
    responsible_name: str | None
    is_own: bool
    is_shared: bool
    country: str
    inn: str
    kpp: str
    vat_id: str
    phones: list[str]
    created_at: dt.datetime

    @staticmethod
    def resolve_segment_name(obj) -> str | None:
        return obj.segment.name if obj.segment_id else None

    @staticmethod
    def resolve_responsible_name(obj) -> str | None:
        return _name_of(obj.responsible) if obj.responsible_id else None

    @staticmethod
    def resolve_phones(obj) -> list[str]:
        return [p.value for p in obj.points.all() if p.kind == ContactPoint.Kind.PHONE]


class ContactBriefOut(Schema):
    id: int
    full_name: str
    position: str


class CompanyOut(CompanyListOut):
    legal_name: str
    ogrn: str
    legal_address: str
    postal_address: str
    director_name: str
    accountant_name: str
    website: str
    comment: str
    created_by_id: int | None
    updated_at: dt.datetime
    points: list[PointOut]
    bank_accounts: list[BankAccountOut]
    contacts: list[ContactBriefOut]

    @staticmethod
    def resolve_points(obj) -> list:
        return list(obj.points.all())

    @staticmethod
    def resolve_bank_accounts(obj) -> list:
        return list(obj.bank_accounts.all())

    @staticmethod
    def resolve_contacts(obj) -> list:
        return list(obj.contacts.all()[:200])


class CompanyPage(Schema):
    items: list[CompanyListOut]
    next_cursor: str | None = None


class ContactIn(Schema):
    first_name: str = ""
    last_name: str = ""
    middle_name: str = ""
    position: str = ""
    phones: list[str | PointIn] = []
    emails: list[str | PointIn] = []
    messengers: list[str | PointIn] = []
    company_id: int | None = None
    responsible_id: int | None = None
    source: str | None = None  # a source code: call, web_form, referral …
    comment: str = ""
    is_shared: bool = False


class ContactPatch(Schema):
    first_name: str | None = None
    last_name: str | None = None
    middle_name: str | None = None
    position: str | None = None
    phones: list[str | PointIn] | None = None
    emails: list[str | PointIn] | None = None
    messengers: list[str | PointIn] | None = None
    responsible_id: int | None = None
    source: str | None = None
    comment: str | None = None
    is_shared: bool | None = None


class CompanyBriefOut(Schema):
    id: int
    name: str
    inn: str


class ContactOut(Schema):
    id: int
    first_name: str
    last_name: str
    middle_name: str
    full_name: str
    position: str
    responsible_id: int | None
    responsible_name: str | None
    is_shared: bool
    source: str | None
    comment: str
    points: list[PointOut]
    companies: list[CompanyBriefOut]
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_responsible_name(obj) -> str | None:
        return _name_of(obj.responsible) if obj.responsible_id else None

    @staticmethod
    def resolve_source(obj) -> str | None:
        return obj.source.code if obj.source_id else None

    @staticmethod
    def resolve_points(obj) -> list:
        return list(obj.points.all())

    @staticmethod
    def resolve_companies(obj) -> list:
        return list(obj.companies.all())


class ContactPage(Schema):
    items: list[ContactOut]
    next_cursor: str | None = None


class LinkIn(Schema):
    company_id: int


class ContactPointIn(Schema):
    kind: str  # phone | email | messenger
    value: str
    label: str = ""


class RequestOut(Schema):
    id: int
    name: str
    inn: str
    comment: str
    status: str
    deal_id: int | None
    requested_by_id: int
    requested_by_name: str
    handled_by_id: int | None
    handled_by_name: str | None
    company_id: int | None
    company_name: str | None
    answer: str
    card_name: str | None
    created_at: dt.datetime
    handled_at: dt.datetime | None

    @staticmethod
    def resolve_requested_by_name(obj) -> str:
        return obj.requested_by.display_name

    @staticmethod
    def resolve_handled_by_name(obj) -> str | None:
        return _name_of(obj.handled_by) if obj.handled_by_id else None

    @staticmethod
    def resolve_company_name(obj) -> str | None:
        return obj.company.name if obj.company_id else None

    @staticmethod
    def resolve_card_name(obj) -> str | None:
        return os.path.basename(obj.card.name) if obj.card else None


class RequestPage(Schema):
    items: list[RequestOut]
    next_cursor: str | None = None


class CompleteIn(Schema):
    company_id: int | None = None
    company: CompanyIn | None = None


class RejectIn(Schema):
    answer: str


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    mime_type: str
    purpose: str
    created_at: dt.datetime


class SearchHitOut(Schema):
    id: int
    name: str
    kind: str
    inn: str
    vat_id: str
    is_own: bool
    responsible_id: int | None
    responsible_name: str | None
    match: str

    @staticmethod
    def resolve_responsible_name(obj) -> str | None:
        return _name_of(obj.responsible) if obj.responsible_id else None


class SearchOut(Schema):
    items: list[SearchHitOut]


# ---------------------------------------------------------------- resolving ids


def _segment(pk: int | None) -> Segment | None:
    if pk is None:
        return None
    segment = Segment.objects.filter(pk=pk).first()
    if segment is None:
        raise InvalidInput(_("Unknown segment."), field="segment_id")
    return segment


def _user(pk: int | None, field: str = "responsible_id") -> User | None:
    if pk is None:
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise InvalidInput(_("Unknown or inactive user."), field=field)
    return user


def _source(code: str | None) -> Source | None:
    if not code:
        return None
    source = Source.objects.filter(code=code).first()
    if source is None:
        raise InvalidInput(_("Unknown source '%(code)s'.") % {"code": code}, field="source")
    return source


def _points(items) -> list:
    return [i.dict() if isinstance(i, Schema) else i for i in items]


def _company_kwargs(payload: CompanyIn) -> dict:
    data = payload.dict()
    data["segment"] = _segment(data.pop("segment_id"))
    data["responsible"] = _user(data.pop("responsible_id"))
    data["phones"] = _points(payload.phones)
    data["emails"] = _points(payload.emails)
    data["bank_accounts"] = [a.dict() for a in payload.bank_accounts]
    return data


def _company_detail(user, pk: int) -> Company:
    company = queries.company_get(user, pk)
    # one query per relation, whatever their size
    return (
        Company.objects.select_related("segment", "responsible")
        .prefetch_related("points", "bank_accounts", "contacts")
        .get(pk=company.pk)
    )


def _contact_detail(user, pk: int):
    contact = queries.contact_get(user, pk)
    return (
        type(contact)
        .objects.select_related("responsible", "source")
        .prefetch_related("points", "companies")
        .get(pk=contact.pk)
    )


def _bank_account(company: Company, pk: int) -> BankAccount:
    account = BankAccount.objects.select_related("company").filter(pk=pk, company=company).first()
    if account is None:
        raise NotFound(_("Bank account not found."), field="account_id")
    return account


# ---------------------------------------------------------------- companies


@companies_router.get("companies", response=CompanyPage)
def companies_list(
    request,
    q: str | None = None,
    kind: str | None = None,
    segment_id: int | None = None,
    responsible_id: int | None = None,
    is_own: bool | None = None,
    inn: str | None = None,
    mine: bool = False,
    unclaimed: bool = False,
    ordering: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
):
    """Companies the user may see (R2); filter by name fragment (q), type, segment, responsible,
    own entities, INN, mine, unclaimed (registered by accounting, nobody took them yet)."""
    qs = queries.companies_list(
        request.auth,
        q=q,
        kind=kind,
        segment_id=segment_id,
        responsible_id=responsible_id,
        is_own=is_own,
        inn=inn,
        mine=mine,
        unclaimed=unclaimed,
    ).prefetch_related("points")
    items, next_cursor = paginate(
        qs, ordering=ordering, allowed=COMPANY_ORDERING, default="name", cursor=cursor, limit=limit
    )
    return {"items": items, "next_cursor": next_cursor}


@companies_router.post("companies", response={201: CompanyOut})
def companies_create(request, payload: CompanyIn):
    """C4: accounting and administrators register a company with valid requisites (C2)."""
    kwargs = _company_kwargs(payload)
    with request_fields(payload):
        company = company_services.company_create(actor=request.auth, **kwargs)
    return Status(201, _company_detail(request.auth, company.pk))


@companies_router.get("companies/{int:company_id}", response=CompanyOut)
def companies_get(request, company_id: int):
    return _company_detail(request.auth, company_id)


@companies_router.patch("companies/{int:company_id}", response=CompanyOut)
def companies_update_profile(request, company_id: int, payload: ProfilePatch):
    """C1/step 39: type, segment, responsible, sharing, phones, e-mails, contacts."""
    company = queries.company_get(request.auth, company_id)
    data = payload.dict(exclude_unset=True)
    kwargs: dict = {}
    for name in ("kind", "is_shared", "website", "comment"):
        if name in data:
            kwargs[name] = data[name]
    if "segment_id" in data:
        kwargs["segment"] = _segment(data["segment_id"])
    if "responsible_id" in data:
        kwargs["responsible"] = _user(data["responsible_id"])
    for name in ("phones", "emails"):
        if name in data:
            kwargs[name] = _points(getattr(payload, name) or [])
    if "contact_ids" in data:
        visible = queries.contacts_visible(request.auth).in_bulk(data["contact_ids"] or [])
        missing = [pk for pk in data["contact_ids"] or [] if pk not in visible]
        if missing:
            raise NotFound(_("Contact %(pk)s not found.") % {"pk": missing[0]}, field="contact_ids")
        kwargs["contacts"] = [visible[pk] for pk in data["contact_ids"]]
    with request_fields(payload):
        company_services.company_update_profile(actor=request.auth, company=company, **kwargs)
    return _company_detail(request.auth, company_id)


@companies_router.patch("companies/{int:company_id}/requisites", response=CompanyOut)
def companies_update_requisites(request, company_id: int, payload: RequisitesPatch):
    """C2/C4/R3: accounting changes requisites; each change is on the timeline with from/to."""
    company = queries.company_get(request.auth, company_id)
    fields = {k: (v if v is not None else "") for k, v in payload.dict(exclude_unset=True).items()}
    company_services.company_update_requisites(actor=request.auth, company=company, **fields)
    return _company_detail(request.auth, company_id)


@companies_router.post("companies/{int:company_id}/take", response=CompanyOut)
def companies_take(request, company_id: int):
    """C4/step 39: the sales manager takes a company accounting registered."""
    company = queries.company_get(request.auth, company_id)
    company_services.company_take(actor=request.auth, company=company)
    return _company_detail(request.auth, company_id)


@companies_router.get("companies/{int:company_id}/bank-accounts", response=list[BankAccountOut])
def bank_accounts_list(request, company_id: int):
    company = queries.company_get(request.auth, company_id)
    return list(company.bank_accounts.all())


@companies_router.post("companies/{int:company_id}/bank-accounts", response={201: BankAccountOut})
def bank_accounts_add(request, company_id: int, payload: BankAccountIn):
    """C2/C4: accounting adds an account; BIK, account and correspondent keys (or IBAN) are checked."""
    company = queries.company_get(request.auth, company_id)
    return Status(
        201, company_services.company_bank_account_add(actor=request.auth, company=company, **payload.dict())
    )


@companies_router.patch("companies/{int:company_id}/bank-accounts/{int:account_id}", response=BankAccountOut)
def bank_accounts_update(request, company_id: int, account_id: int, payload: BankAccountPatch):
    company = queries.company_get(request.auth, company_id)
    account = _bank_account(company, account_id)
    data = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return company_services.company_bank_account_update(actor=request.auth, account=account, **data)


@companies_router.delete("companies/{int:company_id}/bank-accounts/{int:account_id}", response={204: None})
def bank_accounts_remove(request, company_id: int, account_id: int):
    company = queries.company_get(request.auth, company_id)
    account = _bank_account(company, account_id)
    company_services.company_bank_account_remove(actor=request.auth, account=account)
    return Status(204, None)


@companies_router.get("companies/{int:company_id}/timeline", response=TimelinePage)
def companies_timeline(
    request, company_id: int, kinds: str | None = None, cursor: str | None = None, limit: int = 50
):
    """T4/R3: everything that happened to the company, newest first."""
    company = queries.company_get(request.auth, company_id)
    return timeline_page(company, kinds=kinds, cursor=cursor, limit=limit)


@companies_router.post("companies/{int:company_id}/comments", response={201: EventOut})
def companies_comment(request, company_id: int, payload: CommentIn):
    company = queries.company_get(request.auth, company_id)
    return Status(201, timeline.comment_add(subject=company, actor=request.auth, text=payload.text))


@companies_router.get("companies/{int:company_id}/files", response=list[AttachmentOut])
def companies_files(request, company_id: int):
    company = queries.company_get(request.auth, company_id)
    ct = ContentType.objects.get_for_model(company)
    return list(Attachment.objects.filter(subject_type=ct, subject_id=company.pk).order_by("-id")[:200])


@companies_router.post("companies/{int:company_id}/files", response={201: AttachmentOut})
def companies_file_upload(
    request,
    company_id: int,
    file: UploadedFile = File(...),
    purpose: str = Form(Attachment.Purpose.COMPANY_CARD),
):
    """T4/C4: the company card (or any file) on the company's record and timeline."""
    company = queries.company_get(request.auth, company_id)
    return Status(
        201,
        company_services.company_file_attach(
            actor=request.auth, company=company, uploaded_file=file, purpose=purpose
        ),
    )


# ---------------------------------------------------------------- contacts


@contacts_router.get("contacts", response=ContactPage)
def contacts_list(
    request,
    q: str | None = None,
    company_id: int | None = None,
    responsible_id: int | None = None,
    mine: bool = False,
    ordering: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
):
    """Contacts the user may see (R2); filter by name fragment (q), company, responsible, mine."""
    qs = queries.contacts_list(
        request.auth,
        q=q,
        company_id=company_id,
        responsible_id=responsible_id,
        mine=mine,
    ).prefetch_related("points", "companies")
    qs = qs.select_related("source")
    items, next_cursor = paginate(
        qs, ordering=ordering, allowed=CONTACT_ORDERING, default="name", cursor=cursor, limit=limit
    )
    return {"items": items, "next_cursor": next_cursor}


@contacts_router.post("contacts", response={201: ContactOut})
def contacts_create(request, payload: ContactIn):
    """C4/step 3: operators and managers create contacts; phones and e-mails normalised (L3)."""
    company = None
    if payload.company_id:
        with request_fields(id="company_id"):
            company = queries.company_get(request.auth, payload.company_id)
    responsible, source = _user(payload.responsible_id), _source(payload.source)
    with request_fields(payload):
        contact = contact_services.contact_create(
            actor=request.auth,
            first_name=payload.first_name,
            last_name=payload.last_name,
            middle_name=payload.middle_name,
            position=payload.position,
            phones=_points(payload.phones),
            emails=_points(payload.emails),
            messengers=_points(payload.messengers),
            company=company,
            responsible=responsible,
            source=source,
            comment=payload.comment,
            is_shared=payload.is_shared,
        )
    return Status(201, _contact_detail(request.auth, contact.pk))


@contacts_router.get("contacts/{int:contact_id}", response=ContactOut)
def contacts_get(request, contact_id: int):
    return _contact_detail(request.auth, contact_id)


@contacts_router.patch("contacts/{int:contact_id}", response=ContactOut)
def contacts_update(request, contact_id: int, payload: ContactPatch):
    contact = queries.contact_get(request.auth, contact_id)
    data = payload.dict(exclude_unset=True)
    kwargs: dict = {}
    for name in ("first_name", "last_name", "middle_name", "position", "comment", "is_shared"):
        if name in data:
            if data[name] is None:
                raise InvalidInput(_("%(field)s cannot be null.") % {"field": name}, field=name)
            kwargs[name] = data[name]
    if "responsible_id" in data:
        kwargs["responsible"] = _user(data["responsible_id"])
    if "source" in data:
        kwargs["source"] = _source(data["source"])
    for name in ("phones", "emails", "messengers"):
        if name in data:
            kwargs[name] = _points(getattr(payload, name) or [])
    with request_fields(payload):
        contact_services.contact_update(actor=request.auth, contact=contact, **kwargs)
    return _contact_detail(request.auth, contact_id)


@contacts_router.post("contacts/{int:contact_id}/companies", response={201: ContactOut})
def contacts_link_company(request, contact_id: int, payload: LinkIn):
    """C5: the contact represents the company; written on both timelines."""
    contact = queries.contact_get(request.auth, contact_id)
    with request_fields(id="company_id"):
        company = queries.company_get(request.auth, payload.company_id)
    with request_fields(payload):
        contact_services.contact_link_company(actor=request.auth, contact=contact, company=company)
    return Status(201, _contact_detail(request.auth, contact_id))


@contacts_router.delete("contacts/{int:contact_id}/companies/{int:company_id}", response={204: None})
def contacts_unlink_company(request, contact_id: int, company_id: int):
    contact = queries.contact_get(request.auth, contact_id)
    company = queries.company_get(request.auth, company_id)
    contact_services.contact_unlink_company(actor=request.auth, contact=contact, company=company)
    return Status(204, None)


@contacts_router.post("contacts/{int:contact_id}/points", response={201: PointOut})
def contacts_point_add(request, contact_id: int, payload: ContactPointIn):
    contact = queries.contact_get(request.auth, contact_id)
    return Status(
        201,
        contact_services.contact_point_add(
            actor=request.auth, contact=contact, kind=payload.kind, value=payload.value, label=payload.label
        ),
    )


@contacts_router.delete("contacts/{int:contact_id}/points/{int:point_id}", response={204: None})
def contacts_point_remove(request, contact_id: int, point_id: int):
    contact = queries.contact_get(request.auth, contact_id)
    point = contact.points.filter(pk=point_id).first()
    if point is None:
        raise NotFound(_("Phone or e-mail not found."), field="point_id")
    contact_services.contact_point_remove(actor=request.auth, point=point)
    return Status(204, None)


@contacts_router.get("contacts/{int:contact_id}/timeline", response=TimelinePage)
def contacts_timeline(
    request, contact_id: int, kinds: str | None = None, cursor: str | None = None, limit: int = 50
):
    contact = queries.contact_get(request.auth, contact_id)
    return timeline_page(contact, kinds=kinds, cursor=cursor, limit=limit)


@contacts_router.post("contacts/{int:contact_id}/comments", response={201: EventOut})
def contacts_comment(request, contact_id: int, payload: CommentIn):
    contact = queries.contact_get(request.auth, contact_id)
    return Status(201, timeline.comment_add(subject=contact, actor=request.auth, text=payload.text))


# ---------------------------------------------------------------- counterparty requests (C4)


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


# ---------------------------------------------------------------- search (C3)


@search_router.get("search/companies", response=SearchOut)
def search_companies(request, q: str = "", limit: int = 20):
    """C3: companies by name, phone, INN or VAT id fragment from one box (`q`), R2-scoped."""
    if limit < 1 or limit > 100:
        raise InvalidInput(_("limit: must be between 1 and 100."), field="limit")
    return {"items": search.search_companies(request.auth, q, limit=limit)}
