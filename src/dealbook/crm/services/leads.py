"""Leads: intake (L1), work on a lead, and conversion into deal/contact (L2) with duplicate checks (L3)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealbook.accounts.policy import can, require, sees_all
from dealbook.core import timeline
from dealbook.core.errors import InvalidInput, NotFound, RuleViolation
from dealbook.core.models import EventKind
from dealbook.crm import hooks
from dealbook.crm.duplicates import DuplicatesFound, find_matches
from dealbook.crm.models import Company, Contact, Lead, LeadStatus, Pipeline, Source
from dealbook.crm.models.leads import LeadChannel
from dealbook.crm.queries.leads import lead_visible_q

# L1: a lead from a channel keeps that channel's source unless the caller names another.
CHANNEL_SOURCE = {
    LeadChannel.API: "api",
    LeadChannel.WEB_FORM: "web_form",
    LeadChannel.CALL: "call",
    LeadChannel.EMAIL: "email",
}
EDITABLE = (
    "title",
    "source",
    "name",
    "company_name",
    "phone",
    "email",
    "inn",
    "comment",
    "pipeline",
    "is_shared",
)


class ConversionMode:
    DEAL_CONTACT = "deal_contact"
    DEAL = "deal"
    CONTACT = "contact"
    ATTACH = "attach"
    ALL = (DEAL_CONTACT, DEAL, CONTACT, ATTACH)


@dataclass(frozen=True)
class ConversionResult:
    lead: Lead
    deal: object | None
    contact: Contact | None
    company: Company | None


def _text(value, field: str, max_length: int, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(_("%(field)s: required.") % {"field": field}, field=field)
    if len(value) > max_length:
        raise InvalidInput(
            _("%(field)s: at most %(n)d characters.") % {"field": field, "n": max_length}, field=field
        )
    return value


def _contact_details(*, phone: str, email: str, inn: str) -> dict:
    """Phone to E.164 and e-mail to lower case (L3 matches on these); invalid ones refused by field."""
    from dealbook.crm.validators import normalize_email, normalize_phone, validate_inn

    phone = _text(phone, "phone", 64)
    email = _text(email, "email", 255)
    inn = _text(inn, "inn", 12)
    return {
        "phone": phone,
        "phone_normalized": normalize_phone(phone, field="phone") if phone else "",
        "email": email,
        "email_normalized": normalize_email(email, field="email") if email else "",
        "inn": validate_inn(inn, field="inn") if inn else "",
    }


def _check_pipeline(pipeline: Pipeline | None) -> None:
    if pipeline is not None and not pipeline.is_active:
        raise InvalidInput(_("Direction '%(name)s' is not active.") % {"name": pipeline}, field="pipeline")


def _check_assignee(actor, responsible, *, field: str = "responsible") -> None:
    if not responsible.is_active:
        raise InvalidInput(_("User '%(name)s' is not active.") % {"name": responsible}, field=field)
    if actor is not None and responsible.pk != actor.pk:
        require(actor, "deal.assign", _("Your role cannot assign leads to others."), field=field)


def _locked(actor, lead: Lead) -> Lead:
    """The lead's row, locked, if the actor may see it (R2); otherwise it does not exist for them."""
    qs = Lead.objects.select_for_update(of=("self",)).filter(pk=lead.pk)
    q = lead_visible_q(actor) if actor is not None else None
    if q is not None:
        qs = qs.filter(q)
    locked = qs.first()
    if locked is None:
        raise NotFound(_("Lead not found."), field="lead")
    return locked


def _refuse_converted(lead: Lead) -> None:
    if lead.status == LeadStatus.CONVERTED:
        raise RuleViolation(
            _("Lead No. %(id)s is already converted; it cannot change.") % {"id": lead.pk},
            field="lead",
            code="lead_converted",
        )


def _notify_assigned(lead: Lead, actor) -> None:
    from dealbook.accounts.services import notify

    if lead.responsible_id and (actor is None or lead.responsible_id != actor.pk):
        notify(
            user=lead.responsible,
            kind="lead_assigned",
            text=_("Lead No. %(id)s assigned to you: %(title)s") % {"id": lead.pk, "title": lead.title},
            url=f"/leads/{lead.pk}/",
        )


