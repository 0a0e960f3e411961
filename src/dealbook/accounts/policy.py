"""Roles and visibility (R1, R2): the one place that says who may do and see what."""

from __future__ import annotations

from django.db.models import Q

from dealbook.accounts.models import Role
from dealbook.core.errors import Forbidden

ALL = frozenset(Role.values)
BILLING_ROLES = frozenset(
    {
        Role.ADMIN,
        Role.DIRECTOR,
        Role.GROUP_MANAGER,
        Role.FINANCIAL_MANAGER,
        Role.ACCOUNTANT,
        Role.SALES_MANAGER,
    }
)

# capability -> roles allowed
CAPABILITIES: dict[str, frozenset] = {
    # C4: counterparties, requisites and the catalog belong to accounting
    "company.create": frozenset({Role.ADMIN, Role.ACCOUNTANT}),
    "company.edit_requisites": frozenset({Role.ADMIN, Role.ACCOUNTANT}),
    "company.take": frozenset({Role.ADMIN, Role.DIRECTOR, Role.GROUP_MANAGER, Role.SALES_MANAGER}),
    "company.edit_profile": ALL - {Role.OPERATOR},
    "counterparty_request.file": ALL,
    "counterparty_request.complete": frozenset({Role.ADMIN, Role.ACCOUNTANT}),
    "product.edit": frozenset({Role.ADMIN, Role.ACCOUNTANT}),
    "contact.create": ALL,  # step 3: operators and managers create contacts freely
    # merging anyone's duplicate contacts; a manager merges their own, a group manager the group's
    "contact.merge": frozenset({Role.ADMIN, Role.DIRECTOR}),
    "lead.create": ALL,
    "lead.convert": ALL - {Role.ACCOUNTANT, Role.FINANCIAL_MANAGER},
    "deal.create": ALL - {Role.ACCOUNTANT, Role.FINANCIAL_MANAGER},
    "deal.edit": ALL - {Role.ACCOUNTANT, Role.FINANCIAL_MANAGER},
    "deal.assign": frozenset({Role.ADMIN, Role.DIRECTOR, Role.GROUP_MANAGER, Role.OPERATOR}),
    "deal.delete": frozenset({Role.ADMIN, Role.DIRECTOR}),
    "settings.manage": frozenset({Role.ADMIN}),
    "billing.use": BILLING_ROLES,
    "user.manage": frozenset({Role.ADMIN}),
}

# Roles that see every record; the others see what R2 allows.
SEE_ALL = frozenset({Role.ADMIN, Role.DIRECTOR, Role.OPERATOR, Role.ACCOUNTANT, Role.FINANCIAL_MANAGER})


def can(user, capability: str) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.role in CAPABILITIES[capability]


def require(user, capability: str, message: str, *, field: str | None = None) -> None:
    if not can(user, capability):
        raise Forbidden(message, field=field, code="forbidden")


def sees_all(user) -> bool:
    return bool(user.is_superuser or user.role in SEE_ALL)


def visibility(user) -> str:
    """Which R2 rule applies: "all" (sees everything), "group" (a group manager with a group) or
    "own" (their own and shared records). visible_q's form depends on this alone, its values on the
    user's pk and group id (compiled-query caches key on it)."""
    if sees_all(user):
        return "all"
    if user.role == Role.GROUP_MANAGER and user.group_id:
        return "group"
    return "own"


def visible_branches(user, *, owner: str = "responsible", shared: str | None = "is_shared") -> list[Q] | None:
    """R2 filter for records with a responsible user, as alternatives whose OR is visible_q (a
    query may run one indexed scan per branch); None means no restriction.

    A sales manager sees their own records and those available to everyone; a group manager sees
    their group's; director, administrator, operators and accounting see all.
    """
    rule = visibility(user)
    if rule == "all":
        return None
    branches = [Q(**{f"{owner}_id": user.pk})]
    if rule == "group":
        branches.append(Q(**{f"{owner}__group_id": user.group_id}))
    if shared:
        branches.append(Q(**{shared: True}))
    return branches


def visible_q(user, *, owner: str = "responsible", shared: str | None = "is_shared") -> Q | None:
    """R2 filter for records with a responsible user (see visible_branches); None means no restriction."""
    branches = visible_branches(user, owner=owner, shared=shared)
    if branches is None:
        return None
    q = branches[0]
    for branch in branches[1:]:
        q |= branch
    return q


def visible_owner_ids(user) -> list[int] | None:
    """The responsible users whose records this user sees (None: everyone's)."""
    from dealbook.accounts.models import User

    if sees_all(user):
        return None
    if user.role == Role.GROUP_MANAGER and user.group_id:
        return list(User.objects.filter(group_id=user.group_id).values_list("pk", flat=True)) + [user.pk]
    return [user.pk]


def visibility_args(user) -> dict[str, int]:
    """The integers visible_q puts into a query for this user, by name (core.sqlcache arguments)."""
    return {"user": user.pk} if user.group_id is None else {"user": user.pk, "group": user.group_id}


def stand_in(user, args: dict):
    """The user as visible_q sees them, with `args`' pk and group id (a compiled-query cache's
    stand-ins while compiling; the user itself when they are the user's own)."""
    import copy

    if args["user"] == user.pk and args.get("group") == user.group_id:
        return user
    stand = copy.copy(user)
    stand.pk = args["user"]
    stand.group_id = args.get("group")
    return stand


def filter_visible(qs, user, **kwargs):
    q = visible_q(user, **kwargs)
    return qs if q is None else qs.filter(q)
