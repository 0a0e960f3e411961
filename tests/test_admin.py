"""The Django admin an administrator sets Dealbook up with (issue 2 "an administrator's setup").

Every registered model's list and form render for a superuser; lists of big tables run a fixed
number of queries whatever the number of rows; writes go through the services (C2, C4, D1, D3, P3,
T2) and business records (deals, lines, totals, timeline) are view only.
"""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dealbook.accounts.models import ApiToken, Role
from dealbook.accounts.services import notify
from dealbook.activities.models import ChecklistItem, Task
from dealbook.activities.services import task_create
from dealbook.catalog.models import Product, TaxRate
from dealbook.core import numbering, timeline
from dealbook.core.models import Event
from dealbook.crm.models import (
    BankAccount,
    Company,
    Contact,
    Deal,
    DealLine,
    Lead,
    Pipeline,
    RoutingRule,
    Stage,
)
from dealbook.crm.services.companies import company_create
from dealbook.crm.services.contacts import contact_create
from dealbook.crm.services.deals import deal_create
from dealbook.crm.services.leads import lead_create
from dealbook.crm.services.lines import line_add
from dealbook.crm.services.requests import counterparty_request_file
from dealbook.crm.setup import lost_reasons_create_default, segments_create_default, sources_create_default
from dealbook.demo import account_with_key, inn_with_check

