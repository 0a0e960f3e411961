"""L3: duplicate matches by normalised phone, e-mail in any case, INN and VAT id; R2 masking."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from dealbook.accounts.models import Role
from dealbook.core.errors import InvalidInput
from dealbook.crm.duplicates import find_matches
from dealbook.crm.models import Lead, LeadStatus
from dealbook.crm.services.contacts import contact_create
from dealbook.crm.services.leads import lead_create


@pytest.fixture
def operator(f):
    return f.make_user(Role.OPERATOR)


@pytest.mark.django_db
def test_l3_phone_written_differently_matches_contact(operator):
    """L3: "+7 921 848-53-83" and "8 (921) 8485383" are the same number (E.164)."""
    roman = contact_create(actor=operator, first_name="Роман", phones=["8 (921) 8485383"])
    matches = find_matches(phones=["+7 921 848-53-83"])
    assert [(m.record, m.id, m.name, m.value, m.visible) for m in matches.phone] == [
        ("contact", roman.pk, "Роман", "+79218485383", True)
    ]
    assert matches.email == matches.inn == matches.vat_id == []
    assert matches.summary == "1 match by phone"


@pytest.mark.django_db
def test_l3_phone_matches_leads_and_company_points(f, operator):
    lead = lead_create(actor=operator, title="Call", phone="+7 921 848-53-83")
    company = f.make_company("ЭЛЕКСИС ООО")
    company.points.create(kind="phone", value="8-921-848-53-83", normalized="+79218485383")
    matches = find_matches(phones=["79218485383"])
    assert {(m.record, m.id) for m in matches.phone} == {("lead", lead.pk), ("company", company.pk)}
    assert matches.summary == "2 matches by phone"


@pytest.mark.django_db
def test_l3_email_matches_in_any_case(operator):
    """L3: e-mails match case-insensitively."""
    contact = contact_create(actor=operator, first_name="Роман", emails=["Roman@Elexis.ru"])
    lead = lead_create(actor=operator, title="Mail", email="ROMAN@elexis.RU")
    matches = find_matches(emails=["roman@ELEXIS.ru"])
    assert {(m.record, m.id) for m in matches.email} == {("contact", contact.pk), ("lead", lead.pk)}
    assert matches.summary == "2 matches by e-mail"


@pytest.mark.django_db
def test_l3_inn_and_vat_id_match_exactly(f, operator):
    """L3: same INN (company or lead), same VAT id; a different INN does not match."""
    company = f.make_company("ВЕСТ ГРУПП", inn="7806210729")
    eu = f.make_company("Acme GmbH", vat_id="DE136695976")
    lead = lead_create(actor=operator, title="Call", inn="7806210729")
    f.make_company("Other", inn="7707083893")
    matches = find_matches(inn="7806210729", vat_id="DE 136 695 976")
    assert {(m.record, m.id) for m in matches.inn} == {("company", company.pk), ("lead", lead.pk)}
    assert [(m.record, m.id) for m in matches.vat_id] == [("company", eu.pk)]
    assert matches.summary == "2 matches by INN, 1 match by VAT id"


@pytest.mark.django_db
def test_l3_no_input_no_matches_and_exclude_skips_the_record_itself(operator):
    lead = lead_create(actor=operator, title="Call", phone="+7 921 848-53-83")
    assert not find_matches()
    assert find_matches().summary == "No matches"
    assert not find_matches(phones=[lead.phone], exclude=lead)


@pytest.mark.django_db
def test_l3_converted_lead_is_represented_by_its_contact(operator):
    """A converted lead that produced a contact is not reported twice: its contact is."""
    contact = contact_create(actor=operator, first_name="Роман", phones=["+79218485383"])
    lead = lead_create(actor=operator, title="Call", phone="+79218485383")
    Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.CONVERTED, contact=contact)
    assert [(m.record, m.id) for m in find_matches(phones=["+79218485383"]).phone] == [
        ("contact", contact.pk)
    ]


@pytest.mark.django_db
def test_l3_invalid_phone_refused_with_field():
    with pytest.raises(InvalidInput) as err:
        find_matches(phones=["call me"])
    assert err.value.field == "phones"


@pytest.mark.django_db
def test_r2_match_on_a_record_the_user_cannot_see_does_not_leak(f, operator):
    """R2/L3: another manager's private contact is shown only as "a record you cannot see"."""
    owner = f.make_user(Role.SALES_MANAGER, first_name="Анна", last_name="Смирнова")
    viewer = f.make_user(Role.SALES_MANAGER)
    secret = contact_create(
        actor=operator, first_name="Секретный", phones=["+79218485383"], responsible=owner
    )
    mine = contact_create(actor=viewer, first_name="Мой", phones=["+79218485383"])
    matches = find_matches(phones=["8 921 848 53 83"], viewer=viewer)
    by_visible = {m.visible: m for m in matches.phone}
    hidden = by_visible[False]
    assert hidden.id is None
    assert hidden.name == "a record you cannot see (responsible: Анна Смирнова)"
    assert "Секретный" not in str(hidden.as_dict())
    assert str(secret.pk) not in str(hidden.as_dict()["id"])
    assert by_visible[True].id == mine.pk and by_visible[True].name == "Мой"
    # the owner and an operator see the record itself
    seen_by_owner = find_matches(phones=["+79218485383"], viewer=owner).phone
    assert [m.id for m in seen_by_owner if m.visible] == [secret.pk]
    assert all(m.visible for m in find_matches(phones=["+79218485383"], viewer=operator).phone)


@pytest.mark.django_db
def test_l3_summary_is_translated_and_pluralised(operator):
    contact_create(actor=operator, first_name="А", phones=["+79218485383"])
    matches = find_matches(phones=["+79218485383"])
    with translation.override("en"):
        assert matches.summary == "1 match by phone"
    contact_create(actor=operator, first_name="Б", phones=["+79218485383"])
    with translation.override("en"):
        assert find_matches(phones=["+79218485383"]).summary == "2 matches by phone"


@pytest.mark.django_db
def test_l3_check_runs_a_fixed_number_of_queries_whatever_the_rows(f, operator):
    """L3: a few indexed lookups, not one query per match."""
    viewer = f.make_user(Role.SALES_MANAGER)

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            find_matches(phones=["+79218485383"], emails=["r@example.com"], inn="7806210729", viewer=viewer)
        return len(ctx.captured_queries)

    contact_create(actor=operator, first_name="A", phones=["+79218485383"], emails=["r@example.com"])
    lead_create(actor=operator, title="L", phone="+79218485383")
    f.make_company("C", inn="7806210729")
    few = count_queries()
    for i in range(8):
        contact_create(actor=operator, first_name=f"N{i}", phones=["+79218485383"])
        lead_create(actor=operator, title=f"L{i}", phone="+79218485383", email="R@example.com")
        f.make_company(f"C{i}", inn="7806210729")
    assert count_queries() == few <= 6
