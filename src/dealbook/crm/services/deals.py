"""Deals: creation, stage moves, assignment, changes, links and deletion (D1–D5, D8, C5, R3).

Every service locks the deal row (select_for_update, only the deal's own row) before changing it,
keeps the kanban running totals exact in the same transaction (crm.totals) and writes the change
to the timeline with who, from and to.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from dealbook.accounts import policy
from dealbook.accounts.models import Role, User
from dealbook.catalog.models import TaxProfile
from dealbook.core import timeline
from dealbook.core.errors import Forbidden, InvalidInput, RuleViolation
from dealbook.core.models import EventKind
from dealbook.core.money import round_money
from dealbook.crm import hooks, totals
from dealbook.crm.models import (
    Company,
    Contact,
    Deal,
    DealContact,
    DealLine,
    DealType,
    Pipeline,
    Stage,
    StageKind,
)
from dealbook.crm.services.deal_base import (  # noqa: F401  (lock_deal, sync, refuse_if_closed: used by lines)
    ASSIGNED,
    FROZEN_WHEN_CLOSED,
    NEW,
    UPDATABLE,
    active_user,
    check_dates,
    clean_currency,
    clean_date,
    clean_text,
    clean_update,
    default_tax_profile,
    first_stage,
    link_data,
    lock_deal,
    notify_assigned,
    refuse_if_closed,
    resolve_lost_reason,
    resolve_source,
    resolve_stage,
    responsible_event,
    stage_event,
    sync,
    value_for_log,
)
from dealbook.crm.services.routing import routing_pick

# ---------------------------------------------------------------- create


@transaction.atomic
def deal_create(
    *,
    actor,
    title: str,
    pipeline: Pipeline,
    company: Company | None = None,
    contacts=(),
    primary_contact: Contact | None = None,
    responsible: User | None = None,
    source=None,
    deal_type: str = DealType.GOODS,
    location: str = "",
    delivery_address: str = "",
    comment: str = "",
    tax_profile: TaxProfile | None = None,
    tax_date: dt.date | None = None,
    begin_date: dt.date | None = None,
    close_date: dt.date | None = None,
    is_shared: bool = False,
    lead=None,
    currency: str | None = None,
) -> Deal:
    """D1 a deal starts in the pipeline's first open stage; D3 without a responsible, routing picks
    one by pipeline and company segment, and an assigned deal moves to "Responsible assigned" and
    notifies the manager; C5 several contacts, one primary; D2 all of it on the timelines."""
    policy.require(actor, "deal.create", _("Your role does not allow creating deals."))
    title = clean_text(title, "title", 255, required=True)
    if not isinstance(pipeline, Pipeline) or not pipeline.is_active:
        raise InvalidInput(_("Choose an active pipeline."), field="pipeline")
    start = first_stage(pipeline)
    if deal_type not in DealType.values:
        raise InvalidInput(_("Unknown deal type '%(type)s'.") % {"type": deal_type}, field="deal_type")
    contact_list = list(dict.fromkeys(c for c in contacts if c is not None))
    if primary_contact is not None and primary_contact not in contact_list:
        contact_list.insert(0, primary_contact)
    primary = primary_contact or (contact_list[0] if contact_list else None)
    begin_date, close_date = clean_date(begin_date, "begin_date"), clean_date(close_date, "close_date")
    check_dates(begin_date, close_date)
    routed = False
    if responsible is not None:
        responsible = active_user(responsible)
    elif getattr(actor, "pk", None) and not policy.sees_all(actor):
        # A manager's own deal stays theirs: routing is for intake, and R2 would hide the deal from its author.
        responsible = actor
    else:
        responsible = routing_pick(pipeline, company.segment_id if company else None)
        routed = responsible is not None
    stage = start
    if responsible is not None:
        stage = pipeline.stages.filter(code=ASSIGNED).first() or start
    now = timezone.now()
    deal = Deal.objects.create(
        title=title,
        pipeline=pipeline,
        stage=stage,
        responsible=responsible,
        is_shared=bool(is_shared),
        company=company,
        currency=clean_currency(currency or settings.DEALBOOK_DEFAULT_CURRENCY),
        tax_profile=tax_profile or default_tax_profile(),
        tax_date=clean_date(tax_date, "tax_date") or timezone.localdate(),
        location=clean_text(location, "location", 255),
        delivery_address=clean_text(delivery_address, "delivery_address", 500),
        source=resolve_source(source),
        deal_type=deal_type,
        begin_date=begin_date,
        close_date=close_date,
        comment=(comment or "").strip(),
        lead=lead,
        created_by=actor if getattr(actor, "pk", None) else None,
        stage_changed_at=now,
    )
    DealContact.objects.bulk_create(
        DealContact(deal=deal, contact=c, is_primary=(c == primary)) for c in contact_list
    )
    timeline.record(
        deal,
        EventKind.CREATED,
        actor=actor,
        data={
            "pipeline": pipeline.pk,
            "pipeline_name": pipeline.name,
            "stage": start.pk,
            "stage_name": start.name,
            "company_id": company.pk if company else None,
            "contact_ids": [c.pk for c in contact_list],
            "lead_id": getattr(lead, "pk", None),
        },
    )
    for other in [company, *contact_list]:
        if other is not None:
            timeline.record(other, EventKind.LINK_ADDED, actor=actor, data=link_data(deal, other))
    if responsible is not None:
        responsible_event(deal, actor, None, responsible, routed=routed)
        if stage != start:
            stage_event(deal, actor, start, stage)
        notify_assigned(deal, actor)
    totals.apply(None, totals.share_of(deal))
    hooks.run("deal_created", deal=deal, actor=actor)
    return deal


# ---------------------------------------------------------------- move and assign


@transaction.atomic
def deal_move(*, actor, deal: Deal, stage, lost_reason=None, lost_comment: str = "") -> Deal:
    """D1 move within the deal's own pipeline (a lost stage needs a loss reason); D7 higher apps may
    refuse through the "deal_can_move" hook; D8 a closed deal does not move; D2 written with from/to."""
    locked = lock_deal(actor, deal)
    return sync(deal, _move_locked(locked, actor, stage, lost_reason, lost_comment))


@transaction.atomic
def deal_advance_for_document(*, actor, deal: Deal, stage, document: dict) -> Deal | None:
    """I7: an invoice issued, sent or paid moves its deal forward to an open stage as a system action
    on the deal's behalf — the actor's role need not allow moving deals (an accountant recording the
    payment, R1), but the actor must see the deal (R2, else NotFound). Only forward, never into a
    won or lost stage; D8 a closed deal stays; D7 guards run. The event names the actor (R3) and the
    document (`document`: e.g. {"invoice_id": 7, "number": "2026 / 7"}). None when nothing moved."""
    locked = lock_deal(actor, deal, capability=None)
    target = resolve_stage(locked.pipeline_id, stage)
    if locked.stage.kind != StageKind.OPEN or target.kind != StageKind.OPEN:
        return None
    if (target.sort, target.pk) <= (locked.stage.sort, locked.stage.pk):
        return None
    return sync(deal, _move_locked(locked, actor, target, None, "", on_behalf_of=document))


def _move_locked(locked: Deal, actor, stage, lost_reason, lost_comment: str, **event_extra) -> Deal:
    target = resolve_stage(locked.pipeline_id, stage)
    refuse_if_closed(locked, _("its stage"))
    if target.pk == locked.stage_id:
        return locked
    reason = resolve_lost_reason(lost_reason) if target.kind == StageKind.LOST else None
    hooks.run("deal_can_move", deal=locked, actor=actor, stage=target)
    before, previous = totals.share_of(locked), locked.stage
    now = timezone.now()
    locked.stage = target
    locked.stage_changed_at = now
    locked.closed_at = now if target.kind != StageKind.OPEN else None
    locked.lost_reason = reason
    locked.lost_comment = (lost_comment or "").strip() if reason else ""
    locked.save(
        update_fields=["stage", "stage_changed_at", "closed_at", "lost_reason", "lost_comment", "updated_at"]
    )
    totals.apply(before, totals.share_of(locked))
    extra = (
        {"lost_reason": reason.pk, "lost_reason_name": reason.name, "lost_comment": locked.lost_comment}
        if reason
        else {}
    )
    stage_event(locked, actor, previous, target, **extra, **event_extra)
    hooks.run("deal_stage_changed", deal=locked, actor=actor, previous_stage=previous)
    return locked


def _may_assign(actor, deal: Deal) -> bool:
    if policy.can(actor, "deal.assign"):
        return True
    current = deal.responsible
    return bool(
        actor.role == Role.GROUP_MANAGER and actor.group_id and current and current.group_id == actor.group_id
    )


@transaction.atomic
def deal_assign(*, actor, deal: Deal, responsible: User) -> Deal:
    """D3 an operator, director, administrator or the responsible's group manager reassigns by hand;
    a deal still in "Incoming request" moves to "Responsible assigned"; the manager is notified; D2."""
    locked = lock_deal(actor, deal, capability=None)
    if not _may_assign(actor, locked):
        raise Forbidden(_("Your role does not allow assigning deals."), field="responsible")
    responsible = active_user(responsible)
    if responsible.pk == locked.responsible_id:
        return sync(deal, locked)
    before, previous, old_stage = totals.share_of(locked), locked.responsible, locked.stage
    locked.responsible = responsible
    fields = ["responsible", "updated_at"]
    if old_stage.code == NEW:
        assigned = Stage.objects.filter(pipeline_id=locked.pipeline_id, code=ASSIGNED).first()
        if assigned is not None:
            locked.stage, locked.stage_changed_at = assigned, timezone.now()
            fields += ["stage", "stage_changed_at"]
    locked.save(update_fields=fields)
    totals.apply(before, totals.share_of(locked))
    responsible_event(locked, actor, previous, responsible)
    if locked.stage_id != old_stage.pk:
        stage_event(locked, actor, old_stage, locked.stage)
    notify_assigned(locked, actor)
    hooks.run("deal_assigned", deal=locked, actor=actor, previous=previous)
    if locked.stage_id != old_stage.pk:
        hooks.run("deal_stage_changed", deal=locked, actor=actor, previous_stage=old_stage)
    return sync(deal, locked)


# ---------------------------------------------------------------- update


@transaction.atomic
def deal_update(*, actor, deal: Deal, **fields) -> Deal:
    """D5 the deal's fields, each change written with from/to (R3); D4 the amount is never typed
    when lines exist; D8 a closed deal's amount and taxes stay; a new tax profile or date reprices
    the lines (P3)."""
    locked = lock_deal(actor, deal)
    unknown = set(fields) - UPDATABLE
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidInput(_("Field '%(field)s' cannot be changed here.") % {"field": name}, field=name)
    cleaned = {name: clean_update(locked, name, value) for name, value in fields.items()}
    changed = {n: v for n, v in cleaned.items() if value_for_log(getattr(locked, n)) != value_for_log(v)}
    if not changed:
        return sync(deal, locked)
    if set(changed) & FROZEN_WHEN_CLOSED:
        refuse_if_closed(locked, _("its amount and taxes"))
    has_lines = DealLine.objects.filter(deal=locked).exists()
    if "amount" in changed and has_lines:
        raise RuleViolation(
            _("The amount is the sum of the deal's lines and cannot be typed by hand."),
            field="amount",
            code="amount_from_lines",
        )
    if "currency" in changed and has_lines:
        raise RuleViolation(
            _("The currency cannot change while the deal has lines."), field="currency", code="deal_has_lines"
        )
    check_dates(changed.get("begin_date", locked.begin_date), changed.get("close_date", locked.close_date))
    before = totals.share_of(locked)
    old = {n: getattr(locked, n) for n in changed}
    for name, value in changed.items():
        setattr(locked, name, value)
    if "currency" in changed and "amount" not in changed:
        locked.amount = round_money(Decimal(locked.amount), locked.currency)
    locked.save()
    if has_lines and ({"tax_profile", "tax_date"} & set(changed)):
        from dealbook.crm.services.lines import reprice_lines

        reprice_lines(locked)
    totals.apply(before, totals.share_of(locked))
    for name in changed:
        if name == "company":
            _company_link_events(locked, actor, old["company"], changed["company"])
        else:
            timeline.change(locked, name, value_for_log(old[name]), value_for_log(changed[name]), actor=actor)
    return sync(deal, locked)


def _company_link_events(deal: Deal, actor, old: Company | None, new: Company | None) -> None:
    if old is not None:
        timeline.record_many([deal, old], EventKind.LINK_REMOVED, actor=actor, data=link_data(deal, old))
    if new is not None:
        timeline.record_many([deal, new], EventKind.LINK_ADDED, actor=actor, data=link_data(deal, new))


def deal_set_company(*, actor, deal: Deal, company: Company | None) -> Deal:
    """C5 the company is bound to the deal (or unbound); D2 written on the deal and the company."""
    return deal_update(actor=actor, deal=deal, company=company)


# ---------------------------------------------------------------- contacts (C5)


@transaction.atomic
def deal_contact_add(
    *, actor, deal: Deal, contact: Contact, is_primary: bool = False, role: str = ""
) -> DealContact:
    """C5 a deal has several contacts, the first (or the chosen one) primary; D2 on both timelines."""
    locked = lock_deal(actor, deal)
    if not isinstance(contact, Contact):
        raise InvalidInput(_("Choose a contact."), field="contact")
    role = clean_text(role, "role", 120)
    links = list(DealContact.objects.filter(deal=locked))
    link = next((link for link in links if link.contact_id == contact.pk), None)
    if link is not None:
        if is_primary and not link.is_primary:
            _set_primary(locked, actor, links, link)
        return link
    make_primary = is_primary or not any(link.is_primary for link in links)
    if make_primary:
        DealContact.objects.filter(deal=locked, is_primary=True).update(is_primary=False)
    link = DealContact.objects.create(deal=locked, contact=contact, is_primary=make_primary, role=role)
    timeline.record_many(
        [locked, contact],
        EventKind.LINK_ADDED,
        actor=actor,
        data={**link_data(locked, contact), "is_primary": make_primary},
    )
    return link


@transaction.atomic
def deal_contact_remove(*, actor, deal: Deal, contact: Contact) -> None:
    """C5 unlink a contact; if it was primary the next one becomes primary; D2 on both timelines."""
    locked = lock_deal(actor, deal)
    links = list(DealContact.objects.filter(deal=locked).order_by("id"))
    link = next((link for link in links if link.contact_id == getattr(contact, "pk", contact)), None)
    if link is None:
        raise InvalidInput(_("This contact is not linked to the deal."), field="contact")
    link.delete()
    rest = [x for x in links if x.pk != link.pk]
    if link.is_primary and rest:
        DealContact.objects.filter(pk=rest[0].pk).update(is_primary=True)
    timeline.record_many(
        [locked, link.contact], EventKind.LINK_REMOVED, actor=actor, data=link_data(locked, link.contact)
    )


def _set_primary(deal: Deal, actor, links: list[DealContact], link: DealContact) -> None:
    old = next((x.contact_id for x in links if x.is_primary), None)
    DealContact.objects.filter(deal=deal, is_primary=True).exclude(pk=link.pk).update(is_primary=False)
    DealContact.objects.filter(pk=link.pk).update(is_primary=True)
    link.is_primary = True
    timeline.change(deal, "primary_contact", old, link.contact_id, actor=actor)


@transaction.atomic
def deal_set_primary_contact(*, actor, deal: Deal, contact: Contact) -> DealContact:
    """C5 one of the deal's contacts is the primary one; R3 from/to."""
    locked = lock_deal(actor, deal)
    links = list(DealContact.objects.filter(deal=locked))
    link = next((x for x in links if x.contact_id == getattr(contact, "pk", contact)), None)
    if link is None:
        raise InvalidInput(_("This contact is not linked to the deal."), field="contact")
    if not link.is_primary:
        _set_primary(locked, actor, links, link)
    return link


