"""Pipelines and deals under /api/v1/: lists, kanban headers, moves, assignment, lines, timeline.

Handlers fetch through a visibility-scoped query (R2: a deal the user may not see is a 404), turn
ids into records, call one service and return. The business rules live in crm.services.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from dealbook.accounts.models import User
from dealbook.api.fields import request_fields
from dealbook.api.schemas import CommentIn, EventOut, TimelinePage, timeline_page
from dealbook.catalog.models import TaxProfile
from dealbook.core import timeline
from dealbook.core.errors import InvalidInput, NotFound
from dealbook.core.models import Attachment
from dealbook.crm import totals
from dealbook.crm.api.deal_schemas import (
    AssignIn,
    AttachmentOut,
    ContactLinkIn,
    ContactRefIn,
    DealIn,
    DealLineIn,
    DealLineOut,
    DealLinePatch,
    DealOut,
    DealPage,
    DealPatch,
    HeadersOut,
    LinesOut,
    LostReasonOut,
    MoveIn,
    PipelineIn,
    PipelineOut,
    StageAddIn,
    StageOrderIn,
    StageOut,
    StagePatch,
)
from dealbook.crm.models import DealContact, Pipeline
from dealbook.crm.queries import deals as dq
from dealbook.crm.queries.parties import companies_visible, contacts_visible
from dealbook.crm.services import deals as deal_services
from dealbook.crm.services import lines as line_services
from dealbook.crm.services import pipelines as pipeline_services

pipelines_router = Router(tags=["pipelines"])
deals_router = Router(tags=["deals"])
routers: list[Router] = [pipelines_router, deals_router]


# ---------------------------------------------------------------- resolving ids


def _pipeline(pk) -> Pipeline:
    pk = dq.as_id(pk)
    pipeline = Pipeline.objects.filter(pk=pk, is_active=True).first() if pk else None
    if pipeline is None:
        raise InvalidInput(_("Unknown pipeline."), field="pipeline_id")
    return pipeline


def _company(user, pk):
    if pk is None:
        return None
    pk = dq.as_id(pk)
    company = companies_visible(user).filter(pk=pk).first() if pk else None
    if company is None:
        raise InvalidInput(_("Unknown company."), field="company_id")
    return company


def _contacts(user, ids, field: str = "contact_ids") -> list:
    ids = list(dict.fromkeys(ids or []))
    found = {c.pk: c for c in contacts_visible(user).filter(pk__in=[i for i in ids if dq.as_id(i)])}
    missing = [i for i in ids if i not in found]
    if missing:
        raise InvalidInput(_("Unknown contact %(id)s.") % {"id": missing[0]}, field=field)
    return [found[i] for i in ids]


def _user(pk, field: str = "responsible_id"):
    if pk is None:
        return None
    pk = dq.as_id(pk)
    user = User.objects.filter(pk=pk, is_active=True).first() if pk else None
    if user is None:
        raise InvalidInput(_("Unknown or inactive user."), field=field)
    return user


def _tax_profile(pk):
    if pk is None:
        return None
    pk = dq.as_id(pk)
    profile = TaxProfile.objects.filter(pk=pk).first() if pk else None
    if profile is None:
        raise InvalidInput(_("Unknown tax profile."), field="tax_profile_id")
    return profile


# ---------------------------------------------------------------- output


def _list_row(row: dq.DealRow) -> dict:
    return {
        "id": row["id"],
        "title": row["title"],
        "pipeline_id": row["pipeline_id"],
        "stage_id": row["stage_id"],
        "stage_name": row["stage__name"],
        "stage_code": row["stage__code"],
        "stage_kind": row["stage__kind"],
        "responsible_id": row["responsible_id"],
        "responsible_name": row.responsible_name,
        "company_id": row["company_id"],
        "company_name": row["company__name"],
        "amount": row["amount"],
        "tax_amount": row["tax_amount"],
        "currency": row["currency"],
        "is_shared": row["is_shared"],
        "source_id": row["source_id"],
        "created_at": row["created_at"],
        "close_date": row["close_date"],
    }


def _detail(user, pk) -> dict:
    d = dq.deal_for(user, pk)
    links = DealContact.objects.filter(deal=d).select_related("contact").order_by("-is_primary", "id")
    return {
        "id": d.pk,
        "title": d.title,
        "pipeline_id": d.pipeline_id,
        "stage_id": d.stage_id,
        "stage_name": d.stage.name,
        "stage_code": d.stage.code,
        "stage_kind": d.stage.kind,
        "responsible_id": d.responsible_id,
        "responsible_name": d.responsible.display_name if d.responsible_id else None,
        "company_id": d.company_id,
        "company_name": d.company.name if d.company_id else None,
        "amount": d.amount,
        "tax_amount": d.tax_amount,
        "currency": d.currency,
        "is_shared": d.is_shared,
        "source_id": d.source_id,
        "created_at": d.created_at,
        "close_date": d.close_date,
        "deal_type": d.deal_type,
        "location": d.location,
        "delivery_address": d.delivery_address,
        "comment": d.comment,
        "tax_profile_id": d.tax_profile_id,
        "tax_date": d.tax_date,
        "begin_date": d.begin_date,
        "probability": d.probability,
        "lost_reason_id": d.lost_reason_id,
        "lost_comment": d.lost_comment,
        "lead_id": d.lead_id,
        "created_by_id": d.created_by_id,
        "updated_at": d.updated_at,
        "stage_changed_at": d.stage_changed_at,
        "closed_at": d.closed_at,
        "is_closed": d.stage.is_closed,
        "contacts": [
            {
                "contact_id": x.contact_id,
                "name": x.contact.full_name,
                "is_primary": x.is_primary,
                "role": x.role,
            }
            for x in links
        ],
        "tax_warning": line_services.deal_tax_warning(d),
    }


def _lines(deal) -> dict:
    return {
        "items": list(dq.deal_lines(deal)),
        "amount": deal.amount,
        "tax_amount": deal.tax_amount,
        "currency": deal.currency,
        "tax_warning": line_services.deal_tax_warning(deal),
    }


# ---------------------------------------------------------------- pipelines


@pipelines_router.get("pipelines", response=list[PipelineOut])
def pipelines_list(request):
    """D1: the active pipelines with their stages in order."""
    return list(dq.pipelines_active())


@pipelines_router.post("pipelines", response={201: PipelineOut})
def pipelines_create(request, payload: PipelineIn):
    """D1: an administrator adds a pipeline (default stages unless given)."""
    stages = [s.dict() for s in payload.stages] if payload.stages is not None else None
    pipeline = pipeline_services.pipeline_create(
        actor=request.auth, name=payload.name, stages=stages, sort=payload.sort, is_default=payload.is_default
    )
    return Status(201, dq.pipeline_for(pipeline.pk))


@pipelines_router.get("pipelines/{int:pipeline_id}", response=PipelineOut)
def pipelines_get(request, pipeline_id: int):
    return dq.pipeline_for(pipeline_id)


@pipelines_router.get("pipelines/{int:pipeline_id}/headers", response=HeadersOut)
def pipelines_headers(request, pipeline_id: int):
    """D6 kanban headers: count and sum per stage from the running totals, R2-scoped."""
    pk = dq.as_id(pipeline_id)
    pipeline = Pipeline.objects.filter(pk=pk).first() if pk else None
    if pipeline is None:
        raise NotFound(_("Pipeline not found."), field="id")
    items = [
        {
            "stage_id": h["stage"].pk,
            "stage_name": h["stage"].name,
            "stage_code": h["stage"].code,
            "stage_kind": h["stage"].kind,
            "count": h["count"],
            "amount": h["amount"],
            "amounts": h["amounts"],
        }
        for h in totals.stage_headers(request.auth, pipeline)
    ]
    return {"pipeline_id": pipeline.pk, "currency": settings.DEALBOOK_DEFAULT_CURRENCY, "items": items}


@pipelines_router.post("pipelines/{int:pipeline_id}/stages", response={201: StageOut})
def pipelines_stage_add(request, pipeline_id: int, payload: StageAddIn):
    pipeline = dq.pipeline_for(pipeline_id)
    after = None
    if payload.after_id is not None:
        after = next((s for s in pipeline.stages.all() if s.pk == payload.after_id), None)
        if after is None:
            raise InvalidInput(_("Unknown stage, or a stage of another pipeline."), field="after_id")
    with request_fields(payload, after="after_id"):
        stage = pipeline_services.stage_add(
            actor=request.auth,
            pipeline=pipeline,
            name=payload.name,
            code=payload.code,
            kind=payload.kind,
            color=payload.color,
            after=after,
        )
    return Status(201, stage)


@pipelines_router.patch("pipelines/{int:pipeline_id}/stages/{int:stage_id}", response=StageOut)
def pipelines_stage_patch(request, pipeline_id: int, stage_id: int, payload: StagePatch):
    pipeline = dq.pipeline_for(pipeline_id)
    stage = next((s for s in pipeline.stages.all() if s.pk == stage_id), None)
    if stage is None:
        raise NotFound(_("Stage not found."), field="stage_id")
    return pipeline_services.stage_rename(
        actor=request.auth, stage=stage, name=payload.name, color=payload.color
    )


@pipelines_router.post("pipelines/{int:pipeline_id}/stages/reorder", response=list[StageOut])
def pipelines_stage_reorder(request, pipeline_id: int, payload: StageOrderIn):
    pipeline = dq.pipeline_for(pipeline_id)
    return pipeline_services.stage_reorder(actor=request.auth, pipeline=pipeline, stage_ids=payload.stage_ids)


@pipelines_router.get("lost-reasons", response=list[LostReasonOut])
def lost_reasons_list(request):
    """D1: the loss reasons a move to a lost stage chooses from."""
    return list(dq.lost_reasons_active())


# ---------------------------------------------------------------- deals


@deals_router.get("deals", response=DealPage)
def deals_list(
    request,
    pipeline_id: int | None = None,
    stage_id: int | None = None,
    responsible_id: int | None = None,
    mine: bool = False,
    status: str | None = None,
    company_id: int | None = None,
    source: str | None = None,
    created_from: dt.date | None = None,
    created_to: dt.date | None = None,
    q: str | None = None,
    ordering: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
):
    """D6 filtered deal list (R2-scoped), newest first by default, one query per page.

    Filters: pipeline_id, stage_id, responsible_id, mine, status (open/won/lost), company_id, source
    (id or code), created_from/created_to, q (title fragment). Ordering: id, created_at, amount, title
    (prefix "-").
    """
    with request_fields("pipeline_id", "stage_id", "responsible_id", "company_id"):
        items, next_cursor = dq.deal_page(
            request.auth,
            ordering=ordering,
            cursor=cursor,
            limit=limit,
            pipeline=pipeline_id,
            stage=stage_id,
            responsible=responsible_id,
            mine=mine,
            status=status,
            company=company_id,
            source=source,
            created_from=created_from,
            created_to=created_to,
            q=q,
        )
    return {"items": [_list_row(d) for d in items], "next_cursor": next_cursor}


@deals_router.post("deals", response={201: DealOut})
def deals_create(request, payload: DealIn):
    """D1/D3/C5: create a deal; without a responsible, routing picks one."""
    user = request.auth
    contacts = _contacts(user, payload.contact_ids)
    primary = None
    if payload.primary_contact_id is not None:
        primary = _contacts(user, [payload.primary_contact_id], field="primary_contact_id")[0]
    pipeline = _pipeline(payload.pipeline_id)
    company = _company(user, payload.company_id)
    responsible = _user(payload.responsible_id)
    tax_profile = _tax_profile(payload.tax_profile_id)
    with request_fields(payload):
        deal = deal_services.deal_create(
            actor=user,
            title=payload.title,
            pipeline=pipeline,
            company=company,
            contacts=contacts,
            primary_contact=primary,
            responsible=responsible,
            source=payload.source,
            deal_type=payload.deal_type,
            location=payload.location,
            delivery_address=payload.delivery_address,
            comment=payload.comment,
            tax_profile=tax_profile,
            tax_date=payload.tax_date,
            begin_date=payload.begin_date,
            close_date=payload.close_date,
            is_shared=payload.is_shared,
            currency=payload.currency,
        )
    return Status(201, _detail(user, deal.pk))


@deals_router.get("deals/{int:deal_id}", response=DealOut)
def deals_get(request, deal_id: int):
    return _detail(request.auth, deal_id)


@deals_router.patch("deals/{int:deal_id}", response=DealOut)
def deals_patch(request, deal_id: int, payload: DealPatch):
    """D5 fields (R3 from/to on the timeline); D4 amount only while the deal has no lines."""
    user = request.auth
    deal = dq.deal_for(user, deal_id)
    fields = payload.dict(exclude_unset=True)
    if "company_id" in fields:
        fields["company"] = _company(user, fields.pop("company_id"))
    if "tax_profile_id" in fields:
        if fields["tax_profile_id"] is None:
            raise InvalidInput(_("Choose a tax profile."), field="tax_profile_id")
        fields["tax_profile"] = _tax_profile(fields.pop("tax_profile_id"))
    with request_fields(payload):
        deal_services.deal_update(actor=user, deal=deal, **fields)
    return _detail(user, deal_id)


@deals_router.delete("deals/{int:deal_id}", response={204: None})
def deals_delete(request, deal_id: int):
    """R1 directors and administrators delete open deals (D8: closed ones are history); a deal with
    invoices is refused (409, code deal_has_invoices); the kanban totals follow."""
    deal = dq.deal_for(request.auth, deal_id)
    deal_services.deal_delete(actor=request.auth, deal=deal)
    return Status(204, None)


@deals_router.post("deals/{int:deal_id}/copy", response={201: DealOut})
def deals_copy(request, deal_id: int):
    """A new deal with the same fields, contacts and lines; the caller is its responsible (R3 COPIED
    on both timelines). Closed deals may be copied."""
    deal = dq.deal_for(request.auth, deal_id)
    copy = deal_services.deal_copy(actor=request.auth, deal=deal)
    return Status(201, _detail(request.auth, copy.pk))


@deals_router.post("deals/{int:deal_id}/move", response=DealOut)
def deals_move(request, deal_id: int, payload: MoveIn):
    """D1/D2/D8: move to a stage of the deal's pipeline (id or code); lost needs a reason."""
    deal = dq.deal_for(request.auth, deal_id)
    deal_services.deal_move(
        actor=request.auth,
        deal=deal,
        stage=payload.stage,
        lost_reason=payload.lost_reason,
        lost_comment=payload.lost_comment,
    )
    return _detail(request.auth, deal_id)


