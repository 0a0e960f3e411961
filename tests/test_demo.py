"""Demo data: the seed 002 world, created through the services (issue 2 "Demo data").

A load takes a few seconds, so the tests of this module share one (a module-wide transaction rolled
back at the end); each test still runs in its own savepoint.
"""

from decimal import Decimal

import pytest
from django.db import transaction
from django.test import override_settings

from dealbook import demo
from dealbook.accounts.models import Role, SalesGroup, User
from dealbook.activities.models import Task, TaskKind, TaskStatus
from dealbook.catalog.models import Product, TaxProfile
from dealbook.core.models import Event
from dealbook.crm import totals, validators
from dealbook.crm.models import Company, Deal, Lead, LeadStatus, Pipeline, RoutingRule, Stage

pytestmark = pytest.mark.django_db


def test_demo_loads_only_into_an_empty_database(f):
    """`dealbook serve` loads the demo on first start only: an existing user means real data.

    (First in the module: it needs the database without the shared demo world.)
    """
    f.make_user(username="someone")

    assert demo.is_empty() is False
    assert demo.load() == []
    assert not Deal.objects.exists() and not Company.objects.exists()


class _Rollback(Exception):
    pass


def _snapshot():
    return (
        list(
            Deal.objects.order_by("pk").values_list("title", "stage__code", "amount", "responsible__username")
        ),
        list(Company.objects.order_by("name").values_list("name", "inn", "ogrn")),
        Event.objects.count(),
    )


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """Load twice (the first load rolled back) to compare, then keep the second for the module."""
    # PBKDF2 with Django's million iterations would take most of the load's time
    fast_hash = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as mp, fast_hash:
        mp.setenv("DEALBOOK_ADMIN_PASSWORD", "chosen-admin-pass")
        try:
            with transaction.atomic():
                demo.load()
                first = _snapshot()
                raise _Rollback
        except _Rollback:
            pass
        try:
            with transaction.atomic():
                users = demo.load()
                yield {"users": users, "first": first, "second": _snapshot()}
                raise _Rollback
        except _Rollback:
            pass


@pytest.fixture
def world(loaded):
    return {username: (password, role) for username, password, role in loaded["users"]}


def test_demo_creates_one_user_per_role_of_r1_in_two_sales_groups(world):
    """R1: every role has a demo user; sales managers and group managers sit in two groups (R2)."""
    assert {role for _pw, role in world.values()} == set(Role.values)
    for username, (password, role) in world.items():
        user = User.objects.get(username=username)
        assert user.role == role and user.check_password(password)
    assert User.objects.get(username="admin").check_password("chosen-admin-pass")
    assert world["grakun"][0] == demo.DEMO_PASSWORD
    groups = SalesGroup.objects.all()
    assert groups.count() == 2
    for group in groups:
        roles = set(group.members.values_list("role", flat=True))
        assert roles == {Role.GROUP_MANAGER, Role.SALES_MANAGER}


def test_demo_has_our_legal_entity_with_valid_requisites(world):
    """C2/I2: ООО "ВЕСТ ГРУПП", INN 7806210729, with KPP, OGRN and a bank account whose keys check."""
    own = Company.objects.get(is_own=True)
    assert own.name == 'ООО "ВЕСТ ГРУПП"' and own.inn == "7806210729"
    assert validators.validate_inn(own.inn) == own.inn
    assert validators.validate_kpp(own.kpp) == own.kpp
    assert validators.validate_ogrn(own.ogrn) == own.ogrn
    account = own.bank_accounts.get()
    assert validators.validate_corr_account(account.corr_account, account.bik) == account.corr_account
    assert validators.validate_account(account.account, account.bik) == account.account
    for company in Company.objects.exclude(inn=""):
        validators.validate_inn(company.inn)
        for acc in company.bank_accounts.all():
            validators.validate_account(acc.account, acc.bik)


def test_demo_reproduces_the_seed_scenario_up_to_price_announced(world):
    """Seed 002: lead No. 33082 converted into deal "01/12.05 КС, ФБС тест" with Роман (прораб) and
    ЭЛЕКСИС ООО; lines 3 × 700.00 and 2 × 950.00 at 18 % included give 4 000.00 / VAT 610.17 (P4)."""
    lead = Lead.objects.get(pk=33082)
    assert lead.title == "Входящий звонок/тест_клиент"
    assert lead.phone_normalized == "+79218485383"
    assert "КС-10-1,5 кольцо колодезное стеновое 3 шт" in lead.comment
    assert lead.status == LeadStatus.CONVERTED

    deal = lead.deal
    assert deal.pk == 37924 and deal.title == "01/12.05 КС, ФБС тест"
    assert deal.pipeline.name == "ЖБИ" and deal.stage.code == "price_announced"
    assert deal.delivery_address == "Синявино" and deal.source.code == "referral"
    assert (deal.amount, deal.tax_amount) == (Decimal("4000.00"), Decimal("610.17"))
    assert sorted((line.name, line.quantity, line.price) for line in deal.lines.all()) == [
        ("Кольцо стеновое КС 10-3", Decimal("3"), Decimal("700.00")),
        ("фундаментный блок ФБС 9-5-3т", Decimal("2"), Decimal("950.00")),
    ]
    assert deal.company.name == "ЭЛЕКСИС ООО" and deal.company.pk == 13456
    primary = deal.deal_contacts.get(is_primary=True).contact
    assert (primary.first_name, primary.position) == ("Роман", "прораб")
    assert primary.points.get().normalized == "+79218485383"
    assert deal.deal_contacts.filter(contact__position="Генеральный директор").exists()
    assert deal.responsible.username == "grakun"


