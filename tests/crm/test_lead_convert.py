"""L2: conversion in every mode, in one transaction, on every timeline; L3: duplicates stop it first."""

import pytest

from dealbook.accounts.models import Role
from dealbook.core.errors import Forbidden, InvalidInput, NotFound, RuleViolation
from dealbook.core.models import Event
from dealbook.crm import hooks
from dealbook.crm.duplicates import DuplicatesFound
from dealbook.crm.models import Company, Contact, ContactPoint, Deal, Lead, LeadStatus
from dealbook.crm.services.contacts import contact_create
from dealbook.crm.services.leads import lead_convert, lead_create, lead_set_status
from dealbook.crm.setup import sources_create_default

SEED_COMMENT = "Кольца КС-10-1 ×2, КС-10-1,5 ×3; ФБС 9-6-6 ×1, ФБС 12-5 ×3"


@pytest.fixture
def world(f):
    f.russia()
    sources = {s.code: s for s in sources_create_default(language="ru")}
    return {
        "operator": f.make_user(Role.OPERATOR),
        "pipeline": f.make_pipeline("ЖБИ"),
        "sources": sources,
    }


@pytest.fixture
def seed_lead(world):
    return lead_create(
        actor=world["operator"],
        title="Входящий звонок/тест_клиент",
        source=world["sources"]["call"],
        phone="+7 921 848-53-83",
        name="Роман",
        comment=SEED_COMMENT,
    )


def converted_events(obj):
    return list(
        Event.objects.filter(kind="converted", subject_id=obj.pk, subject_type__model=obj._meta.model_name)
    )


def snapshot():
    return (
        Deal.objects.count(),
        Contact.objects.count(),
        ContactPoint.objects.count(),
        Event.objects.count(),
    )


@pytest.fixture
def hook_calls():
    calls = []

    def on_converted(**kwargs):
        calls.append(kwargs)

    hooks.register("lead_converted", on_converted)
    yield calls
    hooks._HOOKS["lead_converted"].remove(on_converted)


@pytest.mark.django_db
def test_l2_seed_lead_to_deal_and_contact(world, seed_lead, hook_calls):
    """L2 (seed 002): lead 33082 → deal "01/12.05 КС, ФБС тест" (ЖБИ, referral, Синявино) + contact Роман."""
    op = world["operator"]
    result = lead_convert(
        actor=op,
        lead=seed_lead,
        mode="deal_contact",
        pipeline=world["pipeline"],
        deal_title="01/12.05 КС, ФБС тест",
        source=world["sources"]["referral"],
        delivery_address="Синявино",
        position="прораб",
    )
    deal, contact = result.deal, result.contact
    assert deal.title == "01/12.05 КС, ФБС тест"
    assert deal.pipeline == world["pipeline"] and deal.source.code == "referral"
    assert deal.delivery_address == "Синявино"
    assert deal.comment == SEED_COMMENT  # the request's items travel with the deal
    assert deal.lead_id == seed_lead.pk
    assert contact.first_name == "Роман" and contact.position == "прораб"
    assert contact.points.get().normalized == "+79218485383"
    assert list(deal.deal_contacts.values_list("contact_id", "is_primary")) == [(contact.pk, True)]
    seed_lead.refresh_from_db()
    assert seed_lead.status == LeadStatus.CONVERTED and seed_lead.converted_at is not None
    assert (seed_lead.deal, seed_lead.contact, seed_lead.company) == (deal, contact, None)
    # one action, recorded on every timeline it concerns, tied by one group
    events = converted_events(seed_lead) + converted_events(deal) + converted_events(contact)
    assert len(events) == 3 and len({e.group for e in events}) == 1
    assert events[0].data["mode"] == "deal_contact" and events[0].actor == op
    assert hook_calls == [{"lead": seed_lead, "actor": op, "deal": deal, "contact": contact, "company": None}]


@pytest.mark.django_db
def test_l2_deal_only(world, seed_lead):
    result = lead_convert(actor=world["operator"], lead=seed_lead, mode="deal")
    assert result.contact is None and result.company is None
    assert result.deal.title == seed_lead.title
    assert result.deal.pipeline == world["pipeline"]  # the only (default) direction
    assert Contact.objects.count() == 0
    assert len(converted_events(seed_lead)) == len(converted_events(result.deal)) == 1


