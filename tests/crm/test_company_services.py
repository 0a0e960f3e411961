"""Companies: C4 (only accounting creates and changes requisites), C2 (all-or-nothing validation),
C1 profile, step 39 (take), R3 (requisite changes with from/to on the timeline)."""

import pytest

from dealbook.accounts.models import Role
from dealbook.core.errors import Forbidden, InvalidInput, RuleViolation
from dealbook.core.models import Event, EventKind
from dealbook.crm.models import BankAccount, Company, CompanyKind, ContactPoint
from dealbook.crm.services import companies as svc

pytestmark = pytest.mark.django_db

SBER = {"bank_name": "ПАО Сбербанк", "bik": "044525225", "corr_account": "30101810400000000225"}
GOOD = dict(
    name="ЭЛЕКСИС ООО",
    legal_name='ООО "ЭЛЕКСИС"',
    inn="7806210729",
    kpp="780601001",
    ogrn="1027700132195",
    phones=["+7 (812) 325-96-46"],
    emails=["Elecsys@list.ru"],
    bank_accounts=[{**SBER, "account": "40702810938000000001"}],
)


def events(company, kind=None):
    qs = Event.objects.filter(subject_id=company.pk, subject_type__model="company")
    return list(qs.filter(kind=kind) if kind else qs)


def test_c4_accountant_creates_a_company_with_valid_requisites(f):
    accountant = f.make_user(Role.ACCOUNTANT)
    company = svc.company_create(actor=accountant, **GOOD)
    assert company.inn == "7806210729" and company.kpp == "780601001"
    assert company.created_by == accountant
    assert company.responsible is None  # registered, not taken: the manager takes it (step 39)
    acc = company.bank_accounts.get()
    assert acc.account == "40702810938000000001" and acc.is_primary and acc.currency == "RUB"
    points = {(p.kind, p.normalized) for p in company.points.all()}
    assert points == {("phone", "+78123259646"), ("email", "elecsys@list.ru")}
    (created,) = events(company, EventKind.CREATED)
    assert created.actor == accountant and created.data["inn"] == "7806210729"


def test_c4_administrator_creates_our_own_legal_entity(f):
    admin = f.make_user(Role.ADMIN)
    own = svc.company_create(actor=admin, name='ООО "ВЕСТ ГРУПП"', inn="7806210729", is_own=True)
    assert own.is_own


@pytest.mark.parametrize("role", [Role.SALES_MANAGER, Role.OPERATOR, Role.GROUP_MANAGER, Role.DIRECTOR])
def test_c4_other_roles_cannot_create_a_company_and_nothing_is_written(f, role):
    user = f.make_user(role)
    with pytest.raises(Forbidden) as exc:
        svc.company_create(actor=user, **GOOD)
    assert exc.value.code == "forbidden"
    assert not Company.objects.exists() and not Event.objects.exists()


@pytest.mark.parametrize(
    "override,field",
    [
        ({"inn": "7806210728"}, "inn"),
        ({"kpp": "78060100"}, "kpp"),
        ({"ogrn": "1027700132194"}, "ogrn"),
        ({"ogrn": "304500116000157"}, "ogrn"),  # an OGRNIP does not go with a 10-digit INN
        ({"inn": "500100732259", "ogrn": ""}, "kpp"),  # a sole trader has no KPP
        ({"vat_id": "DE136695975", "country": "DE"}, "vat_id"),
        ({"country": "Russia"}, "country"),
        ({"name": "  "}, "name"),
        ({"phones": ["+7 000"]}, "phones.0"),
        ({"emails": ["x@"]}, "emails.0"),
        ({"bank_accounts": [{**SBER, "account": "40702810938000000000"}]}, "bank_accounts.0.account"),
        (
            {"bank_accounts": [{**SBER, "bik": "04452522", "account": "40702810938000000001"}]},
            "bank_accounts.0.bik",
        ),
        (
            {
                "bank_accounts": [
                    {**SBER, "corr_account": "30101810400000000226", "account": "40702810938000000001"}
                ]
            },
            "bank_accounts.0.corr_account",
        ),
        ({"bank_accounts": [{"iban": "DE89370400440532013001"}]}, "bank_accounts.0.iban"),
        ({"bank_accounts": [{"bank_name": "no numbers"}]}, "bank_accounts.0.account"),
        (
            {"bank_accounts": [{**SBER, "account": "40702810938000000001"}, {"iban": "DE00"}]},
            "bank_accounts.1.iban",
        ),
        ({"kind": "friend"}, "kind"),
    ],
)
def test_c2_invalid_requisite_is_refused_naming_the_field_and_nothing_is_stored(f, override, field):
    accountant = f.make_user(Role.ACCOUNTANT)
    with pytest.raises(InvalidInput) as exc:
        svc.company_create(actor=accountant, **{**GOOD, **override})
    assert exc.value.field == field
    assert not Company.objects.exists()
    assert (
        not BankAccount.objects.exists() and not ContactPoint.objects.exists() and not Event.objects.exists()
    )


