"""Copying and deleting deals: R1 who may, R3 the COPIED/DELETED trail, D6 running totals, D8 closed
deals (a copy is a new deal, so copying is allowed; deleting is refused), and billing's refusal
through the crm "deal_can_delete" hook when the deal has invoices."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from dealbook.accounts.models import Role
from dealbook.billing.services import invoice_create_from_deal
from dealbook.core.errors import Forbidden, NotFound, RuleViolation
from dealbook.core.models import Event, EventKind
from dealbook.crm import hooks, totals
from dealbook.crm.models import Deal, DealContact, DealLine, StageTotal
from dealbook.crm.services import deals as svc
from dealbook.crm.services.lines import line_add
from dealbook.crm.setup import lost_reasons_create_default

pytestmark = pytest.mark.django_db


def events(subject, kind):
    return list(
        Event.objects.filter(
            subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk, kind=kind
        ).order_by("id")
    )


def snapshot():
    return (
        list(Deal.objects.order_by("id").values()),
        list(DealLine.objects.order_by("id").values()),
        list(DealContact.objects.order_by("id").values()),
        list(StageTotal.objects.order_by("id").values()),
        Event.objects.count(),
    )


@pytest.fixture
def w(f):
    class World:
        pass

    x = World()
    x.profile = f.russia()
    x.pipeline = f.make_pipeline("ЖБИ")
    x.group = f.make_group("North")
    x.manager = f.make_user(Role.SALES_MANAGER, group=x.group)
    x.colleague = f.make_user(Role.SALES_MANAGER, group=x.group)
    x.outsider = f.make_user(Role.SALES_MANAGER, group=f.make_group("South"))
    x.director = f.make_user(Role.DIRECTOR)
    x.admin = f.make_user(Role.ADMIN)
    x.accountant = f.make_user(Role.ACCOUNTANT)
    x.company = f.make_company("ЭЛЕКСИС ООО", inn="7802345676")
    x.roman = f.make_contact("Роман", responsible=x.manager)
    x.director_contact = f.make_contact("Директор", responsible=x.manager)
    x.ring = f.make_product("Кольцо стеновое КС 10-3", price="700.00")
    lost_reasons_create_default()
    x.deal = f.make_deal(
        pipeline=x.pipeline,
        stage_code="price_announced",
        responsible=x.colleague,
        title="КС для Синявино",
        company=x.company,
        location="Синявино",
        delivery_address="Кировский р-н",
        comment="Нужна доставка",
        tax_date=dt.date(2018, 5, 12),
        probability=60,
        is_shared=True,
    )
    DealContact.objects.create(deal=x.deal, contact=x.director_contact, is_primary=False)
    DealContact.objects.create(deal=x.deal, contact=x.roman, is_primary=True)
    line_add(
        actor=x.colleague,
        deal=x.deal,
        product=x.ring,
        quantity=3,
        price="650.00",
        discount_kind="percent",
        discount_value="10",
    )
    x.deal.refresh_from_db()
    totals.recount(x.pipeline)
    return x


def assert_totals_exact(pipeline):
    assert totals.stored_totals(pipeline) == totals.live_totals(pipeline)


# ---------------------------------------------------------------- copy


def test_copy_has_the_same_fields_contacts_and_lines_and_the_actor_as_responsible(w):
    """The copy: same title, company, contacts (primary kept), lines and amount; the actor is
    responsible; it starts like a new deal (D1/D3), not in the source's stage."""
    copy = svc.deal_copy(actor=w.manager, deal=w.deal)
    assert copy.pk != w.deal.pk
    assert copy.title == w.deal.title and copy.company_id == w.company.pk
    assert (copy.location, copy.delivery_address, copy.comment) == (
        "Синявино",
        "Кировский р-н",
        "Нужна доставка",
    )
    assert copy.is_shared and copy.probability == 60 and copy.deal_type == w.deal.deal_type
    assert copy.responsible_id == w.manager.pk
    assert copy.stage.code in ("new", "assigned") and copy.stage.kind == "open"
    links = list(DealContact.objects.filter(deal=copy).order_by("-is_primary", "id"))
    assert [(x.contact_id, x.is_primary) for x in links] == [
        (w.roman.pk, True),
        (w.director_contact.pk, False),
    ]
    (line,) = DealLine.objects.filter(deal=copy)
    (original,) = DealLine.objects.filter(deal=w.deal)
    assert (line.product_id, line.quantity, line.price, line.discount_kind, line.discount_value) == (
        original.product_id,
        original.quantity,
        original.price,
        "percent",
        Decimal("10.00"),
    )
    assert copy.amount == line.total and copy.amount > 0
    assert copy.tax_date == timezone.localdate()  # P3: the rate in force for the copy's own date
    # the source is untouched
    assert DealLine.objects.filter(deal=w.deal).count() == 1
    assert Deal.objects.get(pk=w.deal.pk).stage.code == "price_announced"


def test_copy_r3_copied_on_both_timelines_with_one_group(w):
    copy = svc.deal_copy(actor=w.manager, deal=w.deal)
    (on_copy,) = events(copy, EventKind.COPIED)
    (on_source,) = events(w.deal, EventKind.COPIED)
    assert on_copy.data["from_deal_id"] == w.deal.pk and on_source.data["to_deal_id"] == copy.pk
    assert on_copy.actor_id == on_source.actor_id == w.manager.pk
    assert on_copy.group is not None and on_copy.group == on_source.group