@transaction.atomic
def lead_create(
    *,
    actor,
    title: str,
    source: Source | None = None,
    channel: str = LeadChannel.MANUAL,
    name: str = "",
    company_name: str = "",
    phone: str = "",
    email: str = "",
    inn: str = "",
    comment: str = "",
    pipeline: Pipeline | None = None,
    responsible=None,
    external_id: str = "",
    is_shared: bool = False,
) -> Lead:
    """L1: a lead by hand or from an intake channel, keeping its source and channel.

    `actor=None` is an intake channel acting without a user. A lead created by someone who does
    not see every lead is theirs, so it does not vanish from their list (R2). A lead repeated by
    an integration with the same (channel, external_id) returns the first one: retries are safe.
    L3 matches found at intake are counted on the "created" event; intake never blocks on them.
    """
    if actor is not None:
        require(actor, "lead.create", _("Your role cannot create leads."))
    if channel not in LeadChannel.values:
        raise InvalidInput(_("Unknown channel '%(c)s'.") % {"c": channel}, field="channel")
    fields = {
        "title": _text(title, "title", 255, required=True),
        "name": _text(name, "name", 255),
        "company_name": _text(company_name, "company_name", 255),
        "comment": (comment or "").strip(),
        "external_id": _text(external_id, "external_id", 120),
        **_contact_details(phone=phone, email=email, inn=inn),
    }
    _check_pipeline(pipeline)
    if responsible is None and actor is not None and not sees_all(actor):
        responsible = actor
    if responsible is not None:
        _check_assignee(actor, responsible)
    if fields["external_id"]:
        existing = Lead.objects.filter(channel=channel, external_id=fields["external_id"]).first()
        if existing is not None:
            return existing
    if source is None and channel in CHANNEL_SOURCE:
        source = Source.objects.filter(code=CHANNEL_SOURCE[channel]).first()

    lead = Lead(
        **fields,
        channel=channel,
        source=source,
        pipeline=pipeline,
        responsible=responsible,
        is_shared=bool(is_shared),
        created_by=actor,
    )
    try:
        with transaction.atomic():
            lead.save()
    except IntegrityError:
        # a concurrent delivery of the same external id won the race: return its lead
        existing = Lead.objects.filter(channel=channel, external_id=fields["external_id"]).first()
        if existing is None or not fields["external_id"]:
            raise
        return existing

    matches = find_matches(
        phones=[lead.phone_normalized], emails=[lead.email_normalized], inn=lead.inn, exclude=lead
    )
    timeline.record(
        lead,
        EventKind.CREATED,
        actor=actor,
        data={
            "channel": channel,
            "source": source.code if source else None,
            # counts only: the timeline is read by people who may not see the matched records
            "duplicates": matches.counts(),
        },
    )
    _notify_assigned(lead, actor)
    return lead


@transaction.atomic
def lead_update(*, actor, lead: Lead, **changes) -> Lead:
    """L1: correct a lead's details; each changed field is written to its timeline (R3).

    Responsible and status have their own services; a converted lead no longer changes.
    """
    require(actor, "lead.create", _("Your role cannot edit leads."))
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise InvalidInput(_("Field '%(f)s' cannot be changed here.") % {"f": unknown[0]}, field=unknown[0])
    lead = _locked(actor, lead)
    _refuse_converted(lead)

    new = {}
    for key in ("title", "name", "company_name"):
        if key in changes:
            new[key] = _text(changes[key], key, 255, required=key == "title")
    if "comment" in changes:
        new["comment"] = (changes["comment"] or "").strip()
    if {"phone", "email", "inn"} & set(changes):
        details = _contact_details(
            phone=changes.get("phone", lead.phone),
            email=changes.get("email", lead.email),
            inn=changes.get("inn", lead.inn),
        )
        new.update({k: v for k, v in details.items() if k.removesuffix("_normalized") in changes})
    if "pipeline" in changes:
        _check_pipeline(changes["pipeline"])
        new["pipeline"] = changes["pipeline"]
    if "source" in changes:
        new["source"] = changes["source"]
    if "is_shared" in changes:
        new["is_shared"] = bool(changes["is_shared"])

    changed = []
    for key, value in new.items():
        old = getattr(lead, key)
        if old == value:
            continue
        setattr(lead, key, value)
        changed.append(key)
        if not key.endswith("_normalized"):
            timeline.change(lead, key, _plain(old), _plain(value), actor=actor)
    if changed:
        lead.save(update_fields=[*changed, "updated_at"])
    return lead


def _plain(value):
    """Timeline data is JSON: related rows are written as their id and name."""
    if hasattr(value, "pk"):
        return {"id": value.pk, "name": str(value)}
    return value


