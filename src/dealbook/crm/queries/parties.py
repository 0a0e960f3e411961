"""Reads of companies, contacts and counterparty requests, scoped by R2 visibility.

Companies: a sales manager sees the companies they are responsible for, those available to
everyone, our own legal entities, and the unclaimed ones — with no responsible, or held by
accounting, who register counterparties but do not sell to them (step 39: the manager must find the
company accounting created in order to take it). A group manager also sees the group's. Directors,
administrators, operators and accounting see all (accounts.policy.SEE_ALL).

Contacts: own, the group's (group manager), available to everyone, the people of a company the
user is responsible for, and the people of the deals the user is responsible for (D3: a deal handed
to a manager brings its contacts along — seed steps 20–21 and 40 need them).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from dealbook.accounts import policy
from dealbook.accounts.models import Role
from dealbook.core.errors import NotFound
from dealbook.core.sqlcache import ShapeCache
from dealbook.crm.models import Company, Contact, CounterpartyRequest, DealContact

PLANS = ShapeCache()

# holding a company as its registrar does not make it theirs: sales managers may take it (C4)
REGISTRAR_ROLES = (Role.ACCOUNTANT, Role.FINANCIAL_MANAGER)


def company_visible_q(user) -> Q | None:
    q = policy.visible_q(user)
    if q is None:
        return None
    return q | Q(is_own=True) | Q(responsible__isnull=True) | Q(responsible__role__in=REGISTRAR_ROLES)


def companies_visible(user):
    q = company_visible_q(user)
    qs = Company.objects.all()
    return qs if q is None else qs.filter(q)


def contact_visible_q(user) -> Q | None:
    q = policy.visible_q(user)
    if q is None:
        return None
    through = Contact.companies.through
    own_company = Exists(through.objects.filter(contact_id=OuterRef("pk"), company__responsible_id=user.pk))
    on_my_deal = Exists(DealContact.objects.filter(contact_id=OuterRef("pk"), deal__responsible_id=user.pk))
    return q | Q(own_company) | Q(on_my_deal)


def contacts_visible(user):
    q = contact_visible_q(user)
    qs = Contact.objects.all()
    return qs if q is None else qs.filter(q)


def company_for(user, pk, *, scope: str = "visible") -> Company | None:
    """The company with this id among those the user may pick, or None: "visible" (R2), "own" (our
    legal entities) or "any" (supplier and carrier, chosen from the full list). Compiled once per
    scope and R2 rule (core.sqlcache): documents resolve several companies per request."""
    from dealbook.crm.queries.deals import as_id

    pk = as_id(pk)
    if not pk:
        return None

    def build(a):
        if scope == "own":
            qs = Company.objects.filter(is_own=True)
        elif scope == "any":
            qs = Company.objects.all()
        else:
            qs = companies_visible(policy.stand_in(user, a))
        return qs.filter(pk=a["pk"]).order_by()[:1]

    key = ("company_for", scope, policy.visibility(user) if scope == "visible" else None)
    return PLANS.one(key, build, {"pk": pk, **policy.visibility_args(user)})


def company_get(user, pk: int) -> Company:
    """One visible company or NotFound (another manager's record is not revealed, R2)."""
    company = (
        companies_visible(user).select_related("segment", "responsible", "created_by").filter(pk=pk).first()
    )
    if company is None:
        raise NotFound(_("Company %(pk)s not found.") % {"pk": pk}, field="id")
    return company


def contact_get(user, pk: int) -> Contact:
    contact = contacts_visible(user).select_related("responsible", "source").filter(pk=pk).first()
    if contact is None:
        raise NotFound(_("Contact %(pk)s not found.") % {"pk": pk}, field="id")
    return contact


def companies_list(
    user,
    *,
    q: str | None = None,
    kind: str | None = None,
    segment_id: int | None = None,
    responsible_id: int | None = None,
    is_own: bool | None = None,
    inn: str | None = None,
    mine: bool = False,
    unclaimed: bool = False,
):
    """Companies the user sees, filtered on what users filter on; the caller orders and pages."""
    from dealbook.core.search import ucontains

    qs = companies_visible(user).select_related("segment", "responsible")
    if q and q.strip():
        qs = qs.filter(ucontains("name", q.strip()))
    if kind:
        qs = qs.filter(kind=kind)
    if segment_id:
        qs = qs.filter(segment_id=segment_id)
    if responsible_id:
        qs = qs.filter(responsible_id=responsible_id)
    if is_own is not None:
        qs = qs.filter(is_own=is_own)
    if inn:
        qs = qs.filter(inn=inn.strip())
    if mine:
        qs = qs.filter(responsible_id=user.pk)
    if unclaimed:
        qs = qs.filter(Q(responsible__isnull=True) | Q(responsible__role__in=REGISTRAR_ROLES), is_own=False)
    return qs


def contacts_list(
    user,
    *,
    q: str | None = None,
    company_id: int | None = None,
    responsible_id: int | None = None,
    mine: bool = False,
):
    from dealbook.core.search import ucontains

    qs = contacts_visible(user).select_related("responsible")
    if q and q.strip():
        text = q.strip()
        qs = qs.filter(Q(ucontains("last_name", text)) | Q(ucontains("first_name", text)))
    if company_id:
        qs = qs.filter(companies__id=company_id)
    if responsible_id:
        qs = qs.filter(responsible_id=responsible_id)
    if mine:
        qs = qs.filter(responsible_id=user.pk)
    return qs


def requests_visible(user):
    """C4: accounting (and whoever sees everything) sees all requests; others their own."""
    qs = CounterpartyRequest.objects.all()
    if policy.can(user, "counterparty_request.complete") or policy.sees_all(user):
        return qs
    return qs.filter(requested_by_id=user.pk)


def requests_list(user, *, status: str | None = None, mine: bool = False):
    qs = requests_visible(user).select_related("requested_by", "handled_by", "company")
    if status:
        qs = qs.filter(status=status)
    if mine:
        qs = qs.filter(requested_by_id=user.pk)
    return qs


def request_get(user, pk: int) -> CounterpartyRequest:
    found = (
        requests_visible(user).select_related("requested_by", "handled_by", "company").filter(pk=pk).first()
    )
    if found is None:
        raise NotFound(_("Counterparty request %(pk)s not found.") % {"pk": pk}, field="id")
    return found


def own_companies():
    """Our own legal entities (I2): the sellers whose requisites print on invoices; everyone sees them."""
    return Company.objects.filter(is_own=True).prefetch_related("bank_accounts").order_by("name", "pk")
