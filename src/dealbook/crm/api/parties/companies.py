"""Companies under /api/v1/ (C1–C5): list, create, profile, requisites, take, bank accounts,
timeline and files."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _
from ninja import File, Form, Status
from ninja.files import UploadedFile

from dealbook.api.fields import request_fields
from dealbook.api.pagination import paginate
from dealbook.api.schemas import CommentIn, EventOut, TimelinePage, timeline_page
from dealbook.core import timeline
from dealbook.core.errors import NotFound
from dealbook.core.models import Attachment
from dealbook.crm.api.parties.common import (
    PartiesRouter,
    _bank_account,
    _company_detail,
    _company_kwargs,
    _points,
    _segment,
    _user,
)
from dealbook.crm.api.parties.schemas import (
    AttachmentOut,
    BankAccountIn,
    BankAccountOut,
    BankAccountPatch,
    CompanyIn,
    CompanyOut,
    CompanyPage,
    ProfilePatch,
    RequisitesPatch,
)
from dealbook.crm.queries import parties as queries
from dealbook.crm.services import companies as company_services

companies_router = PartiesRouter(tags=["companies"])


COMPANY_ORDERING = {"name": "name", "id": "pk", "created_at": "created_at", "updated_at": "updated_at"}


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