pytestmark = pytest.mark.django_db
_n = itertools.count(1)
BIK, CORR = "044030653", "30101810500000000653"  # ПАО Сбербанк, Северо-Западный банк


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def root(f):
    return f.make_user(Role.ADMIN, username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def client(root):
    c = Client()
    c.force_login(root)
    return c


def url(model, view="changelist", *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def add_rows(f, root, pipeline, product, count: int) -> None:
    """`count` more rows of every big table, each with its own company, contact and manager."""
    for _ in range(count):
        i = next(_n)
        manager = f.make_user(Role.SALES_MANAGER)
        company = company_create(
            actor=root,
            name=f"Company {i}",
            inn=inn_with_check(f"78{i:07d}"),
            phones=[f"+7 921 000-{i:02d}-{i:02d}"],
            bank_accounts=[
                {
                    "bik": BIK,
                    "corr_account": CORR,
                    "account": account_with_key(BIK, f"4070281000000000{i:04d}"),
                }
            ],
        )
        contact = contact_create(
            actor=root, first_name=f"Contact{i}", phones=[f"+7 911 000-{i:02d}-{i:02d}"], company=company
        )
        deal = deal_create(
            actor=root,
            title=f"Deal {i}",
            pipeline=pipeline,
            company=company,
            contacts=[contact],
            responsible=manager,
        )
        line_add(actor=root, deal=deal, product=product, quantity=2)
        task_create(
            actor=root,
            title=f"Call {i}",
            deadline=timezone.now() + dt.timedelta(days=1),
            deal=deal,
            checklist=["a", "b"],
        )
        lead_create(actor=root, title=f"Lead {i}", phone=f"+7 921 111-{i:02d}-{i:02d}")
        notify(user=manager, kind="test", text=f"note {i}")
        ApiToken.issue(manager)


@pytest.fixture
def world(f, root):
    segments_create_default("en")
    sources_create_default("en")
    lost_reasons_create_default("en")
    f.russia()
    pipeline = f.make_pipeline("ЖБИ")
    product = f.make_product("Кольцо стеновое КС 10-3")
    RoutingRule.objects.create(pipeline=pipeline, responsible=root)
    add_rows(f, root, pipeline, product, 2)
    deal = Deal.objects.first()
    timeline.attach_file(subject=deal, actor=root, uploaded_file=SimpleUploadedFile("card.txt", b"INN"))
    counterparty_request_file(actor=root, name="New client", inn=inn_with_check("781098765"), deal=deal)
    with transaction.atomic():
        numbering.next_number(scope="own", doc_type="invoice", year=2026)
    return {"pipeline": pipeline, "product": product, "deal": deal}


def test_every_registered_model_has_a_list_and_a_form_that_render(client, root, world):
    """All models are registered, and each list, each object page and each add page answers 200."""
    from django.apps import apps

    ours = {m for m in apps.get_models() if m.__module__.startswith("dealbook.")}
    through = {m for m in ours if m._meta.auto_created}
    inline_only = {m._meta.label for m in ours} & {
        "crm.DealContact",
        "crm.ContactPoint",
        "crm.BankAccount",
        "activities.ChecklistItem",
    }
    registered = {m for m in admin.site._registry if m.__module__.startswith("dealbook.")}
    missing = {m._meta.label for m in ours - through - registered} - inline_only
    assert missing == set()

    for model, model_admin in admin.site._registry.items():
        response = client.get(url(model))
        assert response.status_code == 200, model
        obj = model.objects.first()
        if obj is not None:
            assert client.get(url(model, "change", obj.pk)).status_code == 200, model
        request = RequestFactory().get("/")
        request.user = root
        expected = 200 if model_admin.has_add_permission(request) else 403
        assert client.get(url(model, "add")).status_code == expected, model


def test_admin_speaks_russian_when_the_browser_asks(client, world):
    """The admin follows the browser's language (Django's admin texts come translated)."""
    response = client.get(url(Deal), HTTP_ACCEPT_LANGUAGE="ru")

    assert response.status_code == 200
    assert "Выйти" in response.content.decode() or "Выход" in response.content.decode()


@pytest.mark.parametrize(
    "model", [Deal, DealLine, Company, Contact, Lead, Task, Event, Product, Stage], ids=lambda m: m.__name__
)
def test_big_lists_run_a_fixed_number_of_queries(f, root, client, world, model):
    """DESIGN: list pages select what they render; the count does not grow with the rows."""

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url(model)).status_code == 200
        return len(ctx.captured_queries)

    before = queries()
    add_rows(f, root, world["pipeline"], world["product"], 3)
    Product.objects.create(name="Extra", unit=world["product"].unit, price=Decimal("1.00"))
    assert queries() == before


def test_task_form_offers_no_select_box_of_all_deals_or_companies(client, world):
    """1M deals, 20k companies: a deal is picked by id, a company by search, never from a full list."""
    html = client.get(url(Task, "add")).content.decode()

    assert 'name="deal"' in html and "vForeignKeyRawIdAdminField" in html
    assert "admin-autocomplete" in html
    for company in Company.objects.all():
        assert f'<option value="{company.pk}"' not in html


@pytest.mark.parametrize("model", ["Deal", "DealLine", "StageTotal", "Event", "Lead"])
def test_business_records_are_view_only(client, world, model):
    """D2/D4/D8, T4: stage, amount and timeline change only through the services, never here."""
    from django.apps import apps

    cls = next(m for m in apps.get_models() if m.__name__ == model)
    obj = cls.objects.first()
    assert client.get(url(cls, "add")).status_code == 403
    assert client.post(url(cls, "change", obj.pk), {"title": "hacked"}).status_code == 403
    assert client.post(url(cls, "delete", obj.pk), {"post": "yes"}).status_code == 403


def test_deal_page_links_to_its_timeline(client, world):
    deal = world["deal"]
    html = client.get(url(Deal, "change", deal.pk)).content.decode()
    ct = ContentType.objects.get_for_model(Deal)

    assert f"subject_type__id__exact={ct.pk}&amp;subject_id={deal.pk}" in html
    listing = client.get(url(Event), {"subject_type__id__exact": ct.pk, "subject_id": deal.pk})
    assert listing.status_code == 200 and listing.context["cl"].result_count >= 3


def company_form(**over):
    data = {
        "name": "ЭЛЕКСИС ООО",
        "kind": "buyer",
        "segment": "",
        "is_own": "",
        "responsible": "",
        "legal_name": "",
        "country": "RU",
        "inn": "7802123458",
        "kpp": "780201001",
        "ogrn": "",
        "vat_id": "",
        "legal_address": "",
        "postal_address": "",
        "director_name": "Шахтагинский Станислав",
        "accountant_name": "",
        "website": "",
        "comment": "",
        "bank_accounts-TOTAL_FORMS": "1",
        "bank_accounts-INITIAL_FORMS": "0",
        "bank_accounts-0-bank_name": "ПАО Сбербанк",
        "bank_accounts-0-bik": BIK,
        "bank_accounts-0-corr_account": CORR,
        "bank_accounts-0-account": account_with_key(BIK, "40702810055000012345"),
        "bank_accounts-0-currency": "RUB",
        "points-TOTAL_FORMS": "1",
        "points-INITIAL_FORMS": "0",
        "points-0-kind": "phone",
        "points-0-label": "work",
        "points-0-value": "+7 (812) 325-96-46",
    }
    data.update(over)
    return data


def test_company_added_in_admin_goes_through_the_service_with_requisites_checked(client, world):
    """C2/C4: created by company_create — valid requisites, bank account, normalised phone, timeline."""
    response = client.post(url(Company, "add"), company_form())

    assert response.status_code == 302, response.context and response.context["errors"]
    company = Company.objects.get(name="ЭЛЕКСИС ООО")
    assert company.bank_accounts.get().bik == BIK
    assert company.points.get().normalized == "+78123259646"
    assert Event.objects.filter(
        subject_type=ContentType.objects.get_for_model(Company), subject_id=company.pk, kind="created"
    ).exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("inn", "7802123459", "wrong check digit"),
        ("bank_accounts-0-account", "40702810055000012340", "control key"),
        ("points-0-value", "12", "phone"),
    ],
)
def test_company_with_a_bad_requisite_is_refused_in_admin_and_nothing_is_written(
    client, world, field, value, message
):
    """C2: the service's message is shown on the form; no company, account or event is stored."""
    before = (Company.objects.count(), BankAccount.objects.count(), Event.objects.count())

    response = client.post(url(Company, "add"), company_form(**{field: value}))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert (Company.objects.count(), BankAccount.objects.count(), Event.objects.count()) == before


