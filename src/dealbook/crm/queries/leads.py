"""Reads of leads, scoped by R2: a sales manager sees their own and shared leads, a group manager
the group's; directors, administrators, operators (who take the calls) and accounting see all."""

from __future__ import annotations

import re

from django.db.models import Q
from django.utils.translation import gettext as _

from dealbook.accounts import policy
from dealbook.core.errors import InvalidInput, NotFound
from dealbook.crm.models import Lead, LeadStatus
from dealbook.crm.models.leads import LeadChannel

# public ordering name -> non-null model field (api.pagination.paginate)
LEAD_ORDERING = {"id": "pk", "created_at": "created_at", "title": "title"}
_PHONE_LIKE = re.compile(r"^[\d\s()+\-.]+$")


def lead_visible_q(user) -> Q | None:
    return policy.visible_q(user)


def leads_visible(user):
    q = lead_visible_q(user)
    qs = Lead.objects.all()
    return qs if q is None else qs.filter(q)


def lead_get(user, pk: int) -> Lead:
    """One visible lead or NotFound: another manager's private lead is not revealed (R2)."""
    lead = (
        leads_visible(user)
        .select_related("source", "responsible", "pipeline", "created_by")
        .filter(pk=pk)
        .first()
    )
    if lead is None:
        raise NotFound(_("Lead %(id)s not found.") % {"id": pk}, field="id")
    return lead


def _search_q(text: str) -> Q:
    """One box: a phone (any spelling) or its fragment, an e-mail, an INN, or words of the title/name."""
    from dealbook.crm.validators import normalize_phone

    digits = re.sub(r"\D", "", text)
    if _PHONE_LIKE.match(text) and len(digits) >= 3:
        q = Q(phone_normalized__contains=digits) | Q(inn__startswith=digits) | Q(title__icontains=text)
        try:
            q |= Q(phone_normalized=normalize_phone(text, field="q"))
        except InvalidInput:
            pass
        return q
    return (
        Q(title__icontains=text)
        | Q(name__icontains=text)
        | Q(company_name__icontains=text)
        | Q(email_normalized__contains=text.lower())
    )


def leads_list(
    user,
    *,
    status: str | None = None,
    source: str | None = None,
    responsible_id: int | None = None,
    channel: str | None = None,
    q: str | None = None,
):
    """Visible leads filtered as users filter them; the caller orders and paginates (keyset)."""
    qs = leads_visible(user).select_related("source", "responsible", "pipeline")
    if status:
        if status not in LeadStatus.values:
            raise InvalidInput(_("Unknown lead status '%(s)s'.") % {"s": status}, field="status")
        qs = qs.filter(status=status)
    if channel:
        if channel not in LeadChannel.values:
            raise InvalidInput(_("Unknown channel '%(c)s'.") % {"c": channel}, field="channel")
        qs = qs.filter(channel=channel)
    if source:
        qs = qs.filter(source__code=source)
    if responsible_id is not None:
        qs = qs.filter(responsible_id=responsible_id)
    text = (q or "").strip()
    if text:
        qs = qs.filter(_search_q(text))
    return qs
