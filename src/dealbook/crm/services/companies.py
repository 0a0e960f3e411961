"""Companies: creation and requisites by accounting (C2, C4), profile by sales (C1, step 39), bank accounts.

Every value is validated before anything is written (C2: never stored half-valid); every change is
recorded on the company's timeline with from/to (R3).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from dealbook.accounts import policy
from dealbook.accounts.models import Role
from dealbook.core import timeline
from dealbook.core.errors import Forbidden, InvalidInput, RuleViolation
from dealbook.core.models import Attachment, EventKind
from dealbook.crm import validators
from dealbook.crm.models import BankAccount, Company, CompanyKind, Contact, Segment
from dealbook.crm.queries.parties import REGISTRAR_ROLES, companies_visible
from dealbook.crm.services.contacts import (
    _check_responsible,
    contact_link_company,
    points_clean,
    points_create,
    points_replace,
)

REQUISITE_FIELDS = (
    "name",
    "legal_name",
    "country",
    "inn",
    "kpp",
    "ogrn",
    "vat_id",
    "legal_address",
    "postal_address",
    "director_name",
    "accountant_name",
)
TEXT_LIMITS = {
    "name": 255,
    "legal_name": 500,
    "legal_address": 500,
    "postal_address": 500,
    "director_name": 255,
    "accountant_name": 255,
    "website": 255,
    "bank_name": 255,
}
PROFILE_FIELDS = ("kind", "segment", "responsible", "is_shared", "website", "comment")
BANK_FIELDS = ("bank_name", "bik", "corr_account", "account", "iban", "bic", "currency", "is_primary")


def _text(value, name: str, field: str | None = None) -> str:
    text = str(value or "").strip()
    limit = TEXT_LIMITS.get(name)
    if limit and len(text) > limit:
        raise InvalidInput(
            _("%(field)s is too long (%(n)d characters at most).") % {"field": name, "n": limit},
            field=field or name,
        )
    return text


# ---------------------------------------------------------------- validation (C2)


def requisites_clean(values: dict) -> dict:
    """Validate a complete set of requisites (the merged new state); returns the cleaned values."""
    out = {name: _text(values.get(name, ""), name) for name in REQUISITE_FIELDS}
    if not out["name"]:
        raise InvalidInput(_("A company needs a name."), field="name")
    out["country"] = validators.validate_country(out["country"] or "RU")
    if out["inn"]:
        out["inn"] = validators.validate_inn(out["inn"])
    if out["kpp"]:
        out["kpp"] = validators.validate_kpp(out["kpp"])
        if len(out["inn"]) == 12:
            raise InvalidInput(_("A sole trader (12-digit INN) has no KPP."), field="kpp")
    if out["ogrn"]:
        out["ogrn"] = validators.validate_ogrn(out["ogrn"])
        pairs = {10: 13, 12: 15}
        if out["inn"] and pairs[len(out["inn"])] != len(out["ogrn"]):
            raise InvalidInput(
                _("OGRN of %(n)d digits does not go with a %(m)d-digit INN.")
                % {"n": len(out["ogrn"]), "m": len(out["inn"])},
                field="ogrn",
            )
    if out["vat_id"]:
        out["vat_id"] = validators.validate_vat_id(out["vat_id"], out["country"])
    return out


def bank_account_clean(data: dict, *, prefix: str = "") -> dict:
    """One bank account: Russian (BIK + account with control keys) or international (IBAN, BIC)."""
    unknown = set(data) - set(BANK_FIELDS)
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidInput(_("Unknown field '%(name)s'.") % {"name": name}, field=f"{prefix}{name}")
    get = {name: str(data.get(name) or "").strip() for name in BANK_FIELDS if name != "is_primary"}
    out = {"bank_name": _text(get["bank_name"], "bank_name", f"{prefix}bank_name")}
    out.update(bik="", corr_account="", account="", iban="", bic="")
    if get["bik"] or get["account"] or get["corr_account"]:
        if not get["bik"]:
            raise InvalidInput(_("BIK is required with a Russian account."), field=f"{prefix}bik")
        out["bik"] = validators.validate_bik(get["bik"], field=f"{prefix}bik")
        if not get["account"]:
            raise InvalidInput(_("The settlement account is required."), field=f"{prefix}account")
        out["account"] = validators.validate_account(get["account"], out["bik"], field=f"{prefix}account")
        if get["corr_account"]:
            out["corr_account"] = validators.validate_corr_account(
                get["corr_account"], out["bik"], field=f"{prefix}corr_account"
            )
    if get["iban"]:
        out["iban"] = validators.validate_iban(get["iban"], field=f"{prefix}iban")
    if get["bic"]:
        out["bic"] = validators.validate_bic(get["bic"], field=f"{prefix}bic")
    if not out["account"] and not out["iban"]:
        raise InvalidInput(
            _("A bank account needs a settlement account with its BIK, or an IBAN."), field=f"{prefix}account"
        )
    default_currency = "RUB" if out["account"] else "EUR"
    out["currency"] = validators.validate_currency(
        get["currency"] or default_currency, field=f"{prefix}currency"
    )
    out["is_primary"] = bool(data.get("is_primary", False))
    return out


def _bank_snapshot(acc: BankAccount) -> dict:
    return {name: getattr(acc, name) for name in BANK_FIELDS}


# ---------------------------------------------------------------- access


def _locked(company: Company) -> Company:
    """The company's current row, locked; `of=self` because PostgreSQL cannot lock the nullable
    side of the join to the responsible user."""
    return Company.objects.select_for_update(of=("self",)).select_related("responsible").get(pk=company.pk)


def _ensure_visible(actor, company: Company) -> None:
    if not companies_visible(actor).filter(pk=company.pk).exists():
        raise Forbidden(_("You do not have access to this company."), field="company")


def _ensure_profile_editor(actor, company: Company) -> None:
    """Step 39: the responsible manager fills the profile; their group manager and the roles that
    see everything may too. Our own legal entities belong to accounting."""
    policy.require(actor, "company.edit_profile", _("You cannot edit companies."))
    _ensure_visible(actor, company)
    if company.is_own:
        policy.require(
            actor, "company.edit_requisites", _("Our own legal entities are edited by accounting.")
        )
        return
    if policy.sees_all(actor) or company.responsible_id == actor.pk:
        return
    resp = company.responsible
    if (
        actor.role == Role.GROUP_MANAGER
        and resp is not None
        and resp.group_id
        and resp.group_id == actor.group_id
    ):
        return
    if resp is None or resp.role in REGISTRAR_ROLES:
        raise Forbidden(_("Take the company under your responsibility first."), field="responsible")
    raise Forbidden(_("Only the company's responsible manager edits its profile."), field="responsible")


def _clean_profile_responsible(actor, responsible) -> None:
    _check_responsible(actor, responsible)
    if (
        responsible is not None
        and actor.role == Role.GROUP_MANAGER
        and not actor.is_superuser
        and responsible.pk != actor.pk
        and responsible.group_id != actor.group_id
    ):
        raise Forbidden(_("A group manager assigns companies within the group."), field="responsible")


def _clean_kind(kind) -> str:
    if kind not in CompanyKind.values:
        choices = ", ".join(CompanyKind.values)
        raise InvalidInput(_("Unknown company type; use one of %(c)s.") % {"c": choices}, field="kind")
    return kind


# ---------------------------------------------------------------- create (C4)


@transaction.atomic
def company_create(
    *,
    actor,
    name: str,
    kind: str = CompanyKind.BUYER,
    segment: Segment | None = None,
    is_own: bool = False,
    responsible=None,
    is_shared: bool = False,
    legal_name: str = "",
    country: str = "RU",
    inn: str = "",
    kpp: str = "",
    ogrn: str = "",
    vat_id: str = "",
    legal_address: str = "",
    postal_address: str = "",
    director_name: str = "",
    accountant_name: str = "",
    website: str = "",
    comment: str = "",
    phones: Iterable = (),
    emails: Iterable = (),
    bank_accounts: Iterable[dict] = (),
) -> Company:
    """C4: only accounting and administrators create counterparties; C2: all requisites are valid
    or nothing is stored. Accounting registers the company without taking it (responsible stays
    empty unless given); the sales manager then takes it (step 39, company_take)."""
    policy.require(
        actor, "company.create", _("Only accounting creates companies; file a counterparty request.")
    )
    req = requisites_clean(
        {
            "name": name,
            "legal_name": legal_name,
            "country": country,
            "inn": inn,
            "kpp": kpp,
            "ogrn": ogrn,
            "vat_id": vat_id,
            "legal_address": legal_address,
            "postal_address": postal_address,
            "director_name": director_name,
            "accountant_name": accountant_name,
        }
    )
    accounts = [
        bank_account_clean(dict(a), prefix=f"bank_accounts.{i}.") for i, a in enumerate(bank_accounts)
    ]
    points = points_clean(phones=phones, emails=emails)
    kind = _clean_kind(kind)
    if responsible is not None:
        _clean_profile_responsible(actor, responsible)
    company = Company.objects.create(
        **req,
        kind=kind,
        segment=segment,
        is_own=bool(is_own),
        responsible=responsible,
        is_shared=bool(is_shared),
        website=_text(website, "website"),
        comment=str(comment or "").strip(),
        created_by=actor,
    )
    _primary_first(accounts)
    BankAccount.objects.bulk_create(BankAccount(company=company, **a) for a in accounts)
    points_create(company, points)
    timeline.record(
        company,
        EventKind.CREATED,
        actor=actor,
        data={
            **{k: v for k, v in req.items() if v},
            "kind": kind,
            "is_own": company.is_own,
            "bank_accounts": [a["account"] or a["iban"] for a in accounts],
        },
    )
    return company


def _primary_first(accounts: list[dict]) -> None:
    """Exactly one primary account: the first one marked, else the first one."""
    if not accounts:
        return
    index = next((i for i, a in enumerate(accounts) if a["is_primary"]), 0)
    for i, a in enumerate(accounts):
        a["is_primary"] = i == index


# ---------------------------------------------------------------- requisites (C2, C4, R3)


@transaction.atomic
def company_update_requisites(*, actor, company: Company, **fields) -> Company:
    """C4: accounting changes requisites; C2: the whole new set must be valid; R3: each changed
    field is written to the timeline with from/to."""
    policy.require(actor, "company.edit_requisites", _("Only accounting changes a company's requisites."))
    unknown = set(fields) - set(REQUISITE_FIELDS)
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidInput(_("'%(name)s' is not a requisite.") % {"name": name}, field=name)
    company = Company.objects.select_for_update().get(pk=company.pk)
    current = {name: getattr(company, name) for name in REQUISITE_FIELDS}
    cleaned = requisites_clean({**current, **fields})
    changed = [(n, current[n], cleaned[n]) for n in REQUISITE_FIELDS if current[n] != cleaned[n]]
    if not changed:
        return company
    for name, _old, new in changed:
        setattr(company, name, new)
    company.save(update_fields=[n for n, _o, _v in changed] + ["updated_at"])
    for name, old, new in changed:
        timeline.change(company, name, old, new, actor=actor)
    return company


# ---------------------------------------------------------------- profile (C1, step 39)


@transaction.atomic
def company_update_profile(
    *,
    actor,
    company: Company,
    phones: Iterable | None = None,
    emails: Iterable | None = None,
    contacts: Iterable[Contact] | None = None,
    **fields,
) -> Company:
    """C1/step 39: type, segment, responsible, sharing, website, comment, phones, e-mails and
    contacts, by the company's responsible (or their group manager, or roles that see all)."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidInput(_("'%(name)s' is not part of the profile.") % {"name": name}, field=name)
    company = _locked(company)
    _ensure_profile_editor(actor, company)
    new: dict = {}
    if "kind" in fields:
        new["kind"] = _clean_kind(fields["kind"])
    if "is_shared" in fields:
        new["is_shared"] = bool(fields["is_shared"])
    if "website" in fields:
        new["website"] = _text(fields["website"], "website")
    if "comment" in fields:
        new["comment"] = str(fields["comment"] or "").strip()
    if "segment" in fields:
        new["segment_id"] = getattr(fields["segment"], "pk", None)
    if "responsible" in fields:
        _clean_profile_responsible(actor, fields["responsible"])
        new["responsible_id"] = getattr(fields["responsible"], "pk", None)
    points_clean(phones=phones or (), emails=emails or ())  # validate before writing
    changed = [(n, getattr(company, n), v) for n, v in new.items() if getattr(company, n) != v]
    for name, _old, value in changed:
        setattr(company, name, value)
    if changed:
        company.save(update_fields=[n for n, _o, _v in changed] + ["updated_at"])
    for name, old, value in changed:
        kind = EventKind.RESPONSIBLE_CHANGED if name == "responsible_id" else EventKind.UPDATED
        timeline.change(company, name, old, value, actor=actor, kind=kind)
    points_replace(owner=company, actor=actor, phones=phones, emails=emails)
    for contact in contacts or ():
        contact_link_company(actor=actor, contact=contact, company=company)
    return company