@pytest.mark.django_db
def test_l2_contact_only_bound_to_an_existing_company(f, world, seed_lead):
    """L2: contact only, linked to an existing company; recorded on lead, contact and company."""
    company = f.make_company("ЭЛЕКСИС ООО")
    result = lead_convert(
        actor=world["operator"], lead=seed_lead, mode="contact", company=company, last_name="Иванов"
    )
    assert result.deal is None and Deal.objects.count() == 0
    assert result.contact.full_name == "Иванов Роман"
    assert list(result.contact.companies.all()) == [company]
    for obj in (seed_lead, result.contact, company):
        assert len(converted_events(obj)) == 1
    seed_lead.refresh_from_db()
    assert seed_lead.company == company and seed_lead.deal is None


@pytest.mark.django_db
def test_l2_attach_to_existing_contact_creates_the_deal_on_it(world, seed_lead):
    """L2/L3: attaching to the existing contact (the duplicate) is the user's choice: no new contact."""
    op = world["operator"]
    roman = contact_create(actor=op, first_name="Роман", phones=["8 (921) 8485383"])
    before_contacts = Contact.objects.count()
    result = lead_convert(actor=op, lead=seed_lead, mode="attach", contact=roman)
    assert result.contact == roman
    assert Contact.objects.count() == before_contacts
    assert list(result.deal.contacts.all()) == [roman]
    assert len(converted_events(roman)) == len(converted_events(result.deal)) == 1


@pytest.mark.django_db
def test_l2_attach_to_company_and_contact_links_them(f, world, seed_lead):
    op = world["operator"]
    company = f.make_company("ЭЛЕКСИС ООО")
    roman = contact_create(actor=op, first_name="Роман")
    result = lead_convert(actor=op, lead=seed_lead, mode="attach", contact=roman, company=company)
    assert result.deal.company == company
    assert list(roman.companies.all()) == [company]
    for obj in (seed_lead, result.deal, roman, company):
        assert len(converted_events(obj)) == 1


@pytest.mark.django_db
def test_l2_attach_without_deal(f, world, seed_lead):
    company = f.make_company("ЭЛЕКСИС ООО")
    result = lead_convert(
        actor=world["operator"], lead=seed_lead, mode="attach", company=company, with_deal=False
    )
    assert result.deal is None and Deal.objects.count() == 0
    seed_lead.refresh_from_db()
    assert seed_lead.status == LeadStatus.CONVERTED and seed_lead.company == company


@pytest.mark.django_db
def test_l2_attach_needs_a_record(world, seed_lead):
    with pytest.raises(InvalidInput) as err:
        lead_convert(actor=world["operator"], lead=seed_lead, mode="attach")
    assert err.value.field == "contact"


@pytest.mark.django_db
def test_l2_converted_twice_refused_and_nothing_written(world, seed_lead):
    """L2: a lead converted twice is refused (409 lead_converted); no deal, contact or event added."""
    op = world["operator"]
    lead_convert(actor=op, lead=seed_lead, mode="deal_contact")
    before = snapshot()
    with pytest.raises(RuleViolation) as err:
        lead_convert(actor=op, lead=seed_lead, mode="deal_contact", confirm_duplicates=True)
    assert err.value.code == "lead_converted"
    assert snapshot() == before


@pytest.mark.django_db
def test_l3_phone_written_differently_stops_conversion_until_confirmed(world, seed_lead):
    """L3: "+7 921 848-53-83" on the lead matches "8 (921) 8485383" on a contact: nothing is
    created until the user confirms; after confirming, the new records are made."""
    op = world["operator"]
    roman = contact_create(actor=op, first_name="Роман", phones=["8 (921) 8485383"])
    before = snapshot()
    with pytest.raises(DuplicatesFound) as err:
        lead_convert(actor=op, lead=seed_lead, mode="deal_contact")
    assert err.value.status == 409 and err.value.code == "duplicates"
    assert "1 match by phone" in err.value.message
    body = err.value.as_dict()
    assert body["matches"]["phone"][0]["id"] == roman.pk
    assert snapshot() == before
    seed_lead.refresh_from_db()
    assert seed_lead.status == LeadStatus.NEW

    result = lead_convert(actor=op, lead=seed_lead, mode="deal_contact", confirm_duplicates=True)
    assert result.contact != roman
    assert converted_events(seed_lead)[0].data["duplicates_confirmed"] is True