def test_c2_eu_company_with_vat_id_and_iban(f):
    accountant = f.make_user(Role.ACCOUNTANT)
    company = svc.company_create(
        actor=accountant,
        name="Muster GmbH",
        country="de",
        vat_id="136695976",
        bank_accounts=[{"iban": "DE89 3704 0044 0532 0130 00", "bic": "deutdeff"}],
    )
    assert company.country == "DE" and company.vat_id == "DE136695976"
    acc = company.bank_accounts.get()
    assert acc.iban == "DE89370400440532013000" and acc.bic == "DEUTDEFF" and acc.currency == "EUR"


def test_c4_sales_manager_cannot_change_requisites(f):
    accountant = f.make_user(Role.ACCOUNTANT)
    manager = f.make_user(Role.SALES_MANAGER)
    company = svc.company_create(actor=accountant, **GOOD)
    svc.company_take(actor=manager, company=company)
    with pytest.raises(Forbidden):
        svc.company_update_requisites(actor=manager, company=company, inn="7707083893")
    company.refresh_from_db()
    assert company.inn == "7806210729"


def test_r3_requisite_changes_are_recorded_with_from_and_to(f):
    accountant = f.make_user(Role.ACCOUNTANT)
    company = svc.company_create(actor=accountant, **GOOD)
    svc.company_update_requisites(
        actor=accountant, company=company, inn="7707083893", kpp="773601001", legal_address="Москва"
    )
    company.refresh_from_db()
    assert (company.inn, company.kpp) == ("7707083893", "773601001")
    changes = {e.data["field"]: e for e in events(company, EventKind.UPDATED)}
    assert changes["inn"].data["from"] == "7806210729" and changes["inn"].data["to"] == "7707083893"
    assert changes["kpp"].data == {"field": "kpp", "from": "780601001", "to": "773601001"}
    assert changes["legal_address"].data["to"] == "Москва"
    assert all(e.actor == accountant for e in changes.values())


def test_c2_invalid_requisite_update_changes_nothing(f):
    accountant = f.make_user(Role.ACCOUNTANT)
    company = svc.company_create(actor=accountant, **GOOD)
    before = len(events(company))
    with pytest.raises(InvalidInput) as exc:
        svc.company_update_requisites(actor=accountant, company=company, name="New name", inn="7707083890")
    assert exc.value.field == "inn"
    company.refresh_from_db()
    assert company.name == "ЭЛЕКСИС ООО" and company.inn == "7806210729"
    assert len(events(company)) == before


def test_c2_unknown_requisite_is_refused(f):
    accountant = f.make_user(Role.ACCOUNTANT)
    company = svc.company_create(actor=accountant, **GOOD)
    with pytest.raises(InvalidInput) as exc:
        svc.company_update_requisites(actor=accountant, company=company, responsible=None)
    assert exc.value.field == "responsible"


def test_step39_manager_takes_the_company_and_fills_its_profile(f):
    accountant = f.make_user(Role.ACCOUNTANT)
    manager = f.make_user(Role.SALES_MANAGER)
    segment = f.make_segment("Промышленные клиенты")
    company = svc.company_create(actor=accountant, **GOOD)
    with pytest.raises(Forbidden):  # not theirs yet
        svc.company_update_profile(actor=manager, company=company, kind=CompanyKind.BOTH)
    svc.company_take(actor=manager, company=company)
    company.refresh_from_db()
    assert company.responsible == manager
    director = f.make_contact("Иван", responsible=manager)
    svc.company_update_profile(
        actor=manager,
        company=company,
        kind=CompanyKind.BOTH,
        segment=segment,
        phones=["+7 812 325-96-46", {"value": "+7 921 848-53-83", "label": "mobile"}],
        contacts=[director],
    )
    company.refresh_from_db()
    assert company.kind == CompanyKind.BOTH and company.segment == segment
    assert sorted(company.points.filter(kind="phone").values_list("normalized", flat=True)) == [
        "+78123259646",
        "+79218485383",
    ]
    assert list(company.contacts.all()) == [director]
    taken = events(company, EventKind.RESPONSIBLE_CHANGED)[0]
    assert taken.data["to"] == manager.pk and taken.data["taken"] is True
    kinds = {e.data.get("field") for e in events(company, EventKind.UPDATED)}
    assert {"kind", "segment_id", "phones"} <= kinds


def test_step39_a_company_handled_by_another_manager_is_not_taken_silently(f):
    accountant = f.make_user(Role.ACCOUNTANT)
    group = f.make_group()
    first = f.make_user(Role.SALES_MANAGER, group=group)
    second = f.make_user(Role.SALES_MANAGER, group=group)
    company = svc.company_create(actor=accountant, **{**GOOD, "is_shared": True})
    svc.company_take(actor=first, company=company)
    with pytest.raises(RuleViolation) as exc:
        svc.company_take(actor=second, company=company)
    assert exc.value.code == "taken"
    company.refresh_from_db()
    assert company.responsible == first
    boss = f.make_user(Role.GROUP_MANAGER, group=group)
    svc.company_take(actor=boss, company=company)
    company.refresh_from_db()
    assert company.responsible == boss