@transaction.atomic
def company_take(*, actor, company: Company) -> Company:
    """C4/step 39: a sales manager takes a company accounting registered under responsibility.

    A company another manager already handles is not taken silently: only a director, an
    administrator or that manager's group manager may take it over.
    """
    policy.require(actor, "company.take", _("You cannot take companies under responsibility."))
    _ensure_visible(actor, company)
    company = _locked(company)
    if company.is_own:
        raise RuleViolation(_("Our own legal entity is not a client to take."), field="responsible")
    if company.responsible_id == actor.pk:
        return company
    current = company.responsible
    if current is not None and current.is_active and current.role not in REGISTRAR_ROLES:
        boss = actor.is_superuser or actor.role in (Role.ADMIN, Role.DIRECTOR)
        own_group = actor.role == Role.GROUP_MANAGER and actor.group_id and current.group_id == actor.group_id
        if not (boss or own_group):
            raise RuleViolation(
                _("%(name)s is already responsible for this company.") % {"name": current.display_name},
                field="responsible",
                code="taken",
            )
    previous = company.responsible_id
    company.responsible = actor
    company.save(update_fields=["responsible", "updated_at"])
    timeline.record(
        company,
        EventKind.RESPONSIBLE_CHANGED,
        actor=actor,
        data={"field": "responsible_id", "from": previous, "to": actor.pk, "taken": True},
    )
    return company