@pytest.mark.django_db
def test_l3_email_in_other_case_stops_conversion(world):
    op = world["operator"]
    contact_create(actor=op, first_name="Роман", emails=["roman@elexis.ru"])
    lead = lead_create(actor=op, title="Mail", name="Роман", email="Roman@ELEXIS.ru")
    with pytest.raises(DuplicatesFound) as err:
        lead_convert(actor=op, lead=lead, mode="contact")
    assert err.value.matches.summary == "1 match by e-mail"
    assert Contact.objects.count() == 1


@pytest.mark.django_db
def test_l3_inn_stops_conversion(f, world):
    op = world["operator"]
    company = f.make_company("ВЕСТ ГРУПП", inn="7806210729")
    lead = lead_create(actor=op, title="Call", name="Олег", inn="7806210729")
    with pytest.raises(DuplicatesFound) as err:
        lead_convert(actor=op, lead=lead, mode="deal")
    assert [m.id for m in err.value.matches.inn] == [company.pk]
    assert Deal.objects.count() == 0


@pytest.mark.django_db
def test_l2_failure_midway_leaves_nothing_half_written(world, seed_lead):
    """L2: one transaction — a deal refused after the contact was made leaves no contact behind."""
    import datetime as dt

    before = snapshot()
    with pytest.raises(InvalidInput) as err:
        lead_convert(
            actor=world["operator"],
            lead=seed_lead,
            mode="deal_contact",
            begin_date=dt.date(2026, 5, 12),
            close_date=dt.date(2026, 5, 1),
        )
    assert err.value.field == "close_date"
    assert snapshot() == before
    seed_lead.refresh_from_db()
    assert seed_lead.status == LeadStatus.NEW and seed_lead.contact is None


@pytest.mark.django_db
def test_l2_junk_lead_must_return_to_work_first(world, seed_lead):
    op = world["operator"]
    lead_set_status(actor=op, lead=seed_lead, status="junk")
    with pytest.raises(RuleViolation) as err:
        lead_convert(actor=op, lead=seed_lead, mode="deal")
    assert err.value.code == "lead_junk"
    assert Deal.objects.count() == 0


@pytest.mark.django_db
def test_l2_contact_needs_a_name(world):
    lead = lead_create(actor=world["operator"], title="Call", phone="+79218485383")
    with pytest.raises(InvalidInput) as err:
        lead_convert(actor=world["operator"], lead=lead, mode="contact")
    assert err.value.field == "first_name"
    assert Contact.objects.count() == 0


@pytest.mark.django_db
def test_r1_accountant_cannot_convert(f, world, seed_lead):
    with pytest.raises(Forbidden):
        lead_convert(actor=f.make_user(Role.ACCOUNTANT), lead=seed_lead, mode="deal")
    assert Lead.objects.get(pk=seed_lead.pk).status == LeadStatus.NEW


@pytest.mark.django_db
def test_r2_cannot_attach_to_a_contact_one_cannot_see(f, world):
    owner, manager = f.make_user(Role.SALES_MANAGER), f.make_user(Role.SALES_MANAGER)
    private = contact_create(actor=owner, first_name="Чужой")
    lead = lead_create(actor=manager, title="Mine", name="Кто-то")
    with pytest.raises(NotFound):
        lead_convert(actor=manager, lead=lead, mode="attach", contact=private)
    assert Deal.objects.count() == 0


@pytest.mark.django_db
def test_l2_sales_manager_converts_own_lead_and_keeps_it(f, world):
    """R2: the manager's own lead becomes the manager's deal and contact."""
    manager = f.make_user(Role.SALES_MANAGER)
    lead = lead_create(actor=manager, title="Mine", name="Пётр")
    result = lead_convert(actor=manager, lead=lead, mode="deal_contact")
    assert result.deal.responsible == manager and result.contact.responsible == manager
    assert Company.objects.count() == 0  # counterparties are never created by conversion (C4)
