"""Contacts: created freely by operators and managers (C4 step 3), phones/e-mails normalised (L3),
linked to companies on both timelines (C5), changes attributable (R3), visibility (R2)."""

import pytest

from dealbook.accounts.models import Role
from dealbook.core.errors import Forbidden, InvalidInput
from dealbook.core.models import Event, EventKind
from dealbook.crm.models import Contact, ContactPoint
from dealbook.crm.queries.parties import contacts_visible
from dealbook.crm.services import contacts as svc

pytestmark = pytest.mark.django_db


def timeline_of(obj, kind=None):
    qs = Event.objects.filter(subject_id=obj.pk, subject_type__model=obj._meta.model_name)
    return list(qs.filter(kind=kind) if kind else qs)


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.SALES_MANAGER, Role.ACCOUNTANT])
def test_c4_operators_and_managers_create_contacts_freely(f, role):
    user = f.make_user(role)
    contact = svc.contact_create(
        actor=user,
        first_name="Роман",
        position="прораб",
        phones=["79218485383", {"value": "8 (812) 325-96-46", "label": "mobile"}],
        emails=[" Roman@Example.COM "],
        messengers=[{"value": "@roman", "label": "telegram"}],
    )
    assert contact.responsible == user and contact.created_by == user
    points = {(p.kind, p.normalized, p.label) for p in contact.points.all()}
    assert points == {
        ("phone", "+79218485383", "work"),
        ("phone", "+78123259646", "mobile"),
        ("email", "roman@example.com", "work"),
        ("messenger", "@roman", "telegram"),
    }
    (created,) = timeline_of(contact, EventKind.CREATED)
    assert created.actor == user and created.data["phones"] == ["+79218485383", "+78123259646"]


def test_l3_unparsable_phone_is_refused_and_nothing_is_written(f):
    user = f.make_user(Role.OPERATOR)
    with pytest.raises(InvalidInput) as exc:
        svc.contact_create(actor=user, first_name="Роман", phones=["+7 921 848-53-83", "not a phone"])
    assert exc.value.field == "phones.1"
    assert not Contact.objects.exists() and not ContactPoint.objects.exists() and not Event.objects.exists()


def test_l3_same_phone_typed_twice_is_stored_once(f):
    contact = svc.contact_create(
        actor=f.make_user(Role.OPERATOR), first_name="A", phones=["+7 921 848-53-83", "89218485383"]
    )
    assert contact.points.count() == 1


def test_contact_needs_a_name(f):
    with pytest.raises(InvalidInput) as exc:
        svc.contact_create(actor=f.make_user(Role.OPERATOR), first_name=" ", last_name="")
    assert exc.value.field == "first_name"


def test_r2_sales_manager_cannot_give_a_contact_to_someone_else(f):
    manager = f.make_user(Role.SALES_MANAGER)
    other = f.make_user(Role.SALES_MANAGER)
    with pytest.raises(Forbidden):
        svc.contact_create(actor=manager, first_name="A", responsible=other)
    operator = f.make_user(Role.OPERATOR)
    contact = svc.contact_create(actor=operator, first_name="A", responsible=other)
    assert contact.responsible == other
    own = svc.contact_create(actor=manager, first_name="B")
    with pytest.raises(Forbidden):  # releasing it to nobody is an assignment too
        svc.contact_update(actor=manager, contact=own, responsible=None)
    own.refresh_from_db()
    assert own.responsible == manager


def test_r3_contact_update_records_each_field_with_from_and_to(f):
    manager = f.make_user(Role.SALES_MANAGER)
    contact = svc.contact_create(actor=manager, first_name="Роман", phones=["79218485383"])
    svc.contact_update(
        actor=manager, contact=contact, position="директор", last_name="Петров", phones=["+7 812 325-96-46"]
    )
    contact.refresh_from_db()
    assert contact.position == "директор" and contact.last_name == "Петров"
    assert list(contact.points.values_list("normalized", flat=True)) == ["+78123259646"]
    changes = {e.data["field"]: e.data for e in timeline_of(contact, EventKind.UPDATED)}
    assert changes["position"] == {"field": "position", "from": "", "to": "директор"}
    assert changes["phones"]["from"] == ["+79218485383"] and changes["phones"]["to"] == ["+78123259646"]


def test_l3_bad_phone_on_update_leaves_the_contact_untouched(f):
    manager = f.make_user(Role.SALES_MANAGER)
    contact = svc.contact_create(actor=manager, first_name="Роман", phones=["79218485383"])
    before = len(timeline_of(contact))
    with pytest.raises(InvalidInput):
        svc.contact_update(actor=manager, contact=contact, position="x", phones=["000"])
    contact.refresh_from_db()
    assert contact.position == "" and contact.points.get().normalized == "+79218485383"
    assert len(timeline_of(contact)) == before