@deals_router.post("deals/{int:deal_id}/assign", response=DealOut)
def deals_assign(request, deal_id: int, payload: AssignIn):
    """D3: hand the deal to a manager (moves an incoming deal to "Responsible assigned")."""
    deal = dq.deal_for(request.auth, deal_id)
    responsible = _user(payload.responsible_id)
    with request_fields(payload):
        deal_services.deal_assign(actor=request.auth, deal=deal, responsible=responsible)
    return _detail(request.auth, deal_id)


@deals_router.post("deals/{int:deal_id}/contacts", response={201: DealOut})
def deals_contact_add(request, deal_id: int, payload: ContactLinkIn):
    """C5: link a contact (the first one becomes primary)."""
    deal = dq.deal_for(request.auth, deal_id)
    contact = _contacts(request.auth, [payload.contact_id], field="contact_id")[0]
    with request_fields(payload):
        deal_services.deal_contact_add(
            actor=request.auth, deal=deal, contact=contact, is_primary=payload.is_primary, role=payload.role
        )
    return Status(201, _detail(request.auth, deal_id))


@deals_router.delete("deals/{int:deal_id}/contacts/{int:contact_id}", response=DealOut)
def deals_contact_remove(request, deal_id: int, contact_id: int):
    deal = dq.deal_for(request.auth, deal_id)
    with request_fields("contact_id"):
        deal_services.deal_contact_remove(actor=request.auth, deal=deal, contact=contact_id)
    return _detail(request.auth, deal_id)