def test_demo_catalog_pipelines_and_tax_profile(world):
    """P1–P3, D1: the seed's products and units, two pipelines with the default Russian stages,
    tax profile Russia with 18 %, 20 % and 22 % standard rates."""
    assert Product.objects.get(name="Кольцо стеновое КС 10-3").price == Decimal("700.00")
    assert Product.objects.get(name="фундаментный блок ФБС 9-5-3т").unit.name == "шт"
    assert Product.objects.get(name="Доставка манипулятором").unit.name == "рейс"
    assert Product.objects.get(name="Аренда техники").unit.name == "т"
    assert {p.unit.name for p in Product.objects.select_related("unit")} == {"шт", "т", "м3", "рейс"}
    assert set(Pipeline.objects.values_list("name", flat=True)) == {"ЖБИ", "Нерудные материалы"}
    assert Stage.objects.filter(code="new", name="Входящая заявка").count() == 2
    russia = TaxProfile.objects.get(code="RU", is_default=True)
    assert set(russia.rates.filter(kind="standard").values_list("rate", flat=True)) == {
        Decimal("18"),
        Decimal("20"),
        Decimal("22"),
    }
    assert RoutingRule.objects.filter(segment__isnull=False).exists()
    assert RoutingRule.objects.filter(segment__isnull=True).exists()


def test_demo_deals_spread_over_every_stage_with_exact_stage_totals(world):
    """D1/D6: a few dozen deals over all stages of both pipelines; the running kanban totals equal a
    recount (DESIGN), D4 amounts equal the sum of lines, T1 every assigned deal got its intake task."""
    assert Deal.objects.count() >= 30
    for pipeline in Pipeline.objects.all():
        codes = set(pipeline.deals.values_list("stage__code", flat=True))
        assert codes >= {"negotiation", "price_announced", "shipment", "won", "lost"}, pipeline
        assert totals.stored_totals(pipeline) == totals.live_totals(pipeline)
    assert Deal.objects.filter(stage__code="new").exists()
    for deal in Deal.objects.prefetch_related("lines"):
        assert deal.amount == sum((line.total for line in deal.lines.all()), Decimal("0"))
    assigned = Deal.objects.filter(responsible__isnull=False)
    assert Task.objects.filter(kind=TaskKind.INTAKE, deal__in=assigned).count() == assigned.count()
    assert Event.objects.filter(kind="comment").count() >= 5
    assert Task.objects.filter(checklist__isnull=False).exists()


def test_demo_intake_tasks_are_taken_except_the_newest_incoming_deals(world):
    """T1 (step 20): the managers have taken the deals they work on — every deal past "assigned"
    has its intake task done by its responsible; only the newest one or two incoming deals (still at
    the first stages) wait, so the demo does not open with a dozen intake tasks overdue."""
    waiting = list(Task.objects.filter(kind=TaskKind.INTAKE, status=TaskStatus.OPEN).select_related("deal"))
    assert 1 <= len(waiting) <= 2
    assert all(task.deal.stage.code in ("new", "assigned") for task in waiting)
    incoming = Deal.objects.filter(stage__code__in=("new", "assigned"), responsible__isnull=False)
    newest = list(incoming.order_by("-pk").values_list("pk", flat=True)[: len(waiting)])
    assert sorted(task.deal_id for task in waiting) == sorted(newest)
    done = Task.objects.filter(kind=TaskKind.INTAKE, status=TaskStatus.DONE)
    assert done.count() == Task.objects.filter(kind=TaskKind.INTAKE).count() - len(waiting)
    assert all(task.completed_by_id == task.responsible_id for task in done)


def test_demo_is_deterministic(loaded):
    """A fixed random seed: two loads give the same deals, companies and timeline."""
    assert loaded["first"] == loaded["second"]
    assert loaded["second"][0][0] == (
        "01/12.05 КС, ФБС тест",
        "price_announced",
        Decimal("4000.00"),
        "grakun",
    )