def test_copy_keeps_the_running_totals_exact(w):
    """D6: the copy's count and amount land in its stage's row in the same transaction."""
    copy = svc.deal_copy(actor=w.manager, deal=w.deal)
    assert_totals_exact(w.pipeline)
    headers = {h["stage"].pk: h for h in totals.stage_headers(w.manager, w.pipeline)}
    assert headers[copy.stage_id]["count"] == 1 and headers[copy.stage_id]["amount"] == copy.amount


def test_copy_of_a_deal_without_lines_keeps_the_typed_amount(w, f):
    deal = f.make_deal(pipeline=w.pipeline, stage_code="negotiation", responsible=w.manager, amount="1234.50")
    totals.recount(w.pipeline)
    copy = svc.deal_copy(actor=w.manager, deal=deal)
    assert copy.amount == Decimal("1234.50")
    assert_totals_exact(w.pipeline)


def test_d8_a_closed_deal_may_be_copied(w, without_win_guard):
    """D8 freezes the closed deal itself; a copy is a new, open deal."""
    svc.deal_move(actor=w.colleague, deal=w.deal, stage="won")
    copy = svc.deal_copy(actor=w.colleague, deal=w.deal)
    assert copy.stage.kind == "open" and copy.closed_at is None
    assert Deal.objects.get(pk=w.deal.pk).stage.code == "won"
    assert_totals_exact(w.pipeline)


def test_r1_copy_needs_the_right_to_create_deals(w):
    before = snapshot()
    with pytest.raises(Forbidden):
        svc.deal_copy(actor=w.accountant, deal=w.deal)
    assert snapshot() == before


def test_r2_a_deal_the_actor_cannot_see_is_not_found(w, f):
    private = f.make_deal(pipeline=w.pipeline, stage_code="negotiation", responsible=w.colleague)
    before = snapshot()
    with pytest.raises(NotFound):
        svc.deal_copy(actor=w.outsider, deal=private)
    assert snapshot() == before


# ---------------------------------------------------------------- delete


def test_delete_by_a_director_keeps_totals_and_a_deleted_entry_on_company_and_contacts(w):
    """R1 director; D6 the totals lose the deal; R3 DELETED on the company's and contacts' timelines."""
    pk = w.deal.pk
    svc.deal_delete(actor=w.director, deal=w.deal)
    assert not Deal.objects.filter(pk=pk).exists()
    assert_totals_exact(w.pipeline)
    for subject in (w.company, w.roman, w.director_contact):
        (event,) = events(subject, EventKind.DELETED)
        assert event.data["deal_id"] == pk and event.data["deal_title"] == "КС для Синявино"
        assert event.actor_id == w.director.pk


@pytest.mark.parametrize("role", ["manager", "colleague", "accountant"])
def test_r1_only_directors_and_administrators_delete(w, role):
    before = snapshot()
    with pytest.raises(Forbidden):
        svc.deal_delete(actor=getattr(w, role), deal=w.deal)
    assert snapshot() == before


def test_r1_an_administrator_deletes(w):
    svc.deal_delete(actor=w.admin, deal=w.deal)
    assert not Deal.objects.filter(pk=w.deal.pk).exists()


def test_d8_a_closed_deal_is_not_deleted(w, without_win_guard):
    svc.deal_move(actor=w.colleague, deal=w.deal, stage="won")
    before = snapshot()
    with pytest.raises(RuleViolation) as err:
        svc.deal_delete(actor=w.director, deal=w.deal)
    assert err.value.code == "deal_closed"
    assert snapshot() == before


def test_a_deal_with_an_invoice_is_not_deleted_billing_says_why(w, f):
    """Billing answers the "deal_can_delete" hook: the invoice is named; nothing is written."""
    own = f.make_company('ООО "ВЕСТ ГРУПП"', is_own=True, inn="7806210729", kpp="780601001")
    invoice = invoice_create_from_deal(actor=w.colleague, deal=w.deal, seller=own, payer_company=w.company)
    before = snapshot()
    with pytest.raises(RuleViolation) as err:
        svc.deal_delete(actor=w.director, deal=w.deal)
    assert err.value.code == "deal_has_invoices"
    assert (invoice.number or "") in err.value.message
    assert snapshot() == before


def test_the_hook_is_registered_by_billing():
    from dealbook.billing.apps import deal_can_delete

    assert "deal_can_delete" in hooks.KNOWN and deal_can_delete in hooks._HOOKS["deal_can_delete"]


# ---------------------------------------------------------------- API


def test_api_copy_returns_the_new_deal(w, api_as):
    r = api_as(w.manager).post(f"deals/{w.deal.pk}/copy")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["id"] != w.deal.pk and body["title"] == w.deal.title
    assert Deal.objects.get(pk=body["id"]).responsible_id == w.manager.pk


def test_api_copy_refused_for_accountants_and_unknown_deals(w, api_as):
    assert api_as(w.accountant).post(f"deals/{w.deal.pk}/copy").status_code == 403
    assert api_as(w.manager).post("deals/999999/copy").status_code == 404


def test_api_delete_refusals_answer_with_code_and_field(w, api_as, f):
    assert api_as(w.manager).delete(f"deals/{w.deal.pk}").status_code == 403
    own = f.make_company("Own", is_own=True, inn="7806210729", kpp="780601001")
    invoice_create_from_deal(actor=w.colleague, deal=w.deal, seller=own, payer_company=w.company)
    r = api_as(w.director).delete(f"deals/{w.deal.pk}")
    assert r.status_code == 409 and r.json()["code"] == "deal_has_invoices" and r.json()["field"] == "id"
    assert Deal.objects.filter(pk=w.deal.pk).exists()


def test_api_delete_by_director(w, api_as):
    assert api_as(w.director).delete(f"deals/{w.deal.pk}").status_code == 204
    assert_totals_exact(w.pipeline)