def test_company_requisites_changed_in_admin_are_checked_and_on_the_timeline(client, world):
    company = Company.objects.first()
    form = company_form(
        name=company.name,
        inn=company.inn,
        kpp="780201001",
        **{
            "bank_accounts-TOTAL_FORMS": "0",
            "points-TOTAL_FORMS": "0",
        },
    )
    response = client.post(url(Company, "change", company.pk), form)

    assert response.status_code == 302
    company.refresh_from_db()
    assert company.kpp == "780201001"
    change = Event.objects.filter(subject_id=company.pk, kind="updated", data__field="kpp")
    assert change.exists()


def test_product_added_in_admin_goes_through_the_catalog_service(client, world, f):
    """C4/P1: product_create validates (a currency that is no ISO code is refused), nothing written."""
    unit = f.unit("т")
    data = {
        "name": "Щебень гранитный фр. 20-40",
        "sku": "",
        "description": "",
        "is_active": "on",
        "unit": unit.pk,
        "price": "1850.00",
        "currency": "R1",
        "tax_kind": "standard",
        "price_includes_tax": "on",
    }
    response = client.post(url(Product, "add"), data)
    assert response.status_code == 200 and "three-letter ISO 4217 code" in response.content.decode()
    assert not Product.objects.filter(name__startswith="Щебень").exists()

    response = client.post(url(Product, "add"), {**data, "currency": "RUB"})
    assert response.status_code == 302
    product = Product.objects.get(name__startswith="Щебень")
    assert Event.objects.filter(subject_id=product.pk, kind="created").exists()


def test_pipeline_added_in_admin_gets_the_default_stages(client, world):
    """D1: a new direction without stages gets the seed's stages (pipeline_create)."""
    data = {
        "name": "Нерудные материалы",
        "sort": "20",
        "is_active": "on",
        "stages-TOTAL_FORMS": "0",
        "stages-INITIAL_FORMS": "0",
        "stages-2-TOTAL_FORMS": "1",
        "stages-2-INITIAL_FORMS": "0",
        "stages-2-0-name": "",
        "stages-2-0-code": "",
        "stages-2-0-kind": "open",
        "stages-2-0-color": "#6b7b93",
    }
    response = client.post(url(Pipeline, "add"), data, HTTP_ACCEPT_LANGUAGE="ru")

    assert response.status_code == 302, response.context and response.context["errors"]
    pipeline = Pipeline.objects.get(name="Нерудные материалы")
    assert list(pipeline.stages.values_list("code", flat=True))[0] == "new"
    assert pipeline.stages.get(code="new").name == "Входящая заявка"
    assert pipeline.stages.filter(kind="won").exists() and pipeline.stages.filter(kind="lost").exists()


def test_tax_rate_overlapping_an_existing_one_is_refused_in_admin(client, f):
    """P3: periods of one kind never overlap (tax_rate_add), so one rate answers for any date."""
    profile = f.russia()
    existing = list(profile.rates.order_by("id"))
    data = {
        "name": profile.name,
        "country": "RU",
        "tax_name": profile.tax_name,
        "expects_tax": "on",
        "prices_include_tax": "on",
        "rates-TOTAL_FORMS": str(len(existing)),
        "rates-INITIAL_FORMS": str(len(existing)),
        "rates-2-TOTAL_FORMS": "1",
        "rates-2-INITIAL_FORMS": "0",
        "rates-2-0-kind": "standard",
        "rates-2-0-rate": "25",
        "rates-2-0-valid_from": "2027-01-01",
        "rates-2-0-valid_to": "",
    }
    for i, rate in enumerate(existing):
        data[f"rates-{i}-id"] = rate.pk
        data[f"rates-{i}-profile"] = profile.pk
        data[f"rates-{i}-valid_to"] = rate.valid_to.isoformat() if rate.valid_to else ""

    response = client.post(url(type(profile), "change", profile.pk), data)

    assert response.status_code == 200 and "overlaps" in response.content.decode()
    assert TaxRate.objects.filter(profile=profile).count() == len(existing)


