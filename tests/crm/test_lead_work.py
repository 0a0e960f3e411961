"""Working a lead: corrections (R3), status new/in work/junk (L1), assignment, comments (T4)."""

import pytest

from dealbook.accounts.models import Notification, Role
from dealbook.core.errors import Forbidden, InvalidInput, NotFound, RuleViolation
from dealbook.core.models import Event
from dealbook.crm.models import Lead, LeadStatus
from dealbook.crm.services.leads import (
    lead_assign,
    lead_comment,
    lead_create,
    lead_set_status,
    lead_update,
)


def events(lead, kind=None):
    qs = Event.objects.filter(subject_id=lead.pk, subject_type__model="lead")
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.order_by("id"))


@pytest.fixture
def operator(f):
    return f.make_user(Role.OPERATOR)


@pytest.fixture
def lead(operator):
    return lead_create(actor=operator, title="Call", phone="+7 921 848-53-83", name="Роман")


@pytest.mark.django_db
def test_r3_update_renormalises_phone_and_records_from_to(operator, lead):
    """R3/L3: a corrected phone is normalised again; the change is on the timeline with from/to."""
    lead_update(actor=operator, lead=lead, phone="8 (812) 309-00-00", name="Роман Петров")
    lead.refresh_from_db()
    assert lead.phone_normalized == "+78123090000"
    changes = {e.data["field"]: e.data for e in events(lead, "updated")}
    assert changes["phone"]["from"] == "+7 921 848-53-83"
    assert changes["phone"]["to"] == "8 (812) 309-00-00"
    assert changes["name"]["to"] == "Роман Петров"
    assert "phone_normalized" not in changes


@pytest.mark.django_db
def test_update_with_bad_email_changes_nothing(operator, lead):
    with pytest.raises(InvalidInput) as err:
        lead_update(actor=operator, lead=lead, email="nope", name="Other")
    assert err.value.field == "email"
    lead.refresh_from_db()
    assert lead.name == "Роман" and lead.email == ""
    assert events(lead, "updated") == []


@pytest.mark.django_db
def test_update_of_unknown_field_refused(operator, lead):
    with pytest.raises(InvalidInput) as err:
        lead_update(actor=operator, lead=lead, status="junk")
    assert err.value.field == "status"


@pytest.mark.django_db
def test_l1_status_new_in_work_junk_written_to_timeline(operator, lead):
    """L1: new → in work → junk → back to work, each change with from/to."""
    lead_set_status(actor=operator, lead=lead, status=LeadStatus.IN_WORK)
    lead_set_status(actor=operator, lead=lead, status=LeadStatus.JUNK)
    lead_set_status(actor=operator, lead=lead, status=LeadStatus.IN_WORK)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.IN_WORK
    steps = [(e.data["from"], e.data["to"]) for e in events(lead, "status_changed")]
    assert steps == [("new", "in_work"), ("in_work", "junk"), ("junk", "in_work")]


@pytest.mark.django_db
def test_l2_status_converted_only_through_conversion(operator, lead):
    """L2: "converted" cannot be set by hand; it comes with the links of a conversion."""
    with pytest.raises(RuleViolation) as err:
        lead_set_status(actor=operator, lead=lead, status=LeadStatus.CONVERTED)
    assert err.value.code == "status"
    with pytest.raises(InvalidInput):
        lead_set_status(actor=operator, lead=lead, status="lost")
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW
    assert events(lead, "status_changed") == []


@pytest.mark.django_db
def test_converted_lead_is_frozen(operator, lead):
    """L2: a converted lead no longer changes (status, details, responsible)."""
    Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.CONVERTED)
    manager = lead.created_by  # any active user
    for call in (
        lambda: lead_set_status(actor=operator, lead=lead, status="junk"),
        lambda: lead_update(actor=operator, lead=lead, title="Changed"),
        lambda: lead_assign(actor=operator, lead=lead, responsible=manager),
    ):
        with pytest.raises(RuleViolation) as err:
            call()
        assert err.value.code == "lead_converted"
    lead.refresh_from_db()
    assert lead.title == "Call" and lead.responsible is None


@pytest.mark.django_db
def test_r3_assign_records_from_to_and_notifies(f, operator, lead):
    manager = f.make_user(Role.SALES_MANAGER, first_name="Анна", last_name="Смирнова")
    lead_assign(actor=operator, lead=lead, responsible=manager)
    lead.refresh_from_db()
    assert lead.responsible == manager
    (event,) = events(lead, "responsible_changed")
    assert event.data["from"] is None
    assert event.data["to"] == {"id": manager.pk, "name": "Анна Смирнова"}
    assert event.actor == operator
    assert Notification.objects.filter(user=manager, kind="lead_assigned").count() == 1


@pytest.mark.django_db
def test_r1_sales_manager_cannot_assign_leads(f):
    manager, other = f.make_user(Role.SALES_MANAGER), f.make_user(Role.SALES_MANAGER)
    lead = lead_create(actor=manager, title="Mine")
    with pytest.raises(Forbidden):
        lead_assign(actor=manager, lead=lead, responsible=other)
    lead.refresh_from_db()
    assert lead.responsible == manager


@pytest.mark.django_db
def test_r2_another_managers_private_lead_is_not_found(f, operator):
    """R2: a sales manager cannot change (or even find) another manager's private lead."""
    owner, intruder = f.make_user(Role.SALES_MANAGER), f.make_user(Role.SALES_MANAGER)
    lead = lead_create(actor=operator, title="Private", responsible=owner)
    with pytest.raises(NotFound):
        lead_update(actor=intruder, lead=lead, title="Mine now")
    with pytest.raises(NotFound):
        lead_set_status(actor=intruder, lead=lead, status="junk")
    with pytest.raises(NotFound):
        lead_comment(actor=intruder, lead=lead, text="hello")
    lead.refresh_from_db()
    assert lead.title == "Private" and lead.status == "new"


@pytest.mark.django_db
def test_r2_shared_lead_can_be_worked_by_any_manager(f, operator):
    owner, colleague = f.make_user(Role.SALES_MANAGER), f.make_user(Role.SALES_MANAGER)
    lead = lead_create(actor=operator, title="Shared", responsible=owner, is_shared=True)
    lead_set_status(actor=colleague, lead=lead, status="in_work")
    lead.refresh_from_db()
    assert lead.status == "in_work"


@pytest.mark.django_db
def test_t4_comment_on_lead_timeline(operator, lead):
    event = lead_comment(actor=operator, lead=lead, text="  Перезвонить после 15:00 ")
    assert event.kind == "comment" and event.text == "Перезвонить после 15:00"
    with pytest.raises(InvalidInput):
        lead_comment(actor=operator, lead=lead, text="  ")
