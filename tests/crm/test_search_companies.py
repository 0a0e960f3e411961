"""C3: one search box finds companies by name, phone, INN or VAT id fragment; results follow R2."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealbook.accounts.models import Role
from dealbook.crm.models import Contact, ContactPoint
from dealbook.crm.search import search_companies

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(f):
    accountant = f.make_user(Role.ACCOUNTANT)
    manager = f.make_user(Role.SALES_MANAGER)
    other = f.make_user(Role.SALES_MANAGER)
    elexis = f.make_company("ЭЛЕКСИС ООО", inn="7806210729", responsible=manager)
    ContactPoint.objects.create(
        company=elexis, kind="phone", value="+7 (812) 325-96-46", normalized="+78123259646"
    )
    muster = f.make_company("Muster GmbH", country="DE", vat_id="DE136695976", responsible=manager)
    hidden = f.make_company("Элексис-Строй", inn="7707083893", responsible=other)
    unclaimed = f.make_company("Бетон Плюс", inn="500100732259")
    roman = Contact.objects.create(first_name="Роман", responsible=other)
    ContactPoint.objects.create(contact=roman, kind="phone", value="79218485383", normalized="+79218485383")
    roman.companies.add(unclaimed)
    return {
        "accountant": accountant,
        "manager": manager,
        "other": other,
        "elexis": elexis,
        "muster": muster,
        "hidden": hidden,
        "unclaimed": unclaimed,
    }


def names(hits):
    return [h.name for h in hits]


def test_c3_by_name_fragment_case_insensitive_in_cyrillic(world):
    hits = search_companies(world["accountant"], "элекс")
    assert names(hits) == ["ЭЛЕКСИС ООО", "Элексис-Строй"]
    assert {h.match for h in hits} == {"name"}
    assert names(search_companies(world["accountant"], "gmbh")) == ["Muster GmbH"]
    assert names(search_companies(world["accountant"], "СИС ОО")) == ["ЭЛЕКСИС ООО"]


def test_c3_names_starting_with_the_fragment_come_first(world, f):
    f.make_company("ООО Бетон")
    assert names(search_companies(world["accountant"], "бетон")) == ["Бетон Плюс", "ООО Бетон"]


def test_c3_by_inn_fragment(world):
    hits = search_companies(world["accountant"], "8062107")
    assert names(hits) == ["ЭЛЕКСИС ООО"] and hits[0].match == "inn"


def test_c3_by_vat_id_fragment(world):
    hits = search_companies(world["accountant"], "de 1366")
    assert names(hits) == ["Muster GmbH"] and hits[0].match == "vat_id"


def test_c3_by_company_phone_fragment_as_typed(world):
    hits = search_companies(world["accountant"], "325-96-46")
    assert names(hits) == ["ЭЛЕКСИС ООО"] and hits[0].match == "phone"


def test_c3_by_the_phone_of_a_contact_of_the_company(world):
    hits = search_companies(world["accountant"], "848 53 83")
    assert names(hits) == ["Бетон Плюс"] and hits[0].match == "phone"


def test_c3_empty_or_too_short_digit_fragment(world):
    assert search_companies(world["accountant"], "   ") == []
    assert search_companies(world["accountant"], "12") == []


def test_c3_special_characters_are_literal(world, f):
    f.make_company("100% Бетон_X")
    assert names(search_companies(world["accountant"], "100%")) == ["100% Бетон_X"]
    assert names(search_companies(world["accountant"], "_x")) == ["100% Бетон_X"]


def test_r2_sales_manager_finds_own_shared_and_unclaimed_but_not_another_managers(world, f):
    shared = f.make_company("Элексис Шеред", responsible=world["other"], is_shared=True)
    hits = search_companies(world["manager"], "элекс")
    assert names(hits) == ["ЭЛЕКСИС ООО", "Элексис Шеред"]
    assert shared.name in names(hits) and "Элексис-Строй" not in names(hits)
    assert search_companies(world["manager"], "7707083") == []  # hidden company's INN
    assert names(search_companies(world["manager"], "бетон")) == ["Бетон Плюс"]  # unclaimed: can take it


def test_r2_group_manager_finds_the_groups_companies(world, f):
    group = f.make_group()
    world["other"].group = group
    world["other"].save()
    boss = f.make_user(Role.GROUP_MANAGER, group=group)
    assert "Элексис-Строй" in names(search_companies(boss, "элекс"))


def test_c3_limit_and_constant_query_count(world, f):
    for i in range(30):
        f.make_company(f"Элексис филиал {i:02d}", responsible=world["manager"])
    with CaptureQueriesContext(connection) as few:
        assert len(search_companies(world["manager"], "филиал", limit=5)) == 5
    with CaptureQueriesContext(connection) as many:
        assert len(search_companies(world["manager"], "филиал", limit=20)) == 20
    assert len(few) == len(many)