def test_step39_a_company_registered_to_an_accountant_can_be_taken(f):
    accountant = f.make_user(Role.ACCOUNTANT)
    manager = f.make_user(Role.SALES_MANAGER)
    company = svc.company_create(actor=accountant, responsible=None, **GOOD)
    Company.objects.filter(pk=company.pk).update(responsible=accountant)  # as in the seed's screenshot
    svc.company_take(actor=manager, company=company)
    company.refresh_from_db()
    assert company.responsible == manager


def test_c4_accountant_cannot_take_a_company(f):
    accountant = f.make_user(Role.ACCOUNTANT)
    company = svc.company_create(actor=accountant, **GOOD)
    with pytest.raises(Forbidden):
        svc.company_take(actor=accountant, company=company)


def test_own_legal_entity_cannot_be_taken_as_a_client(f):
    admin = f.make_user(Role.ADMIN)
    own = svc.company_create(actor=admin, name="ВЕСТ ГРУПП", is_own=True)
    with pytest.raises(RuleViolation):
        svc.company_take(actor=f.make_user(Role.SALES_MANAGER), company=own)


def test_r2_manager_cannot_edit_another_managers_company(f):
    accountant = f.make_user(Role.ACCOUNTANT)
    owner = f.make_user(Role.SALES_MANAGER)
    other = f.make_user(Role.SALES_MANAGER)
    company = svc.company_create(actor=accountant, **GOOD)
    svc.company_take(actor=owner, company=company)
    with pytest.raises(Forbidden):
        svc.company_update_profile(actor=other, company=company, comment="mine now")
    with pytest.raises(Forbidden):  # a manager does not give companies away either
        svc.company_update_profile(actor=owner, company=company, responsible=other)


def test_c1_invalid_phone_in_profile_changes_nothing(f):
    accountant = f.make_user(Role.ACCOUNTANT)
    manager = f.make_user(Role.SALES_MANAGER)
    company = svc.company_create(actor=accountant, **GOOD)
    svc.company_take(actor=manager, company=company)
    with pytest.raises(InvalidInput) as exc:
        svc.company_update_profile(actor=manager, company=company, comment="x", phones=["12"])
    assert exc.value.field == "phones.0"
    company.refresh_from_db()
    assert company.comment == "" and company.points.filter(kind="phone").count() == 1


def test_c2_bank_accounts_add_update_remove_by_accounting_with_timeline(f):
    accountant = f.make_user(Role.ACCOUNTANT)
    company = svc.company_create(actor=accountant, **GOOD)
    first = company.bank_accounts.get()
    second = svc.company_bank_account_add(
        actor=accountant,
        company=company,
        bank_name="АО Тинькофф",
        bik="044525974",
        corr_account="30101810145250000974",
        account=_account_for("974"),
        is_primary=True,
    )
    first.refresh_from_db()
    assert second.is_primary and not first.is_primary
    with pytest.raises(InvalidInput) as exc:
        svc.company_bank_account_update(actor=accountant, account=second, account_number_ignored=1)
    assert exc.value.field == "account_number_ignored"
    with pytest.raises(InvalidInput) as exc:
        svc.company_bank_account_update(actor=accountant, account=second, bik="044525225")
    assert exc.value.field == "account"  # the account's key no longer matches the new BIK
    second.refresh_from_db()
    assert second.bik == "044525974"
    svc.company_bank_account_update(actor=accountant, account=second, bank_name="Т-Банк")
    second_pk = second.pk
    svc.company_bank_account_remove(actor=accountant, account=second)
    first.refresh_from_db()
    assert first.is_primary
    fields = [e.data.get("field") for e in events(company, EventKind.UPDATED)]
    assert f"bank_accounts.{second_pk}.bank_name" in fields
    assert fields.count("bank_accounts") == 2  # added and removed


def test_c4_sales_manager_cannot_touch_bank_accounts(f):
    accountant = f.make_user(Role.ACCOUNTANT)
    manager = f.make_user(Role.SALES_MANAGER)
    company = svc.company_create(actor=accountant, **GOOD)
    svc.company_take(actor=manager, company=company)
    with pytest.raises(Forbidden):
        svc.company_bank_account_add(actor=manager, company=company, iban="DE89370400440532013000")
    with pytest.raises(Forbidden):
        svc.company_bank_account_remove(actor=manager, account=company.bank_accounts.get())
    assert company.bank_accounts.count() == 1


def _account_for(bik_tail: str) -> str:
    """A settlement account whose control key fits a BIK ending in `bik_tail`."""
    from dealbook.crm.validators import account_key_ok

    for last in range(10):
        candidate = f"4070281000000000000{last}"
        if account_key_ok(bik_tail, candidate):
            return candidate
    raise AssertionError("no key digit fits")