def task_form(task, **over):
    items = list(task.checklist.order_by("id"))
    data = {
        "kind": task.kind,
        "title": task.title,
        "description": "",
        "responsible": task.responsible_id,
        "deadline_0": timezone.localtime(task.deadline).strftime("%Y-%m-%d"),
        "deadline_1": timezone.localtime(task.deadline).strftime("%H:%M:%S"),
        "remind_at_0": "",
        "remind_at_1": "",
        "checklist-TOTAL_FORMS": str(len(items) + 1),
        "checklist-INITIAL_FORMS": str(len(items)),
        f"checklist-{len(items)}-text": "c",
    }
    for i, item in enumerate(items):
        data[f"checklist-{i}-id"] = item.pk
        data[f"checklist-{i}-task"] = task.pk
        data[f"checklist-{i}-text"] = item.text
    data.update(over)
    return data


def test_task_checklist_in_admin_goes_through_the_services(client, world):
    """T2: items added and ticked in the admin are on the task's timeline like any other change."""
    task = Task.objects.filter(deal=world["deal"], title__startswith="Call").first()

    response = client.post(url(Task, "change", task.pk), task_form(task, **{"checklist-0-is_done": "on"}))

    assert response.status_code == 302, response.context and response.context["errors"]
    assert task.checklist.count() == 3 and task.checklist.filter(is_done=True).count() == 1
    logged = Event.objects.filter(subject_type=ContentType.objects.get_for_model(Task), subject_id=task.pk)
    assert {e.data.get("checklist") for e in logged} >= {"added", "done"}


def test_task_deadline_changed_in_admin_is_on_its_timeline(client, world):
    """T3/R3: task_update records the old and new deadline."""
    task = Task.objects.filter(title__startswith="Call").first()
    new = timezone.localtime(task.deadline) + dt.timedelta(days=2)

    response = client.post(url(Task, "change", task.pk), task_form(task, deadline_0=new.strftime("%Y-%m-%d")))

    assert response.status_code == 302, response.context and response.context["errors"]
    task.refresh_from_db()
    assert timezone.localtime(task.deadline).date() == new.date()
    assert Event.objects.filter(subject_id=task.pk, kind="updated", data__field="deadline").exists()


def test_complete_action_refuses_a_task_with_an_open_checklist(client, world):
    """T2: the admin's "complete" action calls task_complete, which refuses "0 of 2 done"."""
    task = Task.objects.filter(title__startswith="Call").first()

    response = client.post(
        url(Task), {"action": "complete_tasks", "_selected_action": [task.pk]}, follow=True
    )

    assert response.status_code == 200
    assert "0 of 2 done" in response.content.decode()
    task.refresh_from_db()
    assert task.status == "open"
    assert ChecklistItem.objects.filter(task=task).count() == 2


def stage_form(pipeline, **over):
    stages = list(pipeline.stages.order_by("sort", "id"))
    data = {
        "name": pipeline.name,
        "sort": pipeline.sort,
        "is_active": "on",
        "stages-TOTAL_FORMS": str(len(stages)),
        "stages-INITIAL_FORMS": str(len(stages)),
        "stages-2-TOTAL_FORMS": "1",
        "stages-2-INITIAL_FORMS": "0",
        "stages-2-0-kind": "open",
        "stages-2-0-color": "#6b7b93",
    }
    for i, stage in enumerate(stages):
        data.update(
            {
                f"stages-{i}-id": stage.pk,
                f"stages-{i}-pipeline": pipeline.pk,
                f"stages-{i}-sort": stage.sort,
                f"stages-{i}-name": stage.name,
                f"stages-{i}-color": stage.color,
            }
        )
    data.update(over)
    return data


def test_stages_renamed_reordered_and_added_in_admin_go_through_the_pipeline_services(client, world):
    """D1: rename (code kept), reorder and add stages; each change is on the pipeline's timeline."""
    pipeline = world["pipeline"]
    stages = list(pipeline.stages.order_by("sort", "id"))
    negotiation = next(i for i, s in enumerate(stages) if s.code == "negotiation")
    price = next(i for i, s in enumerate(stages) if s.code == "price_announced")
    form = stage_form(
        pipeline,
        **{
            f"stages-{negotiation}-name": "Согласование",
            f"stages-{negotiation}-sort": stages[price].sort,
            f"stages-{price}-sort": stages[negotiation].sort,
            "stages-2-0-name": "Замер на объекте",
            "stages-2-0-code": "site_survey",
        },
    )

    response = client.post(url(Pipeline, "change", pipeline.pk), form)

    assert response.status_code == 302, response.context and response.context["errors"]
    codes = list(pipeline.stages.order_by("sort").values_list("code", flat=True))
    assert codes.index("price_announced") < codes.index("negotiation")
    assert "site_survey" in codes
    assert pipeline.stages.get(code="negotiation").name == "Согласование"
    events = Event.objects.filter(
        subject_type=ContentType.objects.get_for_model(Pipeline), subject_id=pipeline.pk
    )
    assert {e.data.get("field") for e in events} >= {"stage.name", "stage_order", "stages"}


