"""Load the neutral benchmark dataset (../shared/bench/gen_data.py) into Dealbook's schema (W1).

    python3 /work/shared/bench/gen_data.py /tmp/neutral
    .venv/bin/python -m bench.load_neutral /tmp/neutral     # into dealbook_bench_neutral

How the peer's columns map onto Dealbook:
- stages.csv → one pipeline "Neutral benchmark" with the 7 open stages and Won, plus Dealbook's Lost
  stage: a deal with status "lost" sits in Lost (Dealbook keeps lost deals in a lost-kind stage where
  the peer archives them in place); the stage it was lost at is kept in `lost_comment`.
- users.csv → sales managers in two sales groups, plus `bench_director` who sees everything.
- companies.csv → Company; phone and e-mail → ContactPoint (normalized = "+" and the digits).
  The `vat` column is random, not checksum-valid: it is NOT put into the validated `vat_id` field
  but kept, with the external id, in the free-text `comment` ("ext C00001; VAT DE123456789").
- contacts.csv → Contact (first and last name) linked to its company, with phone and e-mail points.
- products.csv → Product in unit "шт" (the dataset has no units or tax).
- deals.csv → Deal in the installation's default currency, untaxed profile (the dataset has no
  tax), company = the partner contact's company, primary DealContact = the partner, created_at =
  create_date. Deals are numbered in create_date order, so "newest first" is `-id`, as in the API.
Rows are bulk-loaded (COPY), bypassing the services; StageTotal is rebuilt from the deals.
"""

from __future__ import annotations

import argparse
import csv
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from bench.common import (
    BENCH_PASSWORD,
    BulkWriter,
    Phases,
    django_setup,
    ensure_database,
    migrate,
)
from bench.gen_deals import rebuild_stage_totals

NEUTRAL_URL = "postgres://postgres@127.0.0.1:5432/dealbook_bench_neutral"
PIPELINE_NAME = "Neutral benchmark"