# ---------------------------------------------------------------- copy and delete


COPIED_FIELDS = (
    "deal_type",
    "location",
    "delivery_address",
    "comment",
    "is_shared",
    "currency",
    "tax_profile",
)


@transaction.atomic
def deal_copy(*, actor, deal: Deal) -> Deal:
    """A new deal with the same fields, company, contacts (the primary first) and lines; the actor is
    its responsible and it starts like every new deal (D1 first open stage, D3 then "Responsible
    assigned"). A closed deal may be copied too (D8 freezes the deal, not what is made from it).
    The dates are the copy's own: tax date today (P3 reprices the lines), no start or close date.
    R3: COPIED on both timelines, tied by one group."""
    policy.require(actor, "deal.create", _("Your role does not allow creating deals."))
    source = lock_deal(actor, deal, capability=None)
    links = list(
        DealContact.objects.filter(deal=source).select_related("contact").order_by("-is_primary", "id")
    )
    copy = deal_create(
        actor=actor,
        title=source.title,
        pipeline=source.pipeline,
        company=source.company,
        contacts=[link.contact for link in links],
        responsible=actor,
        source=source.source,
        **{name: getattr(source, name) for name in COPIED_FIELDS},
    )
    before = totals.share_of(copy)
    lines = list(DealLine.objects.filter(deal=source).order_by("sort", "id"))
    if lines:
        for line in lines:
            line.pk, line.deal = None, copy
        DealLine.objects.bulk_create(lines)
        from dealbook.crm.services.lines import reprice_lines

        reprice_lines(
            copy
        )  # the copy's tax date is today: the rates in force now (P3), amount from lines (D4)
    elif source.amount:
        copy.amount = source.amount
        copy.save(update_fields=["amount", "updated_at"])
    if source.probability is not None:
        copy.probability = source.probability
        copy.save(update_fields=["probability", "updated_at"])
    totals.apply(before, totals.share_of(copy))
    group = uuid.uuid4()
    timeline.record(
        copy,
        EventKind.COPIED,
        actor=actor,
        data={"from_deal_id": source.pk, "from_title": source.title, "lines": len(lines)},
        group=group,
    )
    timeline.record(
        source,
        EventKind.COPIED,
        actor=actor,
        data={"to_deal_id": copy.pk, "to_title": copy.title},
        group=group,
    )
    return copy


