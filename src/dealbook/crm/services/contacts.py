"""Contacts and their phones, e-mails and messengers; contact–company links (C5, L3, R3).

Operators and managers create contacts freely (C4, step 3). Phones and e-mails are stored as
ContactPoint rows with a normalised value (E.164, lower-case e-mail) that duplicate checks (L3) and
the company search (C3) match on.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from dealbook.accounts import policy
from dealbook.core import timeline
from dealbook.core.errors import Forbidden, InvalidInput
from dealbook.core.models import EventKind
from dealbook.crm import validators
from dealbook.crm.models import Company, Contact, ContactPoint

Kind = ContactPoint.Kind
DEFAULT_LABEL = {Kind.PHONE: "work", Kind.EMAIL: "work", Kind.MESSENGER: "telegram", Kind.WEB: "site"}
LABEL_MAX = 32


# ---------------------------------------------------------------- contact points


def point_clean(kind: str, item, *, field: str) -> tuple[str, str, str]:
    """(value as typed, normalised value, label) of one phone/e-mail/messenger, or InvalidInput."""
    if isinstance(item, dict):
        value = str(item.get("value") or "").strip()
        label = str(item.get("label") or "").strip()[:LABEL_MAX]
    else:
        value, label = str(item or "").strip(), ""
    label = label or DEFAULT_LABEL.get(kind, "work")
    if kind == Kind.PHONE:
        normalized = validators.normalize_phone(value, field=field)
    elif kind == Kind.EMAIL:
        normalized = validators.normalize_email(value, field=field)
    elif kind in (Kind.MESSENGER, Kind.WEB):
        if not value:
            raise InvalidInput(_("The value cannot be empty."), field=field)
        normalized = value.lower()
    else:
        raise InvalidInput(_("Unknown kind '%(kind)s'.") % {"kind": kind}, field=field)
    if len(value) > 255:
        raise InvalidInput(_("The value is too long (255 characters at most)."), field=field)
    return value, normalized, label


def points_clean(
    *, phones: Iterable = (), emails: Iterable = (), messengers: Iterable = ()
) -> list[tuple[str, str, str, str]]:
    """Validate every point first (all-or-nothing); duplicates of the same normalised value collapse."""
    cleaned, seen = [], set()
    for kind, items, name in (
        (Kind.PHONE, phones, "phones"),
        (Kind.EMAIL, emails, "emails"),
        (Kind.MESSENGER, messengers, "messengers"),
    ):
        for i, item in enumerate(items or ()):
            value, normalized, label = point_clean(kind, item, field=f"{name}.{i}")
            if (kind, normalized) in seen:
                continue
            seen.add((kind, normalized))
            cleaned.append((kind, value, normalized, label))
    return cleaned


def points_create(owner, cleaned: list[tuple[str, str, str, str]]) -> list[ContactPoint]:
    owner_kw = {"contact": owner} if isinstance(owner, Contact) else {"company": owner}
    return ContactPoint.objects.bulk_create(
        ContactPoint(kind=kind, value=value, normalized=normalized, label=label, **owner_kw)
        for kind, value, normalized, label in cleaned
    )


def points_snapshot(owner) -> dict[str, list[str]]:
    """Phones/e-mails/messengers of a record as plain lists, for from/to on the timeline (R3)."""
    out: dict[str, list[str]] = {"phones": [], "emails": [], "messengers": []}
    key = {Kind.PHONE: "phones", Kind.EMAIL: "emails", Kind.MESSENGER: "messengers"}
    for p in owner.points.order_by("id"):
        if p.kind in key:
            out[key[p.kind]].append(p.normalized)
    return out


def points_replace(*, owner, actor, phones=None, emails=None, messengers=None) -> None:
    """Replace the given kinds of points (None keeps a kind as is) and record each list's from/to."""
    given = {"phones": phones, "emails": emails, "messengers": messengers}
    cleaned = points_clean(**{k: v or () for k, v in given.items()})
    before = points_snapshot(owner)
    kinds = {"phones": Kind.PHONE, "emails": Kind.EMAIL, "messengers": Kind.MESSENGER}
    replaced = [kinds[k] for k, v in given.items() if v is not None]
    if not replaced:
        return
    owner.points.filter(kind__in=replaced).delete()
    points_create(owner, [c for c in cleaned if c[0] in replaced])
    after = points_snapshot(owner)
    for name, items in given.items():
        if items is not None:
            timeline.change(owner, name, before[name], after[name], actor=actor)


