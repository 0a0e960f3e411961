"""L3: possible duplicates by phone (E.164), e-mail (case-insensitive), INN and VAT id.

Matches are looked up, never merged: the caller shows them ("1 match by phone") and the user
chooses to attach to an existing record or to confirm a new one.

Privacy (R2): a duplicate warning must not become a way to read records one may not see. A match
on a contact, company or lead outside the viewer's visibility is reported without its id, name or
the matched record's data, as "a record you cannot see (responsible: NAME)" — enough to know whom
to ask, nothing more. `viewer=None` is the system itself (intake channels, jobs) and sees all.

Every lookup is an equality on an indexed column (ContactPoint.normalized, Lead.phone_normalized,
Lead.email_normalized, Lead.inn, Company.inn, Company.vat_id); at most six queries per check
whatever the size of the tables.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext, ngettext

from dealbook.accounts.policy import sees_all
from dealbook.core.errors import RuleViolation
from dealbook.crm.models import Company, Contact, ContactPoint, Lead, LeadStatus

KINDS = ("phone", "email", "inn", "vat_id")
# A phone shared by hundreds of records (a switchboard) must not make the check unbounded.
ROWS_PER_QUERY = 50


@dataclass(frozen=True)
class Match:
    record: str  # contact | company | lead
    id: int | None  # None when the viewer cannot see the record
    name: str
    matched: str  # phone | email | inn | vat_id
    value: str
    visible: bool
    responsible: str | None

    def as_dict(self) -> dict:
        return {
            "record": self.record,
            "id": self.id,
            "name": self.name,
            "matched": self.matched,
            "value": self.value,
            "visible": self.visible,
            "responsible": self.responsible,
        }


@dataclass
class Matches:
    phone: list[Match] = field(default_factory=list)
    email: list[Match] = field(default_factory=list)
    inn: list[Match] = field(default_factory=list)
    vat_id: list[Match] = field(default_factory=list)

    def by_kind(self) -> dict[str, list[Match]]:
        return {kind: getattr(self, kind) for kind in KINDS}

    @property
    def count(self) -> int:
        return sum(len(items) for items in self.by_kind().values())

    def __bool__(self) -> bool:
        return self.count > 0

    def counts(self) -> dict[str, int]:
        return {kind: len(items) for kind, items in self.by_kind().items() if items}

    @property
    def summary(self) -> str:
        """ "1 match by phone, 2 matches by e-mail" in the active language."""
        parts = []
        for kind, items in self.by_kind().items():
            if items:
                parts.append(_summary_part(kind, len(items)))
        return ", ".join(parts) if parts else gettext("No matches")

    def as_dict(self) -> dict:
        body: dict = {kind: [m.as_dict() for m in items] for kind, items in self.by_kind().items()}
        body["count"] = self.count
        body["summary"] = self.summary
        return body


def _summary_part(kind: str, n: int) -> str:
    if kind == "phone":
        text = ngettext("%(count)d match by phone", "%(count)d matches by phone", n)
    elif kind == "email":
        text = ngettext("%(count)d match by e-mail", "%(count)d matches by e-mail", n)
    elif kind == "inn":
        text = ngettext("%(count)d match by INN", "%(count)d matches by INN", n)
    else:
        text = ngettext("%(count)d match by VAT id", "%(count)d matches by VAT id", n)
    return text % {"count": n}


class DuplicatesFound(RuleViolation):
    """L3: records with the same phone, e-mail, INN or VAT id exist; the user must choose (409)."""

    def __init__(self, matches: Matches):
        super().__init__(
            gettext(
                "Possible duplicates: %(summary)s. Attach to an existing record or confirm "
                "that a new one should be created."
            )
            % {"summary": matches.summary},
            code="duplicates",
        )
        self.matches = matches

    def as_dict(self) -> dict:
        return {**super().as_dict(), "matches": self.matches.as_dict()}


def _normalize_phones(values: Iterable[str]) -> list[str]:
    from dealbook.crm.validators import normalize_phone

    out = []
    for value in values or ():
        value = (value or "").strip()
        if value:
            out.append(normalize_phone(value, field="phones"))
    return list(dict.fromkeys(out))


def _normalize_emails(values: Iterable[str]) -> list[str]:
    from dealbook.crm.validators import normalize_email

    out = []
    for value in values or ():
        value = (value or "").strip()
        if value:
            out.append(normalize_email(value, field="emails"))
    return list(dict.fromkeys(out))


def _compact(value: str) -> str:
    # INN and VAT ids are compared exactly, but as identifiers: "DE 123 456 789" is "DE123456789"
    return re.sub(r"[\s.\-]", "", value or "").upper()


def _record_key(obj) -> tuple[str, int] | None:
    if isinstance(obj, Contact):
        return ("contact", obj.pk)
    if isinstance(obj, Company):
        return ("company", obj.pk)
    if isinstance(obj, Lead):
        return ("lead", obj.pk)
    return None


def _excluded(exclude) -> set[tuple[str, int]]:
    if exclude is None:
        return set()
    items = exclude if isinstance(exclude, list | tuple | set | frozenset) else [exclude]
    return {key for key in (_record_key(o) for o in items if o is not None) if key}


def _visible_ids(record: str, ids: set[int], viewer) -> set[int]:
    """The ids among `ids` the viewer may see, by the same R2 reads the lists use."""
    if not ids:
        return set()
    if viewer is None or sees_all(viewer):
        return set(ids)
    from dealbook.crm.queries.leads import leads_visible
    from dealbook.crm.queries.parties import companies_visible, contacts_visible

    scoped = {"contact": contacts_visible, "company": companies_visible, "lead": leads_visible}[record]
    return set(scoped(viewer).filter(pk__in=ids).values_list("pk", flat=True))


def find_matches(
    *,
    phones: Iterable[str] = (),
    emails: Iterable[str] = (),
    inn: str = "",
    vat_id: str = "",
    exclude=None,
    viewer=None,
) -> Matches:
    """L3: contacts, companies and leads sharing a phone, e-mail, INN or VAT id with the input.

    Phones are compared as E.164 ("+7 921 848-53-83" is "8 (921) 8485383"), e-mails in lower
    case, INN and VAT id exactly. `exclude` is a record (or several) not to report, e.g. the lead
    being converted. A converted lead that produced a contact is not reported: its contact is.
    Raises InvalidInput (field "phones"/"emails") for a value that is not a phone or e-mail.
    """
    phones = _normalize_phones(phones)
    emails = _normalize_emails(emails)
    inn = _compact(inn)
    vat_id = _compact(vat_id)
    skip = _excluded(exclude)

    # raw hits: (matched kind, record kind, record, value)
    hits: list[tuple[str, str, object, str]] = []
    if phones or emails:
        points = (
            ContactPoint.objects.filter(
                Q(kind=ContactPoint.Kind.PHONE, normalized__in=phones)
                | Q(kind=ContactPoint.Kind.EMAIL, normalized__in=emails)
            )
            .select_related("contact__responsible", "company__responsible")
            .order_by("-id")[:ROWS_PER_QUERY]
        )
        for point in points:
            matched = "phone" if point.kind == ContactPoint.Kind.PHONE else "email"
            if point.contact_id:
                hits.append((matched, "contact", point.contact, point.normalized))
            if point.company_id:
                hits.append((matched, "company", point.company, point.normalized))
    lead_q = Q()
    if phones:
        lead_q |= Q(phone_normalized__in=phones)
    if emails:
        lead_q |= Q(email_normalized__in=emails)
    if inn:
        lead_q |= Q(inn=inn)
    if lead_q:
        leads = (
            Lead.objects.filter(lead_q)
            .exclude(status=LeadStatus.CONVERTED, contact__isnull=False)
            .select_related("responsible")
            .order_by("-id")[:ROWS_PER_QUERY]
        )
        for lead in leads:
            if lead.phone_normalized and lead.phone_normalized in phones:
                hits.append(("phone", "lead", lead, lead.phone_normalized))
            if lead.email_normalized and lead.email_normalized in emails:
                hits.append(("email", "lead", lead, lead.email_normalized))
            if inn and lead.inn == inn:
                hits.append(("inn", "lead", lead, lead.inn))
    company_q = Q()
    if inn:
        company_q |= Q(inn=inn)
    if vat_id:
        company_q |= Q(vat_id=vat_id)
    if company_q:
        companies = (
            Company.objects.filter(company_q).select_related("responsible").order_by("-id")[:ROWS_PER_QUERY]
        )
        for company in companies:
            if inn and company.inn == inn:
                hits.append(("inn", "company", company, company.inn))
            if vat_id and company.vat_id == vat_id:
                hits.append(("vat_id", "company", company, company.vat_id))

    hits = [h for h in hits if (h[1], h[2].pk) not in skip]
    return _build(hits, viewer)


def _build(hits, viewer) -> Matches:
    ids: dict[str, set[int]] = {"contact": set(), "company": set(), "lead": set()}
    for _matched, record, obj, _value in hits:
        ids[record].add(obj.pk)
    visible = {record: _visible_ids(record, pks, viewer) for record, pks in ids.items()}

    result = Matches()
    seen: set[tuple[str, str, int]] = set()
    for matched, record, obj, value in hits:
        key = (matched, record, obj.pk)
        if key in seen:
            continue
        seen.add(key)
        responsible = obj.responsible.display_name if obj.responsible_id else None
        if obj.pk in visible[record]:
            match = Match(record, obj.pk, _display_name(record, obj), matched, value, True, responsible)
        else:
            hidden = gettext("a record you cannot see (responsible: %(name)s)") % {
                "name": responsible or gettext("nobody")
            }
            match = Match(record, None, hidden, matched, value, False, responsible)
        getattr(result, matched).append(match)
    return result


def _display_name(record: str, obj) -> str:
    if record == "contact":
        return obj.full_name
    if record == "company":
        return obj.name
    return gettext("Lead No. %(id)s: %(title)s") % {"id": obj.pk, "title": obj.title}
