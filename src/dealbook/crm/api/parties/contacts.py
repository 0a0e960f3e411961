"""Contacts under /api/v1/: list, create, update, merge, company links, points and timeline."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Schema, Status

from dealbook.api.fields import request_fields
from dealbook.api.pagination import paginate
from dealbook.api.schemas import CommentIn, EventOut, TimelinePage, timeline_page
from dealbook.core import timeline
from dealbook.core.errors import InvalidInput, NotFound
from dealbook.crm.api.parties.common import (
    PartiesRouter,
    _contact_detail,
    _points,
    _source,
    _user,
)
from dealbook.crm.api.parties.schemas import (
    ContactIn,
    ContactOut,
    ContactPage,
    ContactPatch,
    ContactPointIn,
    LinkIn,
    PointOut,
)
from dealbook.crm.queries import parties as queries
from dealbook.crm.services import contacts as contact_services

contacts_router = PartiesRouter(tags=["contacts"])


CONTACT_ORDERING = {"name": "last_name", "id": "pk", "created_at": "created_at"}


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


class MergeIn(Schema):
    other_id: int


@contacts_router.post("contacts/{int:contact_id}/merge", response=ContactOut)
def contacts_merge(request, contact_id: int, payload: MergeIn):
    """L3: the other contact (a duplicate) is folded into this one and deleted; its deals, leads,
    companies, phones, tasks and timeline move here. The responsible of both or their manager."""
    contact = queries.contact_get(request.auth, contact_id)
    with request_fields(id="other_id"):
        other = queries.contact_get(request.auth, payload.other_id)
    with request_fields(payload):
        contact_services.contact_merge(actor=request.auth, keep=contact, merge=other)
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