# ---------------------------------------------------------------- access


def _ensure_visible(actor, contact: Contact) -> None:
    from dealbook.crm.queries.parties import contacts_visible

    if not contacts_visible(actor).filter(pk=contact.pk).exists():
        raise Forbidden(_("You do not have access to this contact."), field="contact")


def _clean_names(first_name: str, last_name: str, middle_name: str, position: str) -> dict:
    values = {
        "first_name": (first_name or "").strip(),
        "last_name": (last_name or "").strip(),
        "middle_name": (middle_name or "").strip(),
        "position": (position or "").strip(),
    }
    if not values["first_name"] and not values["last_name"]:
        raise InvalidInput(_("A contact needs a first or last name."), field="first_name")
    limits = {"first_name": 120, "last_name": 120, "middle_name": 120, "position": 200}
    for name, limit in limits.items():
        if len(values[name]) > limit:
            raise InvalidInput(
                _("%(field)s is too long (%(n)d characters at most).") % {"field": name, "n": limit},
                field=name,
            )
    return values


def _check_responsible(actor, responsible) -> None:
    """Giving a record to someone else, or to nobody, is an assignment: the people who route deals
    may do it (accounts.policy "deal.assign"); anyone may make themselves responsible."""
    if responsible is not None and responsible.pk == actor.pk:
        return
    if not policy.can(actor, "deal.assign"):
        raise Forbidden(_("You cannot make another user responsible."), field="responsible")
    if responsible is not None and not responsible.is_active:
        raise InvalidInput(_("The responsible user is not active."), field="responsible")


# ---------------------------------------------------------------- contacts


@transaction.atomic
def contact_create(
    *,
    actor,
    first_name: str,
    last_name: str = "",
    middle_name: str = "",
    position: str = "",
    phones: Iterable = (),
    emails: Iterable = (),
    messengers: Iterable = (),
    company: Company | None = None,
    responsible=None,
    source=None,
    comment: str = "",
    is_shared: bool = False,
) -> Contact:
    """C4/step 3: anyone creates a contact; phones and e-mails are normalised (L3), all-or-nothing."""
    policy.require(actor, "contact.create", _("You cannot create contacts."))
    names = _clean_names(first_name, last_name, middle_name, position)
    cleaned = points_clean(phones=phones, emails=emails, messengers=messengers)
    if responsible is not None:
        _check_responsible(actor, responsible)
    if company is not None:
        _ensure_company_visible(actor, company)
    contact = Contact.objects.create(
        **names,
        responsible=responsible or actor,
        is_shared=bool(is_shared),
        source=source,
        comment=(comment or "").strip(),
        created_by=actor,
    )
    points_create(contact, cleaned)
    timeline.record(
        contact,
        EventKind.CREATED,
        actor=actor,
        data={
            "name": contact.full_name,
            "phones": [c[2] for c in cleaned if c[0] == Kind.PHONE],
            "emails": [c[2] for c in cleaned if c[0] == Kind.EMAIL],
            "responsible_id": contact.responsible_id,
        },
    )
    if company is not None:
        _link(actor, contact, company)
    return contact


CONTACT_FIELDS = ("first_name", "last_name", "middle_name", "position", "comment", "is_shared")


@transaction.atomic
def contact_update(
    *,
    actor,
    contact: Contact,
    phones: Iterable | None = None,
    emails: Iterable | None = None,
    messengers: Iterable | None = None,
    **fields,
) -> Contact:
    """Change a contact's fields; each changed field is written with from/to (R3).

    Accepted fields: first_name, last_name, middle_name, position, comment, is_shared, source,
    responsible. Lists of phones/e-mails/messengers replace the current ones when given.
    """
    unknown = set(fields) - {*CONTACT_FIELDS, "source", "responsible"}
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidInput(_("Unknown field '%(name)s'.") % {"name": name}, field=name)
    _ensure_visible(actor, contact)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    names = _clean_names(
        fields.get("first_name", contact.first_name),
        fields.get("last_name", contact.last_name),
        fields.get("middle_name", contact.middle_name),
        fields.get("position", contact.position),
    )
    new = {**{k: fields[k] for k in ("comment", "is_shared") if k in fields}, **names}
    if "comment" in new:
        new["comment"] = (new["comment"] or "").strip()
    if "is_shared" in new:
        new["is_shared"] = bool(new["is_shared"])
    if "responsible" in fields:
        _check_responsible(actor, fields["responsible"])
    # validate the points before any write, so a bad phone leaves the contact untouched
    points_clean(phones=phones or (), emails=emails or (), messengers=messengers or ())
    changes = []
    for name, value in new.items():
        if getattr(contact, name) != value:
            changes.append((name, getattr(contact, name), value))
            setattr(contact, name, value)
    for name in ("source", "responsible"):
        if name in fields and getattr(contact, f"{name}_id") != getattr(fields[name], "pk", None):
            changes.append((f"{name}_id", getattr(contact, f"{name}_id"), getattr(fields[name], "pk", None)))
            setattr(contact, name, fields[name])
    if changes:
        contact.save()
    for name, old, value in changes:
        kind = EventKind.RESPONSIBLE_CHANGED if name == "responsible_id" else EventKind.UPDATED
        timeline.change(contact, name, old, value, actor=actor, kind=kind)
    points_replace(owner=contact, actor=actor, phones=phones, emails=emails, messengers=messengers)
    return contact


