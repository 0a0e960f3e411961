"""The 1M-deal generator (bench/gen_deals.py) on a tiny size: correctness only, no timing.

The rows are bulk-written, bypassing the services, so these tests check that the data still holds
what the services would have ensured: valid INNs (C2), E.164 phones (L3), amounts equal to their
lines (D4), exact running stage totals (D6), newest-first ids.
"""

from __future__ import annotations

from decimal import Decimal

import phonenumbers
import pytest
from django.db import connection
from django.db.models import Count, Sum
from stdnum.ru import inn as ru_inn

from bench import common, gen_deals
from dealbook.accounts.models import Role, User
from dealbook.crm import totals
from dealbook.crm.models import Company, Contact, ContactPoint, Deal, DealContact, DealLine, Pipeline

pytestmark = pytest.mark.django_db

SMALL = dict(companies=30, contacts=70, deals=400, users=8, products=14)


@pytest.fixture
def world(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    return gen_deals.generate(**SMALL, with_lines=True, rebuild_indexes=False)


def test_generator_writes_the_requested_sizes(world):
    assert Company.objects.count() == 30
    assert Contact.objects.count() == 70
    assert Deal.objects.count() == 400
    assert User.objects.filter(username__startswith="bench_").count() == 8
    assert User.objects.filter(role=Role.DIRECTOR).count() == 1
    assert set(Pipeline.objects.values_list("name", flat=True)) == {"ЖБИ", "Нерудные материалы"}
    assert DealContact.objects.filter(is_primary=True).count() == 400


def test_generated_inns_pass_the_c2_checksums(world):
    inns = list(Company.objects.exclude(inn="").values_list("inn", flat=True))
    assert inns and len(inns) == world["companies_with_inn"]
    assert all(ru_inn.is_valid(v) for v in inns)
    assert len(set(inns)) == len(inns)


def test_generated_phones_are_stored_normalised_to_e164_for_l3(world):
    phones = ContactPoint.objects.filter(kind="phone")
    assert phones.filter(company__isnull=False).exists() and phones.filter(contact__isnull=False).exists()
    for point in phones:
        parsed = phonenumbers.parse(point.value, "RU")
        assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == point.normalized


def test_deal_amounts_equal_the_sum_of_their_lines_d4(world):
    sums = {
        r["deal_id"]: (r["total"], r["tax"])
        for r in DealLine.objects.values("deal_id").annotate(total=Sum("total"), tax=Sum("tax")).order_by()
    }
    deals = list(Deal.objects.values_list("pk", "amount", "tax_amount"))
    assert len(sums) == len(deals)
    for pk, amount, tax in deals:
        line_total, line_tax = sums[pk]
        assert Decimal(amount) == Decimal(line_total).quantize(Decimal("0.01"))
        assert Decimal(tax) == Decimal(line_tax).quantize(Decimal("0.01"))


def test_stage_totals_equal_a_recount_after_the_load_d6(world):
    for pipeline in Pipeline.objects.all():
        assert totals.stored_totals(pipeline) == totals.live_totals(pipeline)
    assert sum(t for t, _ in totals.live_totals(world["pipelines"][0]).values()) > 0


def test_deal_ids_follow_creation_time_so_newest_first_is_minus_id(world):
    created = list(Deal.objects.order_by("pk").values_list("created_at", flat=True))
    assert created == sorted(created)


def test_deals_link_companies_and_contacts_of_that_company_c5(world):
    links = DealContact.objects.filter(deal__company__isnull=False).select_related("deal")
    through = Contact.companies.through
    pairs = set(through.objects.values_list("contact_id", "company_id"))
    assert all((dc.contact_id, dc.deal.company_id) in pairs for dc in links)
    assert Company.objects.annotate(n=Count("contacts")).filter(n=0).count() == 0


def test_bench_list_endpoint_serves_the_generated_deals(world, api_as):
    """The benchmark's W2 request works on generated data: 50 deals of a stage, newest first."""
    stage = world["pipelines"][0].stages.get(code="won")
    response = api_as(world["director"]).get("deals", {"stage_id": stage.pk, "ordering": "-id", "limit": 50})
    assert response.status_code == 200, response.content
    items = response.json()["items"]
    expected = list(Deal.objects.filter(stage=stage).order_by("-pk").values_list("pk", flat=True)[:50])
    assert [i["id"] for i in items] == expected
    assert all("company_name" in i and "responsible_name" in i and "amount" in i for i in items)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="index rebuild is PostgreSQL only")
def test_index_and_foreign_key_rebuild_restores_the_migrated_schema_exactly():
    """Dropping secondary indexes and FKs for the load and recreating them leaves the schema as
    Django's migrations made it (names and definitions)."""
    models = gen_deals.bulk_models()
    tables = [m._meta.db_table for m in models]

    def schema():
        with connection.cursor() as cur:
            cur.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY 1", [tables]
            )
            indexes = cur.fetchall()
            cur.execute(
                "SELECT conname, pg_get_constraintdef(oid), condeferrable, condeferred FROM pg_constraint"
                " WHERE conrelid::regclass::text = ANY(%s) ORDER BY 1",
                [tables],
            )
            return indexes, cur.fetchall()

    before = schema()
    writer = common.BulkWriter()
    restore = writer.drop_secondary(models)
    assert restore, "there were secondary indexes and foreign keys to drop"
    assert schema() != before
    writer.restore_secondary(restore)
    assert schema() == before