@transaction.atomic
def lead_set_status(*, actor, lead: Lead, status: str) -> Lead:
    """L1: new ↔ in work ↔ junk. "Converted" is reached only by conversion (L2) and is final."""
    require(actor, "lead.convert", _("Your role cannot work on leads."))
    if status not in LeadStatus.values:
        raise InvalidInput(_("Unknown lead status '%(s)s'.") % {"s": status}, field="status")
    if status == LeadStatus.CONVERTED:
        raise RuleViolation(
            _("A lead becomes converted only by converting it."), field="status", code="status"
        )
    lead = _locked(actor, lead)
    _refuse_converted(lead)
    if lead.status == status:
        return lead
    previous = lead.status
    lead.status = status
    lead.save(update_fields=["status", "updated_at"])
    timeline.record(
        lead, EventKind.STATUS_CHANGED, actor=actor, data={"field": "status", "from": previous, "to": status}
    )
    return lead


@transaction.atomic
def lead_assign(*, actor, lead: Lead, responsible) -> Lead:
    """L1/R3: hand a lead to a manager; who, when, from and to go on its timeline; they are notified."""
    require(actor, "deal.assign", _("Your role cannot assign leads."), field="responsible")
    if responsible is None:
        raise InvalidInput(_("responsible: required."), field="responsible")
    _check_assignee(actor, responsible)
    lead = _locked(actor, lead)
    _refuse_converted(lead)
    if lead.responsible_id == responsible.pk:
        return lead
    previous = lead.responsible
    lead.responsible = responsible
    lead.save(update_fields=["responsible", "updated_at"])
    timeline.record(
        lead,
        EventKind.RESPONSIBLE_CHANGED,
        actor=actor,
        data={"field": "responsible", "from": _plain(previous), "to": _plain(responsible)},
    )
    _notify_assigned(lead, actor)
    return lead


def _default_pipeline(lead: Lead, pipeline: Pipeline | None) -> Pipeline:
    pipeline = pipeline or lead.pipeline
    if pipeline is None:
        pipeline = Pipeline.objects.filter(is_active=True).order_by("-is_default", "sort", "id").first()
    if pipeline is None:
        raise InvalidInput(_("Choose a direction for the deal."), field="pipeline")
    _check_pipeline(pipeline)
    return pipeline


def _require_visible(actor, record: str, obj) -> None:
    """The actor may use only records they may see (R2); others do not exist for them."""
    from dealbook.crm.queries.leads import leads_visible
    from dealbook.crm.queries.parties import companies_visible, contacts_visible

    scoped = {"contact": contacts_visible, "company": companies_visible, "lead": leads_visible}[record]
    if not scoped(actor).filter(pk=obj.pk).exists():
        raise NotFound(_("%(field)s not found.") % {"field": record}, field=record)


def _check_conversion(*, actor, lead, mode, contact, company, first_name) -> None:
    if mode not in ConversionMode.ALL:
        raise InvalidInput(_("Unknown conversion mode '%(m)s'.") % {"m": mode}, field="mode")
    if lead.status == LeadStatus.JUNK:
        raise RuleViolation(
            _("Lead No. %(id)s is junk; return it to work before converting.") % {"id": lead.pk},
            field="status",
            code="lead_junk",
        )
    if mode == ConversionMode.ATTACH and contact is None and company is None:
        raise InvalidInput(_("Choose the contact or company to attach the lead to."), field="contact")
    if mode != ConversionMode.ATTACH and contact is not None:
        raise InvalidInput(
            _("An existing contact is used by attaching the lead to it."), field="contact", code="mode"
        )
    if contact is not None:
        _require_visible(actor, "contact", contact)
    if company is not None:
        _require_visible(actor, "company", company)
    if mode in (ConversionMode.DEAL_CONTACT, ConversionMode.CONTACT) and not (first_name or "").strip():
        raise InvalidInput(_("first_name: required for the new contact."), field="first_name")