@deals_router.post("deals/{int:deal_id}/contacts/primary", response=DealOut)
def deals_contact_primary(request, deal_id: int, payload: ContactRefIn):
    deal = dq.deal_for(request.auth, deal_id)
    with request_fields(payload):
        deal_services.deal_set_primary_contact(actor=request.auth, deal=deal, contact=payload.contact_id)
    return _detail(request.auth, deal_id)


@deals_router.get("deals/{int:deal_id}/lines", response=LinesOut)
def deals_lines(request, deal_id: int):
    return _lines(dq.deal_for(request.auth, deal_id))


@deals_router.post("deals/{int:deal_id}/lines", response={201: DealLineOut})
def deals_line_add(request, deal_id: int, payload: DealLineIn):
    """P1–P6: a catalog product in its unit; the deal amount follows (D4)."""
    deal = dq.deal_for(request.auth, deal_id)
    data = payload.dict()
    data["product"] = data.pop("product_id")
    with request_fields(payload):
        line = line_services.line_add(actor=request.auth, deal=deal, **data)
    return Status(201, dq.line_for(deal, line.pk))


@deals_router.patch("deals/{int:deal_id}/lines/{int:line_id}", response=DealLineOut)
def deals_line_patch(request, deal_id: int, line_id: int, payload: DealLinePatch):
    deal = dq.deal_for(request.auth, deal_id)
    line = dq.line_for(deal, line_id)
    fields = {k: v for k, v in payload.dict(exclude_unset=True).items()}
    line_services.line_update(actor=request.auth, line=line, deal=deal, **fields)
    return dq.line_for(deal, line_id)