# ---------------------------------------------------------------- bank accounts (C2, C4)


def _lock_company_for_requisites(actor, company: Company) -> Company:
    policy.require(actor, "company.edit_requisites", _("Only accounting changes a company's bank accounts."))
    return Company.objects.select_for_update().get(pk=company.pk)


def _make_only_primary(company: Company, account: BankAccount) -> None:
    company.bank_accounts.exclude(pk=account.pk).filter(is_primary=True).update(is_primary=False)


@transaction.atomic
def company_bank_account_add(*, actor, company: Company, **data) -> BankAccount:
    """C2/C4: accounting adds a bank account; BIK and account control keys (or IBAN) must be valid."""
    company = _lock_company_for_requisites(actor, company)
    cleaned = bank_account_clean(data)
    first = not company.bank_accounts.exists()
    cleaned["is_primary"] = cleaned["is_primary"] or first
    account = BankAccount.objects.create(company=company, **cleaned)
    if account.is_primary:
        _make_only_primary(company, account)
    timeline.record(
        company,
        EventKind.UPDATED,
        actor=actor,
        data={"field": "bank_accounts", "added": account.pk, "to": _bank_snapshot(account)},
    )
    return account


@transaction.atomic
def company_bank_account_update(*, actor, account: BankAccount, **data) -> BankAccount:
    """C2/C4/R3: the account's new state must be valid as a whole; changed fields go on the timeline."""
    company = _lock_company_for_requisites(actor, account.company)
    account = BankAccount.objects.select_for_update().get(pk=account.pk, company=company)
    before = _bank_snapshot(account)
    cleaned = bank_account_clean({**before, **data})
    if "is_primary" not in data:
        cleaned["is_primary"] = before["is_primary"]
    changed = [(n, before[n], cleaned[n]) for n in BANK_FIELDS if before[n] != cleaned[n]]
    if not changed:
        return account
    for name, _old, value in changed:
        setattr(account, name, value)
    account.save()
    if account.is_primary:
        _make_only_primary(company, account)
    for name, old, value in changed:
        timeline.change(company, f"bank_accounts.{account.pk}.{name}", old, value, actor=actor)
    return account