def test_stage_with_a_bad_code_is_refused_in_admin_and_nothing_changes(client, world):
    pipeline = world["pipeline"]
    before = list(pipeline.stages.values_list("code", "name", "sort"))

    response = client.post(
        url(Pipeline, "change", pipeline.pk),
        stage_form(pipeline, **{"stages-2-0-name": "X", "stages-2-0-code": "Bad-Code"}),
    )

    assert response.status_code == 200 and "lower-case latin letters" in response.content.decode()
    assert list(pipeline.stages.values_list("code", "name", "sort")) == before


def test_routing_rule_added_in_admin_goes_through_the_routing_service(client, world, f):
    """D3: routing_rule_create checks the responsible and records the rule on the pipeline."""
    manager = f.make_user(Role.SALES_MANAGER)
    data = {
        "pipeline": world["pipeline"].pk,
        "segment": "",
        "responsible": manager.pk,
        "priority": "5",
        "is_active": "on",
    }

    response = client.post(url(RoutingRule, "add"), data)

    assert response.status_code == 302
    rule = RoutingRule.objects.get(responsible=manager)
    assert rule.priority == 5
    assert Event.objects.filter(subject_id=world["pipeline"].pk, data__field="routing_rule").exists()


def test_contact_added_in_admin_gets_normalised_phones_and_company_links(client, world):
    """C5/L3: contact_create normalises the phone (E.164) and links the companies on both timelines."""
    companies = list(Company.objects.order_by("id")[:2])
    data = {
        "first_name": "Роман",
        "middle_name": "",
        "last_name": "",
        "position": "прораб",
        "companies": [c.pk for c in companies],
        "responsible": "",
        "source": "",
        "comment": "",
        "points-TOTAL_FORMS": "2",
        "points-INITIAL_FORMS": "0",
        "points-0-kind": "phone",
        "points-0-label": "mobile",
        "points-0-value": "7 921 848-53-83",
        "points-1-kind": "email",
        "points-1-label": "work",
        "points-1-value": "SL-CC@ya.ru",
    }

    response = client.post(url(Contact, "add"), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    contact = Contact.objects.get(first_name="Роман")
    assert sorted(contact.points.values_list("normalized", flat=True)) == ["+79218485383", "sl-cc@ya.ru"]
    assert set(contact.companies.all()) == set(companies)
    assert Event.objects.filter(subject_id=companies[1].pk, kind="link_added").exists()


def test_product_made_inactive_in_admin_is_archived_by_the_service(client, world):
    product = world["product"]
    data = {
        "name": product.name,
        "sku": product.sku,
        "description": "",
        "is_service": "",
        "unit": product.unit_id,
        "price": "750.00",
        "currency": "RUB",
        "tax_kind": product.tax_kind,
        "price_includes_tax": "on",
    }

    response = client.post(url(Product, "change", product.pk), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    product.refresh_from_db()
    assert product.is_active is False and product.price == Decimal("750.00")
    assert Event.objects.filter(subject_id=product.pk, kind="status_changed").exists()
    assert Event.objects.filter(subject_id=product.pk, kind="updated", data__field="price").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row estimates are PostgreSQL's")
def test_unfiltered_big_list_uses_the_row_estimate_instead_of_counting(client, world, monkeypatch):
    """1M deals: the admin's deal list does not COUNT(*) the whole table on every page."""
    from dealbook.core.admin import LargeTablePaginator

    monkeypatch.setattr(LargeTablePaginator, "ESTIMATE_FROM", 1)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE crm_deal")

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url(Deal)).status_code == 200
    counts = [
        q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper() and "crm_deal" in q["sql"]
    ]
    assert counts == []

    with CaptureQueriesContext(connection) as ctx:  # a filtered list is counted exactly
        assert client.get(url(Deal), {"is_shared__exact": "0"}).status_code == 200
    assert any("COUNT(" in q["sql"].upper() for q in ctx.captured_queries)
