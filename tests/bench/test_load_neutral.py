"""The neutral-dataset loader (bench/load_neutral.py) and the API bench's helpers on a tiny dataset.

The CSV files below follow ../shared/bench/gen_data.py's columns exactly; correctness only.
"""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest

from bench import bench_api, load_neutral
from dealbook.crm import totals
from dealbook.crm.models import Company, ContactPoint, Deal, DealContact, Stage, StageKind

pytestmark = pytest.mark.django_db

STAGES = ["New", "Qualified", "Needs Analysis", "Proposition", "Negotiation", "Verbal Agreement"]
STAGES += ["Contract Sent", "Won"]
DEALS = [
    # ext_id, name, partner, salesperson, stage_seq, revenue, status, create_date (not in id order)
    ("D000001", "Deal 000001 - Kalo", "P00003", "sales02", 4, "1500.25", "open", "2025-03-01 10:00:00"),
    ("D000002", "Deal 000002 - Mine", "P00001", "sales01", 8, "99999.99", "won", "2024-01-05 08:30:00"),
    ("D000003", "Deal 000003 - Tor", "P00002", "sales03", 2, "1000.00", "lost", "2024-06-10 12:00:00"),
    ("D000004", "Deal 000004 - Val", "P00004", "sales01", 4, "2500.50", "open", "2024-02-01 00:00:01"),
    ("D000005", "Deal 000005 - Ber", "P00005", "sales02", 4, "3000.00", "open", "2025-12-31 23:59:59"),
]


def write(folder, name, header, rows):
    with open(folder / name, "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        out.writerows(rows)


@pytest.fixture
def dataset(tmp_path):
    write(
        tmp_path,
        "stages.csv",
        ["seq", "name", "is_won"],
        [(i + 1, n, int(n == "Won")) for i, n in enumerate(STAGES)],
    )
    write(tmp_path, "users.csv", ["login", "name"], [(f"sales0{i}", f"Kalo Mine{i}") for i in (1, 2, 3)])
    write(
        tmp_path,
        "companies.csv",
        ["ext_id", "name", "vat", "phone", "email", "city"],
        [
            (
                "C00001",
                "Kalomi Tor GmbH",
                "DE123456789",
                "+49 123 456 7890",
                "info@c00001.example.com",
                "Berlin",
            ),
            (
                "C00002",
                "Nevalo Sen SA",
                "FR000000001",
                "+33 555 222 0101",
                "info@c00002.example.com",
                "Paris",
            ),
        ],
    )
    write(
        tmp_path,
        "contacts.csv",
        ["ext_id", "company_ext_id", "name", "email", "phone"],
        [
            (
                f"P0000{i}",
                f"C0000{1 + (i - 1) % 2}",
                f"Kami Torval{i}",
                f"kami{i}@example.com",
                f"+31 100 200 30{i}0",
            )
            for i in range(1, 6)
        ],
    )
    write(
        tmp_path,
        "products.csv",
        ["ext_id", "default_code", "name", "list_price"],
        [("PR001", "SKU-001", "Kalo Service", "10.50"), ("PR002", "SKU-002", "Mine Kit", "1999.99")],
    )
    write(
        tmp_path,
        "deals.csv",
        ["ext_id", "name", "partner_ext_id", "salesperson_login", "stage_seq", "expected_revenue", "status"]
        + ["create_date"],
        DEALS,
    )
    write(tmp_path, "fragments.csv", ["kind", "fragment"], [("name", "torv"), ("phone", "4567")])
    return tmp_path


@pytest.fixture
def loaded(dataset, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    return load_neutral.load(dataset, rebuild_indexes=False)


def test_loader_maps_statuses_onto_dealbook_stages(loaded):
    """Won deals sit in the won stage, lost deals in the Lost stage (D1), the rest where they were."""
    by_title = {d.title: d for d in Deal.objects.select_related("stage")}
    assert by_title["Deal 000002 - Mine"].stage.kind == StageKind.WON
    lost = by_title["Deal 000003 - Tor"]
    assert lost.stage.kind == StageKind.LOST and "lost at stage 2" in lost.lost_comment
    assert by_title["Deal 000001 - Kalo"].stage == loaded["stage_by_seq"][4]
    assert Stage.objects.filter(pipeline=loaded["pipeline"]).count() == 9


def test_loader_keeps_the_unvalidated_vat_out_of_the_checked_field_c2(loaded):
    company = Company.objects.get(name="Kalomi Tor GmbH")
    assert company.vat_id == ""
    assert "DE123456789" in company.comment and "C00001" in company.comment


def test_loader_stores_phones_as_e164_and_links_deals_to_the_partners_company(loaded):
    point = ContactPoint.objects.get(company__name="Kalomi Tor GmbH", kind="phone")
    assert point.normalized == "+491234567890"
    deal = Deal.objects.get(title="Deal 000001 - Kalo")  # partner P00003 works at C00001
    assert deal.company.name == "Kalomi Tor GmbH"
    assert DealContact.objects.get(deal=deal, is_primary=True).contact.first_name == "Kami"
    assert deal.amount == Decimal("1500.25")


def test_loader_numbers_deals_in_creation_order_and_rebuilds_exact_totals(loaded):
    titles = list(Deal.objects.order_by("-pk").values_list("title", flat=True))
    assert titles[0] == "Deal 000005 - Ber" and titles[-1] == "Deal 000002 - Mine"
    assert totals.stored_totals(loaded["pipeline"]) == totals.live_totals(loaded["pipeline"])


def test_api_bench_plan_and_list_sql_run_on_the_loaded_data(loaded, dataset):
    plan = bench_api.plan(str(dataset / "fragments.csv"))
    assert plan["neutral"] and plan["stage"].name == "Proposition"
    assert plan["fragments"] == [("name", "torv"), ("phone", "4567")]
    timing = bench_api.list_sql_timing(plan["director"], plan["stage"].pk, n=3, explain=False)
    assert timing["n"] == 3 and timing["p95"] >= timing["p50"] > 0


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert bench_api.pct(values, 50) == 50.0
    assert bench_api.pct(values, 95) == 95.0
    assert bench_api.pct([3.0], 95) == 3.0