@transaction.atomic
def company_bank_account_remove(*, actor, account: BankAccount) -> None:
    """C4: accounting removes a bank account; its details stay on the timeline (R3)."""
    company = _lock_company_for_requisites(actor, account.company)
    snapshot = _bank_snapshot(account)
    pk = account.pk
    was_primary = account.is_primary
    account.delete()
    if was_primary:
        nxt = company.bank_accounts.order_by("id").first()
        if nxt is not None:
            nxt.is_primary = True
            nxt.save(update_fields=["is_primary"])
    timeline.record(
        company,
        EventKind.UPDATED,
        actor=actor,
        data={"field": "bank_accounts", "removed": pk, "from": snapshot},
    )


# ---------------------------------------------------------------- files


@transaction.atomic
def company_file_attach(
    *, actor, company: Company, uploaded_file, purpose: str = Attachment.Purpose.COMPANY_CARD
):
    """T4/C4: a file (usually the company card) on the company's record and timeline."""
    _ensure_visible(actor, company)
    if not (policy.can(actor, "company.edit_profile") or policy.can(actor, "company.edit_requisites")):
        raise Forbidden(_("You cannot attach files to companies."), field="file")
    return timeline.attach_file(subject=company, actor=actor, uploaded_file=uploaded_file, purpose=purpose)
