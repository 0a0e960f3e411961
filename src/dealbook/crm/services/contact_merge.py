"""Merging duplicate contacts (L3): one person entered twice becomes one record, with every deal,
lead, company link, phone, task and timeline entry of both. A contacts service (re-exported from
crm.services.contacts)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils.translation import gettext as _

from dealbook.accounts import policy
from dealbook.accounts.models import Role
from dealbook.core import timeline
from dealbook.core.errors import Forbidden, InvalidInput, RuleViolation
from dealbook.core.models import Attachment, Event, EventKind
from dealbook.crm.models import Contact, ContactPoint, DealContact
from dealbook.crm.services.contacts import _ensure_visible, points_snapshot

FILLED_FROM_MERGED = ("middle_name", "position", "comment")


def _may_merge(actor, keep: Contact, merge: Contact) -> bool:
    """R1/R2: the responsible of both contacts, their group manager, or a director/administrator."""
    if policy.can(actor, "contact.merge"):
        return True
    owners = [keep.responsible, merge.responsible]
    if all(o is not None and o.pk == actor.pk for o in owners):
        return True
    return bool(
        actor.role == Role.GROUP_MANAGER
        and actor.group_id
        and all(o is not None and o.group_id == actor.group_id for o in owners)
    )


def _move_deal_links(keep: Contact, merge: Contact) -> int:
    """C5: the merged contact's deals now name the kept one; a deal that had both keeps one link,
    primary if either was."""
    kept = {link.deal_id: link for link in DealContact.objects.filter(contact=keep)}
    moved = 0
    for link in DealContact.objects.filter(contact=merge):
        mine = kept.get(link.deal_id)
        if mine is None:
            DealContact.objects.filter(pk=link.pk).update(contact=keep)
            moved += 1
        else:
            if link.is_primary and not mine.is_primary:
                DealContact.objects.filter(pk=mine.pk).update(is_primary=True)
            link.delete()
    return moved


def _move_points(keep: Contact, merge: Contact) -> int:
    """Phones, e-mails and messengers the kept contact lacks (by normalised value) move over."""
    have = set(keep.points.values_list("kind", "normalized"))
    ids = [p.pk for p in merge.points.all() if (p.kind, p.normalized) not in have]
    ContactPoint.objects.filter(pk__in=ids).update(contact=keep)
    return len(ids)


def _move_companies(keep: Contact, merge: Contact) -> int:
    through = Contact.companies.through
    have = set(through.objects.filter(contact_id=keep.pk).values_list("company_id", flat=True))
    add = [cid for cid in through.objects.filter(contact_id=merge.pk).values_list("company_id", flat=True)]
    through.objects.bulk_create(through(contact_id=keep.pk, company_id=cid) for cid in add if cid not in have)
    return len([cid for cid in add if cid not in have])


def _move_references(keep: Contact, merge: Contact) -> dict[str, int]:
    """Everything else that points at the merged contact (leads, tasks of higher apps) is re-pointed,
    found through the model relations so crm need not know those apps. A document that protects
    its contact (an invoice's payer) is not rewritten: the merge is refused instead."""
    handled = {DealContact, ContactPoint}
    moved: dict[str, int] = {}
    for rel in Contact._meta.related_objects:
        if not rel.one_to_many or rel.related_model in handled:
            continue
        rows = rel.related_model._base_manager.filter(**{rel.field.name: merge})
        if rel.on_delete is models.PROTECT:
            if rows.exists():
                raise RuleViolation(
                    _("Documents (%(what)s) name the contact being merged; merge the other way round.")
                    % {"what": rel.related_model._meta.verbose_name_plural},
                    field="other_id",
                    code="contact_has_documents",
                )
            continue
        count = rows.update(**{rel.field.name: keep})
        if count:
            moved[rel.related_model._meta.model_name] = count
    return moved


def _move_history(keep: Contact, merge: Contact) -> int:
    """The merged contact's timeline and files continue on the kept contact's timeline."""
    ct = ContentType.objects.get_for_model(Contact)
    Attachment.objects.filter(subject_type=ct, subject_id=merge.pk).update(subject_id=keep.pk)
    return Event.objects.filter(subject_type=ct, subject_id=merge.pk).update(subject_id=keep.pk)


@transaction.atomic
def contact_merge(*, actor, keep: Contact, merge: Contact) -> Contact:
    """L3 duplicates: `merge` is folded into `keep` and deleted. Its deal links (C5), leads, company
    links, phones and e-mails (deduplicated by normalised value), tasks, timeline and files move to
    `keep`; empty fields of `keep` are filled from it (R3 from/to). Allowed to the responsible of
    both, their group manager, directors and administrators. All or nothing; MERGED on the timeline."""
    if getattr(keep, "pk", None) is None or getattr(merge, "pk", None) is None:
        raise InvalidInput(_("Choose the contact to merge with."), field="other_id")
    if keep.pk == merge.pk:
        raise InvalidInput(_("A contact cannot be merged with itself."), field="other_id")
    _ensure_visible(actor, keep)
    _ensure_visible(actor, merge)
    rows = {
        c.pk: c
        for c in Contact.objects.select_for_update(of=("self",))
        .select_related("responsible")
        .filter(pk__in=[keep.pk, merge.pk])
        .order_by("pk")
    }
    if len(rows) != 2:
        raise InvalidInput(_("Choose the contact to merge with."), field="other_id")
    keep, merge = rows[keep.pk], rows[merge.pk]
    if not _may_merge(actor, keep, merge):
        raise Forbidden(
            _("Only the responsible of both contacts or their manager can merge them."), field="other_id"
        )
    moved = _move_references(keep, merge)  # first: refuses before anything changed
    moved.update(
        deals=_move_deal_links(keep, merge),
        points=_move_points(keep, merge),
        companies=_move_companies(keep, merge),
    )
    changes = [(n, getattr(keep, n), getattr(merge, n)) for n in FILLED_FROM_MERGED]
    changes = [(n, old, new) for n, old, new in changes if not old and new]
    for name, _old, new in changes:
        setattr(keep, name, new)
    if changes:
        keep.save(update_fields=[n for n, _o, _v in changes] + ["updated_at"])
    moved["events"] = _move_history(keep, merge)
    name, merged_id, snapshot = merge.full_name, merge.pk, points_snapshot(merge)
    merge.delete()
    for field, old, new in changes:
        timeline.change(keep, field, old, new, actor=actor)
    timeline.record(
        keep,
        EventKind.MERGED,
        actor=actor,
        data={"merged_id": merged_id, "merged_name": name, "moved": moved, "merged_points": snapshot},
    )
    return keep