@transaction.atomic
def lead_convert(
    *,
    actor,
    lead: Lead,
    mode: str,
    pipeline: Pipeline | None = None,
    deal_title: str | None = None,
    contact: Contact | None = None,
    company: Company | None = None,
    first_name: str | None = None,
    last_name: str = "",
    middle_name: str = "",
    position: str = "",
    responsible=None,
    source: Source | None = None,
    deal_type: str = "goods",
    location: str = "",
    delivery_address: str = "",
    deal_comment: str | None = None,
    tax_profile=None,
    tax_date=None,
    begin_date=None,
    close_date=None,
    is_shared: bool | None = None,
    currency: str | None = None,
    with_deal: bool = True,
    confirm_duplicates: bool = False,
) -> ConversionResult:
    """L2: one action turns a lead into deal + contact, a deal, a contact, or attaches it to an
    existing contact/company (with a deal unless `with_deal=False`), recorded on every timeline.

    L3: before anything is written, modes that create records look for duplicates; unless the
    user confirmed, DuplicatesFound (409, code "duplicates") lists them so they can attach instead.
    Converting twice is refused (409, code "lead_converted"); nothing is half-written on error.
    A company is never created here: counterparties belong to accounting (C4); an existing one is bound.
    """
    require(actor, "lead.convert", _("Your role cannot convert leads."))
    lead = _locked(actor, lead)
    _refuse_converted(lead)
    first_name = (first_name or "").strip() or lead.name
    _check_conversion(
        actor=actor, lead=lead, mode=mode, contact=contact, company=company, first_name=first_name
    )
    makes_deal = mode in (ConversionMode.DEAL_CONTACT, ConversionMode.DEAL) or (
        mode == ConversionMode.ATTACH and with_deal
    )
    pipeline = _default_pipeline(lead, pipeline) if makes_deal else None
    responsible = _conversion_responsible(actor, lead, responsible)
    is_shared = lead.is_shared if is_shared is None else bool(is_shared)
    if mode != ConversionMode.ATTACH and not confirm_duplicates:
        _refuse_duplicates(actor, lead)

    names = {
        "first_name": first_name,
        "last_name": last_name,
        "middle_name": middle_name,
        "position": position,
    }
    contact = _conversion_contact(
        actor, lead, mode, contact, company, names=names, responsible=responsible, is_shared=is_shared
    )
    deal = None
    if makes_deal:
        from dealbook.crm.services.deals import deal_create

        deal = deal_create(
            actor=actor,
            title=(deal_title or "").strip() or lead.title,
            pipeline=pipeline,
            company=company,
            contacts=[contact] if contact else (),
            primary_contact=contact,
            responsible=responsible,
            source=source or lead.source,
            comment=lead.comment if deal_comment is None else deal_comment,
            is_shared=is_shared,
            lead=lead,
            deal_type=deal_type,
            location=location,
            delivery_address=delivery_address,
            tax_profile=tax_profile,
            tax_date=tax_date,
            begin_date=begin_date,
            close_date=close_date,
            currency=currency,
        )
    _mark_converted(actor, lead, mode, deal, contact, company, confirmed=confirm_duplicates)
    hooks.run("lead_converted", lead=lead, actor=actor, deal=deal, contact=contact, company=company)
    return ConversionResult(lead=lead, deal=deal, contact=contact, company=company)


def _conversion_responsible(actor, lead: Lead, responsible):
    if responsible is not None:
        _check_assignee(actor, responsible)
        return responsible
    if lead.responsible_id and (lead.responsible_id == actor.pk or can(actor, "deal.assign")):
        return lead.responsible
    # a shared lead of someone else, converted by a manager who may not assign: the new contact is
    # the actor's and the deal is routed (D3)
    return None


def _refuse_duplicates(actor, lead: Lead) -> None:
    """L3: the matches the actor must see before new records are made (masked by R2)."""
    matches = find_matches(
        phones=[lead.phone_normalized],
        emails=[lead.email_normalized],
        inn=lead.inn,
        exclude=lead,
        viewer=actor,
    )
    if matches:
        raise DuplicatesFound(matches)


def _conversion_contact(actor, lead, mode, contact, company, *, names, responsible, is_shared):
    """The new contact made from the lead's details, or the existing one (linked to the company)."""
    from dealbook.crm.services.contacts import contact_create, contact_link_company

    if mode in (ConversionMode.DEAL_CONTACT, ConversionMode.CONTACT):
        return contact_create(
            actor=actor,
            **names,
            phones=[lead.phone] if lead.phone else (),
            emails=[lead.email] if lead.email else (),
            company=company,
            responsible=responsible,
            source=lead.source,
            is_shared=is_shared,
        )
    if contact is not None and company is not None:
        contact_link_company(actor=actor, contact=contact, company=company)  # no-op when linked
    return contact


def _mark_converted(actor, lead: Lead, mode, deal, contact, company, *, confirmed: bool) -> None:
    """L2: the lead keeps its links; one event on every timeline concerned, tied by one group."""
    lead.status = LeadStatus.CONVERTED
    lead.converted_at = timezone.now()
    lead.deal, lead.contact, lead.company = deal, contact, company
    lead.save(update_fields=["status", "converted_at", "deal", "contact", "company", "updated_at"])
    timeline.record_many(
        [lead, deal, contact, company],
        EventKind.CONVERTED,
        actor=actor,
        data={
            "mode": mode,
            "lead": _plain(lead),
            "deal": _plain(deal),
            "contact": _plain(contact),
            "company": _plain(company),
            "duplicates_confirmed": bool(confirmed),
        },
    )


def lead_comment(*, actor, lead: Lead, text: str):
    """T4: a comment on the lead's timeline (also after conversion: it is history, not the lead)."""
    _require_visible(actor, "lead", lead)
    return timeline.comment_add(subject=lead, actor=actor, text=text)
