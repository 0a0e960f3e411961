"""L1: leads by hand and by API keep their source and channel; contact details are normalised."""

import pytest

from dealbook.accounts.models import Notification, Role
from dealbook.core.errors import Forbidden, InvalidInput
from dealbook.core.models import Event
from dealbook.crm.models import Lead, LeadStatus, Source
from dealbook.crm.models.leads import LeadChannel
from dealbook.crm.services.contacts import contact_create
from dealbook.crm.services.leads import lead_create
from dealbook.crm.setup import sources_create_default

SEED_COMMENT = "Кольца КС-10-1 — 2 шт, КС-10-1,5 — 3 шт; блоки ФБС 9-6-6 — 1 шт, ФБС 12-5 — 3 шт"


@pytest.fixture
def sources():
    return {s.code: s for s in sources_create_default(language="ru")}


def lead_events(lead):
    return list(Event.objects.filter(subject_id=lead.pk, subject_type__model="lead").order_by("id"))


@pytest.mark.django_db
def test_l1_seed_lead_by_hand_keeps_source_channel_and_normalised_phone(f, sources):
    """L1: the seed's lead 33082 typed by an operator keeps its source; the phone is stored as E.164."""
    operator = f.make_user(Role.OPERATOR)
    lead = lead_create(
        actor=operator,
        title="Входящий звонок/тест_клиент",
        source=sources["call"],
        phone="+7 921 848-53-83",
        comment=SEED_COMMENT,
    )
    lead.refresh_from_db()
    assert lead.channel == LeadChannel.MANUAL
    assert lead.source.code == "call"
    assert lead.phone == "+7 921 848-53-83"
    assert lead.phone_normalized == "+79218485383"
    assert lead.status == LeadStatus.NEW
    assert lead.comment == SEED_COMMENT
    assert lead.created_by == operator
    assert lead.responsible is None  # operators take calls for everyone; routing comes at conversion
    (created,) = lead_events(lead)
    assert created.kind == "created"
    assert created.actor == operator
    assert created.data["channel"] == "manual" and created.data["source"] == "call"


@pytest.mark.django_db
def test_l1_api_channel_keeps_its_default_source_and_lowercases_email(f, sources):
    """L1: a lead from the API channel keeps the "api" source unless the caller names one."""
    user = f.make_user(Role.OPERATOR)
    lead = lead_create(actor=user, title="Form", channel="api", email="  Roman@Example.COM ")
    assert lead.source == sources["api"]
    assert lead.email == "Roman@Example.COM"
    assert lead.email_normalized == "roman@example.com"
    named = lead_create(actor=user, title="Referral", channel="api", source=sources["referral"])
    assert named.source == sources["referral"]


@pytest.mark.django_db
def test_l1_system_intake_without_user_is_allowed(sources):
    """L1: intake channels (call events, inbound e-mail) create leads without a user."""
    lead = lead_create(actor=None, title="Missed call", channel="call", phone="89218485383")
    assert lead.source == sources["call"]
    assert lead.phone_normalized == "+79218485383"
    assert lead_events(lead)[0].actor is None


@pytest.mark.parametrize(
    "field,kwargs",
    [
        ("phone", {"phone": "not a phone"}),
        ("phone", {"phone": "+7 921 848"}),
        ("email", {"email": "roman@"}),
        ("inn", {"inn": "7806210720"}),  # wrong check digit
        ("title", {"title": "   "}),
        ("channel", {"channel": "pigeon"}),
    ],
)
@pytest.mark.django_db
def test_l1_bad_input_refused_with_field_and_nothing_written(f, field, kwargs):
    """L1/C2: an invalid phone, e-mail, INN, empty title or unknown channel is refused, nothing stored."""
    user = f.make_user(Role.OPERATOR)
    args = {"actor": user, "title": "Call", **kwargs}
    with pytest.raises(InvalidInput) as err:
        lead_create(**args)
    assert err.value.field == field
    assert Lead.objects.count() == 0
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_l1_inn_is_validated_and_kept(f):
    user = f.make_user(Role.OPERATOR)
    lead = lead_create(actor=user, title="Call", inn=" 7806210729 ")
    assert lead.inn == "7806210729"


@pytest.mark.django_db
def test_r2_lead_typed_by_a_sales_manager_is_theirs(f):
    """R2: a sales manager's own lead stays visible to them: they become its responsible."""
    manager = f.make_user(Role.SALES_MANAGER)
    lead = lead_create(actor=manager, title="Walk-in")
    assert lead.responsible == manager


@pytest.mark.django_db
def test_r1_sales_manager_cannot_give_a_new_lead_to_someone_else(f):
    """R1: handing records to others is an assignment; a sales manager may not; nothing written."""
    manager, other = f.make_user(Role.SALES_MANAGER), f.make_user(Role.SALES_MANAGER)
    with pytest.raises(Forbidden):
        lead_create(actor=manager, title="Walk-in", responsible=other)
    assert Lead.objects.count() == 0


@pytest.mark.django_db
def test_l1_operator_assigns_at_intake_and_the_manager_is_notified(f):
    operator, manager = f.make_user(Role.OPERATOR), f.make_user(Role.SALES_MANAGER)
    lead = lead_create(actor=operator, title="Call", responsible=manager)
    assert lead.responsible == manager
    note = Notification.objects.get(user=manager)
    assert note.kind == "lead_assigned" and str(lead.pk) in note.text


@pytest.mark.django_db
def test_l1_inactive_pipeline_refused(f):
    operator = f.make_user(Role.OPERATOR)
    pipeline = f.make_pipeline()
    pipeline.is_active = False
    pipeline.save()
    with pytest.raises(InvalidInput) as err:
        lead_create(actor=operator, title="Call", pipeline=pipeline)
    assert err.value.field == "pipeline"
    assert Lead.objects.count() == 0


@pytest.mark.django_db
def test_l1_integration_retry_with_same_external_id_returns_the_first_lead(f, sources):
    """L1: an integration that re-sends the same lead (same channel and external id) creates one lead."""
    user = f.make_user(Role.OPERATOR)
    first = lead_create(actor=user, title="Form #1", channel="web_form", external_id="wf-77")
    again = lead_create(actor=user, title="Form #1 (retry)", channel="web_form", external_id="wf-77")
    assert again.pk == first.pk
    assert Lead.objects.count() == 1
    assert Event.objects.filter(kind="created").count() == 1
    other_channel = lead_create(actor=user, title="Mail", channel="email", external_id="wf-77")
    assert other_channel.pk != first.pk


@pytest.mark.django_db
def test_l3_intake_counts_matches_on_the_created_event_without_blocking(f):
    """L3: a new lead whose phone is known is created (intake never blocks) with the matches counted."""
    operator = f.make_user(Role.OPERATOR)
    contact_create(actor=operator, first_name="Роман", phones=["8 (921) 8485383"])
    lead = lead_create(actor=operator, title="Call", phone="+7 921 848-53-83")
    created = lead_events(lead)[0]
    assert created.data["duplicates"] == {"phone": 1}
    assert Source.objects.count() == 0  # no source was invented where none is configured
