"""C3: one search box finds companies by name, phone, INN or VAT id fragment.

On PostgreSQL each criterion is a `%fragment%` match backed by a pg_trgm GIN index (migration
0003_search_trgm): company name (ILIKE, Unicode-aware), INN, VAT id and the normalised phones of the
company and of its contacts. The company's own columns are ORed in one query (PostgreSQL combines
their trigram bitmaps); phones live in other tables and run as separate small queries whose ids are
merged, because an OR across tables defeats the indexes. On SQLite the same queries run as plain
scans with a Unicode case fold, which is fine at embedded sizes.

Results follow R2 (crm.queries.parties.company_visible_q): a sales manager finds the companies they
handle, shared ones, our own entities and unclaimed ones (so they can take what accounting
registered, step 39); accounting and operators find all.
"""

from __future__ import annotations

import re

from django.db.models import Q

from dealbook.core.search import ucontains
from dealbook.crm.models import Company, Contact, ContactPoint
from dealbook.crm.queries.parties import company_visible_q

MIN_DIGITS = 3  # shorter digit runs match half the phone book; the trigram index needs 3
MAX_QUERY = 100


def _visible(user):
    qs = Company.objects.all()
    q = company_visible_q(user)
    return qs if q is None else qs.filter(q)


def _phone_company_ids(digits: str, limit: int) -> list[int]:
    """Companies whose own phones, or their contacts' phones, contain the digits (two queries)."""
    points = list(
        ContactPoint.objects.filter(
            ucontains("normalized", digits), kind=ContactPoint.Kind.PHONE
        ).values_list("company_id", "contact_id")[: limit * 5]
    )
    own = [company for company, _contact in points if company]
    contact_ids = [contact for _company, contact in points if contact]
    via_contacts = []
    if contact_ids:
        via_contacts = list(
            Contact.companies.through.objects.filter(contact_id__in=contact_ids).values_list(
                "company_id", flat=True
            )[: limit * 5]
        )
    return list(dict.fromkeys(own + via_contacts))


def search_companies(user, q: str, limit: int = 20) -> list[Company]:
    """C3: up to `limit` visible companies matching the fragment, each with `.match` set to
    "name", "inn", "vat_id" or "phone". Names starting with the fragment come first, then other
    name matches, then INN/VAT id matches, then phone matches; at most four queries."""
    text = " ".join(str(q or "").split())[:MAX_QUERY]
    if not text:
        return []
    limit = max(1, min(int(limit), 100))
    digits = re.sub(r"\D", "", text)
    numeric = len(digits) >= MIN_DIGITS and re.fullmatch(r"[\d\s()+\-.]+", text) is not None
    compact = re.sub(r"[\s\-.]", "", text).upper()
    by_vat = len(compact) >= MIN_DIGITS and any(ch.isdigit() for ch in compact)
    base = _visible(user).select_related("responsible", "segment")

    # one query for the company's own columns: PostgreSQL ORs the trigram bitmaps, and the
    # (name, id) index serves fragments that match nearly every row
    cond = Q(ucontains("name", text))
    if numeric:
        cond |= Q(ucontains("inn", digits))
    if by_vat:
        cond |= Q(ucontains("vat_id", compact))
    rows = list(base.filter(cond).order_by("name", "pk")[: limit * 3])
    folded = text.casefold()
    for company in rows:
        name = company.name.casefold()
        if folded in name:
            company.match, rank = "name", 0 if name.startswith(folded) else 1
        else:
            company.match, rank = ("inn", 2) if numeric and digits in company.inn else ("vat_id", 2)
        company.rank = rank
    rows.sort(key=lambda c: (c.rank, c.name.casefold(), c.pk))
    found = {c.pk: c for c in rows[:limit]}
    if numeric and len(found) < limit:
        ids = [pk for pk in _phone_company_ids(digits, limit) if pk not in found]
        if ids:
            for company in base.filter(pk__in=ids).order_by("name", "pk")[: limit - len(found)]:
                company.match = "phone"
                found[company.pk] = company
    return list(found.values())[:limit]