def read_csv(folder: Path, name: str) -> list[dict]:
    with open(folder / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def e164(phone: str) -> str:
    """The dataset's phones are international ("+49 123 456 7890"): E.164 is + and the digits."""
    return "+" + re.sub(r"\D", "", phone)


def stage_code(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def load_reference(stages: list[dict], users: list[dict], products: list[dict]) -> dict:
    from django.conf import settings
    from django.contrib.auth.hashers import make_password

    from dealbook.accounts.models import Role, SalesGroup, User
    from dealbook.catalog.models import Product
    from dealbook.catalog.setup import tax_profile_untaxed, units_create_default
    from dealbook.crm.models import Pipeline, Stage, StageKind

    pipeline = Pipeline.objects.create(name=PIPELINE_NAME, sort=100)
    stage_by_seq = {}
    for row in stages:
        seq = int(row["seq"])
        kind = StageKind.WON if row["is_won"] == "1" else StageKind.OPEN
        stage_by_seq[seq] = Stage.objects.create(
            pipeline=pipeline, name=row["name"], code=stage_code(row["name"]), sort=seq * 10, kind=kind
        )
    lost = Stage.objects.create(pipeline=pipeline, name="Lost", code="lost", sort=1000, kind=StageKind.LOST)

    password = make_password(BENCH_PASSWORD)
    groups = [SalesGroup.objects.get_or_create(name=f"Neutral group {i}")[0] for i in (1, 2)]
    people = [User(username="bench_director", role=Role.DIRECTOR, first_name="Bench", last_name="Director")]
    for i, row in enumerate(users):
        first, _, last = row["name"].partition(" ")
        people.append(
            User(
                username=row["login"],
                role=Role.SALES_MANAGER,
                group=groups[i % 2],
                first_name=first,
                last_name=last,
            )
        )
    for person in people:
        person.password = password
    people = User.objects.bulk_create(people)

    unit = {u.code: u for u in units_create_default()}["796"]
    made = Product.objects.bulk_create(
        Product(name=r["name"], sku=r["default_code"], unit=unit, price=Decimal(r["list_price"]))
        for r in products
    )
    return {
        "pipeline": pipeline,
        "stage_by_seq": stage_by_seq,
        "lost": lost,
        "user_by_login": {u.username: u.pk for u in people},
        "director": people[0],
        "profile": tax_profile_untaxed(),
        "currency": settings.DEALBOOK_DEFAULT_CURRENCY,
        "products": len(made),
    }


def load(folder: Path | str, *, rebuild_indexes: bool = True, phases: Phases | None = None) -> dict:
    """Load the CSV files of `folder` into the current (migrated) database; return counts and ids."""
    from dealbook.crm.models import Company, Contact, ContactPoint, Deal, DealContact, StageTotal

    folder = Path(folder)
    ph = phases or Phases()
    w = BulkWriter()
    with ph.phase("read CSV files"):
        data = {
            name: read_csv(folder, f"{name}.csv")
            for name in ("stages", "users", "companies", "contacts", "products", "deals")
        }
    with ph.phase("pipeline, users, products") as box:
        ref = load_reference(data["stages"], data["users"], data["products"])
        box["rows"] = len(data["stages"]) + len(data["users"]) + ref["products"]

    link_model = Contact.companies.through
    models = [Company, Contact, link_model, ContactPoint, Deal, DealContact]
    restore = w.drop_secondary(models) if rebuild_indexes else []

    company_base = w.next_id(Company)
    company_id = {r["ext_id"]: company_base + i for i, r in enumerate(data["companies"])}
    with ph.phase("companies") as box:
        box["rows"] = w.copy(
            Company,
            ["id", "name", "legal_name", "country", "legal_address", "comment"],
            (
                (
                    company_id[r["ext_id"]],
                    r["name"],
                    r["name"],
                    r["vat"][:2],
                    r["city"],
                    f"ext {r['ext_id']}; VAT {r['vat']}",  # random VAT: kept out of validated vat_id
                )
                for r in data["companies"]
            ),
        )
    contact_base = w.next_id(Contact)
    contact_id = {r["ext_id"]: contact_base + i for i, r in enumerate(data["contacts"])}
    company_of_contact = {r["ext_id"]: company_id[r["company_ext_id"]] for r in data["contacts"]}

    def contact_rows():
        for r in data["contacts"]:
            first, _, last = r["name"].partition(" ")
            yield (contact_id[r["ext_id"]], first, last)

    with ph.phase("contacts") as box:
        box["rows"] = w.copy(Contact, ["id", "first_name", "last_name"], contact_rows())
    with ph.phase("contact-company links") as box:
        box["rows"] = w.copy(
            link_model,
            ["contact_id", "company_id"],
            ((contact_id[r["ext_id"]], company_of_contact[r["ext_id"]]) for r in data["contacts"]),
        )

    def points():
        for r in data["companies"]:
            yield (company_id[r["ext_id"]], None, "phone", "work", r["phone"], e164(r["phone"]))
            yield (company_id[r["ext_id"]], None, "email", "work", r["email"], r["email"].lower())
        for r in data["contacts"]:
            cid = contact_id[r["ext_id"]]
            yield (None, cid, "phone", "work", r["phone"], e164(r["phone"]))
            yield (None, cid, "email", "work", r["email"], r["email"].lower())

    with ph.phase("phones and e-mails (ContactPoint)") as box:
        box["rows"] = w.copy(
            ContactPoint, ["company_id", "contact_id", "kind", "label", "value", "normalized"], points()
        )

    deals = sorted(data["deals"], key=lambda r: (r["create_date"], r["ext_id"]))
    deal_base = w.next_id(Deal)
    profile_id, currency = ref["profile"].pk, ref["currency"]
    pipeline_id = ref["pipeline"].pk

    def deal_rows():
        for i, r in enumerate(deals):
            created = datetime.fromisoformat(r["create_date"]).replace(tzinfo=UTC)
            seq = int(r["stage_seq"])
            stage = ref["lost"] if r["status"] == "lost" else ref["stage_by_seq"][seq]
            closed = created if r["status"] in ("won", "lost") else None
            yield (
                deal_base + i,
                r["name"],
                pipeline_id,
                stage.pk,
                ref["user_by_login"][r["salesperson_login"]],
                company_of_contact[r["partner_ext_id"]],
                Decimal(r["expected_revenue"]),
                currency,
                profile_id,
                created.date(),
                f"ext {r['ext_id']}; lost at stage {seq}" if r["status"] == "lost" else "",
                created,
                created,
                created,
                closed,
            )

    deal_cols = ["id", "title", "pipeline_id", "stage_id", "responsible_id", "company_id", "amount"]
    deal_cols += ["currency", "tax_profile_id", "tax_date", "lost_comment", "created_at", "updated_at"]
    deal_cols += ["stage_changed_at", "closed_at"]
    with ph.phase("deals") as box:
        box["rows"] = w.copy(Deal, deal_cols, deal_rows())
    with ph.phase("deal contacts (primary)") as box:
        box["rows"] = w.copy(
            DealContact,
            ["deal_id", "contact_id", "is_primary", "role"],
            ((deal_base + i, contact_id[r["partner_ext_id"]], True, "") for i, r in enumerate(deals)),
        )
    with ph.phase("indexes and foreign keys rebuilt"):
        w.restore_secondary(restore)
    with ph.phase("sequences reset"):
        w.reset_sequences(models)
    with ph.phase("stage totals rebuilt") as box:
        box["rows"] = rebuild_stage_totals()
    with ph.phase("vacuum analyze"):
        w.vacuum_analyze([*models, StageTotal])
    return {
        "pipeline": ref["pipeline"],
        "stage_by_seq": ref["stage_by_seq"],
        "director": ref["director"],
        "dataset_rows": sum(len(v) for v in data.values()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", help="the folder gen_data.py wrote")
    parser.add_argument("--url", default=NEUTRAL_URL, help="database URL (default %(default)s)")
    parser.add_argument("--keep-indexes", action="store_true", help="load with all indexes in place")
    args = parser.parse_args(argv)

    ph = Phases()
    print(f"loading the neutral dataset {args.folder} → {args.url}", flush=True)
    with ph.phase("create database, migrate"):
        ensure_database(args.url, reset=True)
        django_setup(args.url)
        migrate()
    prepared = ph.elapsed
    result = load(args.folder, rebuild_indexes=not args.keep_indexes, phases=ph)
    loading = ph.elapsed - prepared
    rows = result["dataset_rows"]
    print(
        f"W1: {rows:,} dataset rows loaded in {loading:.1f} s = {rows / loading:,.0f} rows/s "
        f"({ph.total_rows:,} table rows written; {ph.elapsed:.1f} s with database creation and migrations)",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
