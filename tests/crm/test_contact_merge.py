"""L3 merging duplicate contacts: everything of the merged one moves to the kept one (C5 deal links,
leads, company links, points deduplicated by normalised value, tasks, timeline), the merged one is
deleted, R3 a MERGED entry; R1/R2 who may; all or nothing."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from dealbook.accounts.models import Role
from dealbook.activities.models import Task
from dealbook.billing.services import invoice_create_from_deal
from dealbook.core import timeline
from dealbook.core.errors import Forbidden, InvalidInput, NotFound, RuleViolation
from dealbook.core.models import Event, EventKind
from dealbook.crm.models import Contact, ContactPoint, DealContact, Lead
from dealbook.crm.services.contacts import contact_create, contact_merge
from dealbook.crm.services.lines import line_add

pytestmark = pytest.mark.django_db


def timeline_of(contact, kind=None):
    qs = Event.objects.filter(subject_type=ContentType.objects.get_for_model(Contact), subject_id=contact.pk)
    return list(qs.filter(kind=kind) if kind else qs)


def snapshot():
    return (
        list(Contact.objects.order_by("id").values()),
        list(ContactPoint.objects.order_by("id").values()),
        list(DealContact.objects.order_by("id").values()),
        list(Contact.companies.through.objects.order_by("id").values()),
        list(Task.objects.order_by("id").values("id", "contact_id")),
        list(Lead.objects.order_by("id").values("id", "contact_id")),
        Event.objects.count(),
    )


@pytest.fixture
def w(f):
    class World:
        pass

    x = World()
    x.group = f.make_group("North")
    x.manager = f.make_user(Role.SALES_MANAGER, group=x.group)
    x.colleague = f.make_user(Role.SALES_MANAGER, group=x.group)
    x.head = f.make_user(Role.GROUP_MANAGER, group=x.group)
    x.outsider_head = f.make_user(Role.GROUP_MANAGER, group=f.make_group("South"))
    x.director = f.make_user(Role.DIRECTOR)
    x.pipeline = f.make_pipeline("ЖБИ")
    x.keep = contact_create(
        actor=x.manager,
        first_name="Роман",
        last_name="Прорабов",
        phones=["+7 921 848-53-83"],
        emails=["roman@site.ru"],
    )
    x.dup = contact_create(
        actor=x.manager,
        first_name="Роман",
        position="прораб",
        phones=["8 (921) 8485383", "+7 812 000-00-01"],
        emails=["Roman@Site.ru"],
        messengers=["@roman"],
    )
    x.company_a, x.company_b = f.make_company("ЭЛЕКСИС ООО"), f.make_company("ВЕСТ")
    x.keep.companies.add(x.company_a)
    x.dup.companies.add(x.company_a, x.company_b)
    x.shared_deal = f.make_deal(pipeline=x.pipeline, stage_code="negotiation", responsible=x.manager)
    x.other_deal = f.make_deal(pipeline=x.pipeline, stage_code="negotiation", responsible=x.manager)
    DealContact.objects.create(deal=x.shared_deal, contact=x.keep, is_primary=False)
    DealContact.objects.create(deal=x.shared_deal, contact=x.dup, is_primary=True)
    DealContact.objects.create(deal=x.other_deal, contact=x.dup, is_primary=True)
    x.lead = Lead.objects.create(title="Заявка", contact=x.dup, responsible=x.manager)
    x.task = Task.objects.create(
        title="Позвонить",
        responsible=x.manager,
        contact=x.dup,
        deadline=timezone.now() + dt.timedelta(days=1),
    )
    timeline.comment_add(subject=x.dup, actor=x.manager, text="звонил вчера")
    return x


def test_merge_moves_everything_and_deletes_the_duplicate(w):
    kept = contact_merge(actor=w.manager, keep=w.keep, merge=w.dup)
    assert kept.pk == w.keep.pk and not Contact.objects.filter(pk=w.dup.pk).exists()
    # C5: deal links; a deal that had both keeps one link, primary because the duplicate's was
    links = {(x.deal_id, x.is_primary) for x in DealContact.objects.filter(contact=w.keep)}
    assert links == {(w.shared_deal.pk, True), (w.other_deal.pk, True)}
    assert DealContact.objects.filter(deal=w.shared_deal).count() == 1
    # leads, tasks, companies
    assert Lead.objects.get(pk=w.lead.pk).contact_id == w.keep.pk
    assert Task.objects.get(pk=w.task.pk).contact_id == w.keep.pk
    assert set(w.keep.companies.values_list("pk", flat=True)) == {w.company_a.pk, w.company_b.pk}
    # points deduplicated by normalised value
    points = sorted(w.keep.points.values_list("kind", "normalized"))
    assert points == [
        ("email", "roman@site.ru"),
        ("messenger", "@roman"),
        ("phone", "+78120000001"),
        ("phone", "+79218485383"),
    ]
    # an empty field of the kept contact is filled from the duplicate
    assert Contact.objects.get(pk=w.keep.pk).position == "прораб"


def test_merge_r3_timeline_moves_and_a_merged_entry_is_written(w):
    contact_merge(actor=w.manager, keep=w.keep, merge=w.dup)
    comments = [e.text for e in timeline_of(w.keep, EventKind.COMMENT)]
    assert "звонил вчера" in comments
    (merged,) = timeline_of(w.keep, EventKind.MERGED)
    assert merged.actor_id == w.manager.pk
    assert merged.data["merged_id"] == w.dup.pk and merged.data["merged_name"] == "Роман"
    assert merged.data["moved"]["deals"] == 1 and merged.data["moved"]["lead"] == 1
    assert not timeline_of(w.dup)


@pytest.mark.parametrize("who", ["head", "director"])
def test_a_manager_above_may_merge(w, who):
    contact_merge(actor=getattr(w, who), keep=w.keep, merge=w.dup)
    assert not Contact.objects.filter(pk=w.dup.pk).exists()


def test_r1_someone_elses_duplicate_is_refused_and_nothing_changes(w):
    """The colleague sees the shared duplicate but is responsible of neither: refused."""
    Contact.objects.filter(pk__in=[w.keep.pk, w.dup.pk]).update(is_shared=True)
    before = snapshot()
    with pytest.raises(Forbidden):
        contact_merge(actor=w.colleague, keep=w.keep, merge=w.dup)
    assert snapshot() == before


def test_r1_the_responsible_of_only_one_is_refused(w):
    Contact.objects.filter(pk=w.dup.pk).update(responsible=w.colleague, is_shared=True)
    before = snapshot()
    with pytest.raises(Forbidden):
        contact_merge(actor=w.manager, keep=w.keep, merge=w.dup)
    assert snapshot() == before
    contact_merge(actor=w.head, keep=w.keep, merge=w.dup)  # their group manager may


def test_r2_an_invisible_contact_cannot_be_merged(w):
    before = snapshot()
    with pytest.raises(Forbidden):
        contact_merge(actor=w.outsider_head, keep=w.keep, merge=w.dup)
    assert snapshot() == before


def test_merging_a_contact_with_itself_is_refused(w):
    with pytest.raises(InvalidInput) as err:
        contact_merge(actor=w.manager, keep=w.keep, merge=w.keep)
    assert err.value.field == "other_id"


def test_a_payer_on_invoices_is_not_merged_away_and_nothing_half_written(w, f):
    """Invoices protect their payer: the merge is refused whole (transactional)."""
    own = f.make_company("Own", is_own=True, inn="7806210729", kpp="780601001")
    line_add(actor=w.manager, deal=w.other_deal, product=f.make_product("Кольцо", price="700.00"), quantity=1)
    invoice_create_from_deal(actor=w.manager, deal=w.other_deal, seller=own, payer_contact=w.dup)
    before = snapshot()
    with pytest.raises(RuleViolation) as err:
        contact_merge(actor=w.manager, keep=w.keep, merge=w.dup)
    assert err.value.code == "contact_has_documents"
    assert snapshot() == before
    contact_merge(actor=w.manager, keep=w.dup, merge=w.keep)  # the other way round works


def test_api_merge(w, api_as):
    r = api_as(w.manager).post(f"contacts/{w.keep.pk}/merge", {"other_id": w.dup.pk})
    assert r.status_code == 200, r.content
    assert r.json()["id"] == w.keep.pk
    assert not Contact.objects.filter(pk=w.dup.pk).exists()


def test_api_merge_errors_name_other_id(w, api_as, f):
    client = api_as(w.manager)
    r = client.post(f"contacts/{w.keep.pk}/merge", {"other_id": 999999})
    assert r.status_code == 404 and r.json()["field"] == "other_id"
    r = client.post(f"contacts/{w.keep.pk}/merge", {"other_id": w.keep.pk})
    assert r.status_code == 400 and r.json()["field"] == "other_id"
    Contact.objects.filter(pk=w.dup.pk).update(responsible=w.colleague, is_shared=True)
    r = client.post(f"contacts/{w.keep.pk}/merge", {"other_id": w.dup.pk})
    assert r.status_code == 403


def test_not_found_is_raised_for_unknown(w):
    with pytest.raises((NotFound, Forbidden, InvalidInput)):
        contact_merge(actor=w.manager, keep=w.keep, merge=Contact(first_name="x"))