def test_r2_manager_cannot_edit_another_managers_private_contact(f):
    owner = f.make_user(Role.SALES_MANAGER)
    other = f.make_user(Role.SALES_MANAGER)
    contact = svc.contact_create(actor=owner, first_name="Private")
    with pytest.raises(Forbidden):
        svc.contact_update(actor=other, contact=contact, comment="hi")
    shared = svc.contact_create(actor=owner, first_name="Shared", is_shared=True)
    svc.contact_update(actor=other, contact=shared, comment="hi")


def test_r2_contact_visibility_own_shared_group_and_own_companies(f):
    group = f.make_group()
    a = f.make_user(Role.SALES_MANAGER, group=group)
    b = f.make_user(Role.SALES_MANAGER, group=group)
    boss = f.make_user(Role.GROUP_MANAGER, group=group)
    outsider = f.make_user(Role.SALES_MANAGER)
    mine = svc.contact_create(actor=a, first_name="Mine")
    shared = svc.contact_create(actor=b, first_name="Shared", is_shared=True)
    private_b = svc.contact_create(actor=b, first_name="PrivateB")
    company = f.make_company(responsible=a)
    Contact.companies.through.objects.create(contact_id=private_b.pk, company_id=company.pk)
    assert set(contacts_visible(a)) == {mine, shared, private_b}  # private_b works for a's company
    assert set(contacts_visible(boss)) == {mine, shared, private_b}
    assert set(contacts_visible(outsider)) == {shared}
    assert contacts_visible(f.make_user(Role.OPERATOR)).count() == 3


def test_c5_link_and_unlink_company_written_on_both_timelines(f):
    manager = f.make_user(Role.SALES_MANAGER)
    company = f.make_company("ЭЛЕКСИС ООО", responsible=manager)
    contact = svc.contact_create(actor=manager, first_name="Директор")
    assert svc.contact_link_company(actor=manager, contact=contact, company=company) is True
    assert svc.contact_link_company(actor=manager, contact=contact, company=company) is False
    assert list(contact.companies.all()) == [company]
    (on_contact,) = timeline_of(contact, EventKind.LINK_ADDED)
    (on_company,) = timeline_of(company, EventKind.LINK_ADDED)
    assert on_contact.group == on_company.group and on_company.data["contact_id"] == contact.pk
    assert svc.contact_unlink_company(actor=manager, contact=contact, company=company) is True
    assert not contact.companies.exists()
    assert len(timeline_of(company, EventKind.LINK_REMOVED)) == 1
    assert len(timeline_of(contact, EventKind.LINK_REMOVED)) == 1


def test_c5_contact_created_with_its_company(f):
    manager = f.make_user(Role.SALES_MANAGER)
    company = f.make_company(responsible=manager)
    contact = svc.contact_create(actor=manager, first_name="Роман", company=company)
    assert list(contact.companies.all()) == [company]
    assert len(timeline_of(company, EventKind.LINK_ADDED)) == 1


def test_r2_cannot_link_to_a_company_one_does_not_see(f):
    manager = f.make_user(Role.SALES_MANAGER)
    hidden = f.make_company(responsible=f.make_user(Role.SALES_MANAGER))
    contact = svc.contact_create(actor=manager, first_name="Роман")
    with pytest.raises(Forbidden):
        svc.contact_link_company(actor=manager, contact=contact, company=hidden)
    assert not contact.companies.exists()


def test_contact_points_add_and_remove_on_the_timeline(f):
    manager = f.make_user(Role.SALES_MANAGER)
    contact = svc.contact_create(actor=manager, first_name="Роман")
    point = svc.contact_point_add(actor=manager, contact=contact, kind="phone", value="8 921 848 53 83")
    assert point.normalized == "+79218485383"
    assert svc.contact_point_add(actor=manager, contact=contact, kind="phone", value="+79218485383") == point
    with pytest.raises(InvalidInput):
        svc.contact_point_add(actor=manager, contact=contact, kind="phone", value="12")
    svc.contact_point_remove(actor=manager, point=point)
    assert not contact.points.exists()
    data = [e.data for e in timeline_of(contact, EventKind.UPDATED)]
    assert {"field": "phones", "added": "+79218485383", "label": "work"} in data
    assert {"field": "phones", "removed": "+79218485383", "label": "work"} in data