@transaction.atomic
def contact_point_add(*, actor, contact: Contact, kind: str, value, label: str = "") -> ContactPoint:
    """Add one phone, e-mail or messenger to a contact (normalised, L3), recorded on its timeline."""
    _ensure_visible(actor, contact)
    if kind not in (Kind.PHONE, Kind.EMAIL, Kind.MESSENGER):
        raise InvalidInput(_("Unknown kind '%(kind)s'.") % {"kind": kind}, field="kind")
    shown, normalized, label = point_clean(kind, {"value": value, "label": label}, field="value")
    existing = contact.points.filter(kind=kind, normalized=normalized).first()
    if existing is not None:
        return existing
    point = ContactPoint.objects.create(
        contact=contact, kind=kind, value=shown, normalized=normalized, label=label
    )
    timeline.record(
        contact,
        EventKind.UPDATED,
        actor=actor,
        data={"field": f"{kind}s", "added": normalized, "label": label},
    )
    return point


@transaction.atomic
def contact_point_remove(*, actor, point: ContactPoint) -> None:
    """Remove a phone/e-mail/messenger from a contact; the removed value stays on the timeline."""
    if point.contact_id is None:
        raise InvalidInput(_("This is not a contact's phone or e-mail."), field="point")
    contact = point.contact
    _ensure_visible(actor, contact)
    timeline.record(
        contact,
        EventKind.UPDATED,
        actor=actor,
        data={"field": f"{point.kind}s", "removed": point.normalized, "label": point.label},
    )
    point.delete()


# ---------------------------------------------------------------- links to companies (C5)


def _ensure_company_visible(actor, company: Company) -> None:
    from dealbook.crm.queries.parties import companies_visible

    if not companies_visible(actor).filter(pk=company.pk).exists():
        raise Forbidden(_("You do not have access to this company."), field="company")


def _link(actor, contact: Contact, company: Company) -> bool:
    through = Contact.companies.through
    if through.objects.filter(contact_id=contact.pk, company_id=company.pk).exists():
        return False
    through.objects.create(contact_id=contact.pk, company_id=company.pk)
    timeline.record_many(
        [contact, company],
        EventKind.LINK_ADDED,
        actor=actor,
        data={
            "contact_id": contact.pk,
            "contact": contact.full_name,
            "company_id": company.pk,
            "company": company.name,
        },
    )
    return True


@transaction.atomic
def contact_link_company(*, actor, contact: Contact, company: Company) -> bool:
    """C5: a contact represents a company; written on both timelines. False if already linked."""
    _ensure_visible(actor, contact)
    _ensure_company_visible(actor, company)
    return _link(actor, contact, company)


@transaction.atomic
def contact_unlink_company(*, actor, contact: Contact, company: Company) -> bool:
    """C5: the contact no longer represents the company; written on both timelines."""
    _ensure_visible(actor, contact)
    _ensure_company_visible(actor, company)
    deleted, _rows = Contact.companies.through.objects.filter(
        contact_id=contact.pk, company_id=company.pk
    ).delete()
    if not deleted:
        return False
    timeline.record_many(
        [contact, company],
        EventKind.LINK_REMOVED,
        actor=actor,
        data={
            "contact_id": contact.pk,
            "contact": contact.full_name,
            "company_id": company.pk,
            "company": company.name,
        },
    )
    return True


# merging duplicates lives in its own module; it is a contacts service all the same
from dealbook.crm.services.contact_merge import contact_merge  # noqa: E402, F401