@deals_router.delete("deals/{int:deal_id}/lines/{int:line_id}", response={204: None})
def deals_line_remove(request, deal_id: int, line_id: int):
    deal = dq.deal_for(request.auth, deal_id)
    line = dq.line_for(deal, line_id)
    line_services.line_remove(actor=request.auth, line=line, deal=deal)
    return Status(204, None)


@deals_router.get("deals/{int:deal_id}/timeline", response=TimelinePage)
def deals_timeline(
    request, deal_id: int, kinds: str | None = None, cursor: str | None = None, limit: int = 50
):
    """D2/T4: the deal's events, newest first."""
    return timeline_page(dq.deal_for(request.auth, deal_id), kinds=kinds, cursor=cursor, limit=limit)


@deals_router.post("deals/{int:deal_id}/comments", response={201: EventOut})
def deals_comment(request, deal_id: int, payload: CommentIn):
    """T4: a comment on the deal's timeline."""
    deal = dq.deal_for(request.auth, deal_id)
    return Status(201, timeline.comment_add(subject=deal, actor=request.auth, text=payload.text))


@deals_router.get("deals/{int:deal_id}/files", response=list[AttachmentOut])
def deals_files(request, deal_id: int):
    deal = dq.deal_for(request.auth, deal_id)
    ct = ContentType.objects.get_for_model(deal)
    return list(Attachment.objects.filter(subject_type=ct, subject_id=deal.pk).order_by("-id")[:200])


@deals_router.post("deals/{int:deal_id}/files", response={201: AttachmentOut})
def deals_file_upload(request, deal_id: int, file: UploadedFile = File(...), purpose: str = Form("file")):
    """D5: photos, drawings, the company card or any file, shown on the timeline."""
    deal = dq.deal_for(request.auth, deal_id)
    return Status(
        201, timeline.attach_file(subject=deal, actor=request.auth, uploaded_file=file, purpose=purpose)
    )