@transaction.atomic
def deal_delete(*, actor, deal: Deal) -> None:
    """Only directors and administrators delete (R1), and only open deals: a won or lost deal is
    history the loss analysis and revenue rely on (D8). Higher apps refuse through the
    "deal_can_delete" hook (billing: the deal has invoices). The running totals lose the deal in the
    same transaction; the company's and contacts' timelines keep a DELETED entry (R3)."""
    policy.require(actor, "deal.delete", _("Your role does not allow deleting deals."))
    locked = lock_deal(actor, deal, capability=None)
    refuse_if_closed(locked, _("its existence"))
    hooks.run("deal_can_delete", deal=locked, actor=actor)
    before = totals.share_of(locked)
    linked = [locked.company, *Contact.objects.filter(deal_links__deal=locked)]
    data = {
        "deal_id": locked.pk,
        "deal_title": locked.title,
        "amount": locked.amount,
        "currency": locked.currency,
        "stage_name": locked.stage.name,
    }
    timeline.record(locked, EventKind.DELETED, actor=actor, data=data)
    timeline.record_many([x for x in linked if x is not None], EventKind.DELETED, actor=actor, data=data)
    try:
        with transaction.atomic():
            locked.delete()
    except ProtectedError:
        raise RuleViolation(
            _("Documents refer to this deal; cancel them instead of deleting the deal."),
            field="id",
            code="deal_has_documents",
        ) from None
    totals.apply(before, None)
