"""Fill a PostgreSQL database with a large CRM: 20k companies, 50k contacts, 1M deals (issue 2, Speed).

    .venv/bin/python -m bench.gen_deals                      # 1,000,000 deals into dealbook_bench
    .venv/bin/python -m bench.gen_deals --deals 100000 --url postgres://postgres@127.0.0.1:5432/dealbook_bench_100k

The database is dropped and recreated (only names starting with dealbook_bench), migrated through
Django, filled with the reference data of crm.setup / catalog.setup, then bulk-loaded with COPY.
Rows go straight into the tables, bypassing the services: the INNs carry valid checksums, deal
amounts and taxes come from catalog lines computed by core.tax, and StageTotal is rebuilt from the
deals at the end, so the data satisfies what the services would have ensured.
"""

from __future__ import annotations

import argparse
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from bench.common import (
    BENCH_PASSWORD,
    DEFAULT_URL,
    BulkWriter,
    Phases,
    django_setup,
    ensure_database,
    migrate,
)

SEED = 20261123
PERIOD_START = datetime(2024, 1, 1, 6, 0, tzinfo=UTC)
PERIOD_END = datetime(2026, 11, 22, 18, 0, tzinfo=UTC)
# share of deals per stage code (D1 default stages); 42 % are open
STAGE_WEIGHTS = {
    "new": 6,
    "assigned": 6,
    "negotiation": 8,
    "price_announced": 8,
    "invoice_issued": 6,
    "invoice_paid": 4,
    "shipment": 4,
    "won": 34,
    "lost": 24,
}
PIPELINES = [("ЖБИ", 60), ("Нерудные материалы", 40)]  # name, share of deals in %

NAME_PARTS = (
    "Строй Бетон Гранит Север Нева Балт Урал Техно Пром Снаб Транс Инвест Лес Монолит Альфа Вектор "
    "Базис Старт Капитал Регион Карьер Щебень Песок Логистик Сервис Торг Мост Дор Дом Град Кров "
    "Металл Энерго Гидро Авто Спец Ладога Камень Опора Фундамент"
).split()
LEGAL_FORMS = [("ООО", 70), ("АО", 10), ("ИП", 12), ("ПАО", 3), ("ЗАО", 5)]
FIRST_NAMES = (
    "Александр Алексей Андрей Антон Артём Борис Вадим Виктор Владимир Дмитрий Евгений Игорь Илья "
    "Кирилл Максим Михаил Никита Николай Олег Павел Роман Сергей Степан Юрий Анна Елена Ирина "
    "Мария Наталья Ольга Светлана Татьяна Юлия Дарья Ксения"
).split()
LAST_NAMES = (
    "Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов "
    "Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров "
    "Никитин Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв Сергеев Кузьмин "
    "Фролов Александров Дмитриев Королёв Гусев Киселёв Ильин Максимов Поляков Сорокин Виноградов "
    "Ковалёв Белов Медведев Антонов Тарасов Жуков Баранов Филиппов Комаров Давыдов Беляев Герасимов"
).split()
MIDDLE_NAMES = "Александрович Сергеевич Иванович Петрович Андреевич Николаевич Викторович".split()
POSITIONS = ["директор", "прораб", "снабженец", "главный инженер", "бухгалтер", "менеджер", ""]
CITIES = ["Санкт-Петербург", "Кировск", "Синявино", "Всеволожск", "Гатчина", "Тосно", "Мга", "Колпино"]
PRODUCT_KINDS = [
    ("Кольцо стеновое КС", "796", ["10-3", "10-6", "10-9", "15-6", "15-9", "20-9"], (600, 9000)),
    ("Фундаментный блок ФБС", "796", ["9-5-3т", "9-6-6", "12-5-3", "12-5-6", "24-4-6"], (900, 6000)),
    ("Плита перекрытия ПК", "796", ["30-12", "42-12", "60-15"], (7000, 30000)),
    ("Щебень гранитный фр.", "168", ["5-20", "20-40", "40-70"], (1200, 2600)),
    ("Песок строительный", "113", ["мытый", "карьерный", "намывной"], (500, 1200)),
    ("Доставка манипулятором", "trip", ["до 30 км", "до 60 км", "до 100 км"], (5000, 15000)),
    ("Аренда самосвала", "168", ["20 т", "25 т", "30 т"], (250, 600)),
]
QUANTITIES = {
    "796": ["1", "2", "3", "4", "6", "8", "10", "12", "20"],
    "168": ["5", "10", "12.5", "20", "25", "40.75", "60"],
    "113": ["3", "5", "8.5", "10", "15", "20"],
    "trip": ["1", "2", "3"],
}


def _pick_weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def inn_company(n: int) -> str:
    """A checksum-valid 10-digit INN (C2) unique for n < 10**7 (region 78)."""
    from stdnum.ru.inn import calc_company_check_digit

    body = f"78{n:07d}"
    return body + calc_company_check_digit(body)


def inn_person(n: int) -> str:
    """A checksum-valid 12-digit INN of a sole trader (ИП)."""
    from stdnum.ru.inn import calc_personal_check_digits

    body = f"47{n:08d}"
    return body + calc_personal_check_digits(body)


def phone_pair(rng: random.Random, mobile: bool) -> tuple[str, str]:
    """(display value, E.164) of a Russian phone; E.164 is what ContactPoint.normalized holds."""
    if mobile:
        code, rest = f"9{rng.randrange(10, 100)}", rng.randrange(10**7)
    else:
        code, rest = "812", rng.randrange(2 * 10**6, 10**7)
    digits = f"{rest:07d}"
    shown = f"+7 ({code}) {digits[:3]}-{digits[3:5]}-{digits[5:]}"
    return shown, f"+7{code}{digits}"


# --- reference data and users (ORM: a few hundred rows) ------------------------------------------


def reference_data(n_products: int, rng: random.Random) -> dict:
    from dealbook.catalog.models import Product, TaxKind, Unit
    from dealbook.catalog.setup import tax_profile_russia, units_create_default
    from dealbook.crm.models import Pipeline
    from dealbook.crm.setup import (
        lost_reasons_create_default,
        pipeline_create_default,
        segments_create_default,
        sources_create_default,
    )

    profile = tax_profile_russia()
    units_create_default()
    units = {u.code: u for u in Unit.objects.all()}
    segments = segments_create_default("ru")
    sources = sources_create_default("ru")
    reasons = lost_reasons_create_default("ru")
    pipelines = []
    for i, (name, share) in enumerate(PIPELINES):
        pipeline = Pipeline.objects.filter(name=name).first() or pipeline_create_default(
            name=name, language="ru", sort=(i + 1) * 10, is_default=i == 0
        )
        pipelines.append((pipeline, share))
    products = []
    for i in range(n_products):
        kind, unit_code, variants, (low, high) = PRODUCT_KINDS[i % len(PRODUCT_KINDS)]
        variant = variants[(i // len(PRODUCT_KINDS)) % len(variants)]
        products.append(
            Product(
                name=f"{kind} {variant} №{i + 1}",
                sku=f"BN-{i + 1:04d}",
                unit=units[unit_code],
                price=Decimal(rng.randrange(low, high) * 100 + rng.choice([0, 50])) / 100,
                tax_kind=TaxKind.REDUCED if i % 10 == 9 else TaxKind.STANDARD,
                price_includes_tax=True,
                is_service=unit_code == "trip",
            )
        )
    products = Product.objects.bulk_create(products)
    return {
        "profile": profile,
        "segments": segments,
        "sources": sources,
        "reasons": reasons,
        "pipelines": pipelines,
        "products": products,
    }


def make_users(n_users: int) -> dict:
    """A director, two group managers and sales managers split into two groups (R1, R2)."""
    from django.contrib.auth.hashers import make_password

    from dealbook.accounts.models import Role, SalesGroup, User

    password = make_password(BENCH_PASSWORD)  # hashed once: 20 PBKDF2 runs would cost seconds
    groups = [SalesGroup.objects.get_or_create(name=f"Отдел продаж {i}")[0] for i in (1, 2)]
    rows = [User(username="bench_director", role=Role.DIRECTOR, first_name="Ирина", last_name="Директорова")]
    for i, group in enumerate(groups, start=1):
        rows.append(
            User(
                username=f"bench_gm{i}",
                role=Role.GROUP_MANAGER,
                group=group,
                first_name="Олег",
                last_name=f"Руководитель{i}",
            )
        )
    for i in range(1, max(n_users - 3, 1) + 1):
        rows.append(
            User(
                username=f"bench_sm{i:02d}",
                role=Role.SALES_MANAGER,
                group=groups[i % 2],
                first_name=FIRST_NAMES[i % len(FIRST_NAMES)],
                last_name=LAST_NAMES[i % len(LAST_NAMES)],
            )
        )
    for user in rows:
        user.password = password
        user.email = f"{user.username}@bench.example"
    users = User.objects.bulk_create(rows)
    return {
        "director": users[0],
        "sellers": users[1:],  # group managers and sales managers carry deals
        "sales_managers": [u for u in users if u.role == Role.SALES_MANAGER],
    }


# --- companies, contacts, phones ---------------------------------------------------------------


def gen_companies(w: BulkWriter, n: int, ref: dict, users: dict, rng: random.Random, ph: Phases) -> dict:
    from dealbook.crm.models import Company, ContactPoint

    base = w.next_id(Company)
    sellers = [u.pk for u in users["sellers"]]
    segments = [s.pk for s in ref["segments"]]
    names, responsible = [], []
    inn_count = 0

    def rows():
        nonlocal inn_count
        for i in range(n):
            form = _pick_weighted(rng, LEGAL_FORMS)
            if form == "ИП":
                name = f"ИП {rng.choice(LAST_NAMES)} {rng.choice(FIRST_NAMES)[0]}. {rng.choice(MIDDLE_NAMES)[0]}."
            else:
                core = rng.choice(NAME_PARTS) + rng.choice(NAME_PARTS).lower()
                if rng.random() < 0.3:
                    core += f"-{rng.randrange(1, 100)}"
                name = f"{form} «{core}»"
            inn = kpp = ""
            if rng.random() < 0.7:  # some companies have requisites, the others only a name
                inn_count += 1
                inn = inn_person(i) if form == "ИП" else inn_company(i)
                kpp = "" if form == "ИП" else f"{inn[:4]}01001"
            owner = rng.choice(sellers) if rng.random() < 0.85 else None
            names.append(name)
            responsible.append(owner)
            city = rng.choice(CITIES)
            yield (
                base + i,
                name,
                "buyer" if rng.random() < 0.85 else "both",
                rng.choice(segments),
                owner,
                rng.random() < 0.1,
                name,
                inn,
                kpp,
                f"{city}, ул. Промышленная, д. {rng.randrange(1, 200)}",
            )

    cols = ["id", "name", "kind", "segment_id", "responsible_id", "is_shared", "legal_name", "inn", "kpp"]
    cols.append("legal_address")
    with ph.phase("companies") as box:
        box["rows"] = w.copy(Company, cols, rows())
    point_base = w.next_id(ContactPoint)

    def points():
        k = point_base
        for i in range(n):
            for mobile in (False, True) if rng.random() < 0.3 else (False,):
                shown, e164 = phone_pair(rng, mobile)
                yield (k, base + i, "phone", "mobile" if mobile else "work", shown, e164)
                k += 1

    with ph.phase("company phones (ContactPoint)") as box:
        box["rows"] = w.copy(
            ContactPoint, ["id", "company_id", "kind", "label", "value", "normalized"], points()
        )
    return {"base": base, "n": n, "names": names, "responsible": responsible, "with_inn": inn_count}


def gen_contacts(w: BulkWriter, n: int, companies: dict, rng: random.Random, ph: Phases) -> dict:
    from dealbook.crm.models import Contact, ContactPoint

    base = w.next_id(Contact)
    n_comp = companies["n"]
    # contact i works at company i for the first n_comp contacts, so every company has someone
    company_of = [i if i < n_comp else rng.randrange(n_comp) for i in range(n)]
    contacts_of: list[list[int]] = [[] for _ in range(n_comp)]
    for i, c in enumerate(company_of):
        contacts_of[c].append(base + i)

    def rows():
        for i in range(n):
            yield (
                base + i,
                rng.choice(FIRST_NAMES),
                rng.choice(LAST_NAMES),
                rng.choice(MIDDLE_NAMES),
                rng.choice(POSITIONS),
                companies["responsible"][company_of[i]],
            )

    with ph.phase("contacts") as box:
        box["rows"] = w.copy(
            Contact, ["id", "first_name", "last_name", "middle_name", "position", "responsible_id"], rows()
        )
    link_model = Contact.companies.through
    link_base = w.next_id(link_model)
    with ph.phase("contact-company links") as box:
        box["rows"] = w.copy(
            link_model,
            ["id", "contact_id", "company_id"],
            ((link_base + i, base + i, companies["base"] + c) for i, c in enumerate(company_of)),
        )
    point_base = w.next_id(ContactPoint)

    def points():
        k = point_base
        for i in range(n):
            if rng.random() < 0.8:
                shown, e164 = phone_pair(rng, True)
                yield (k, base + i, "phone", "mobile", shown, e164)
                k += 1
            if rng.random() < 0.5:
                email = f"contact{base + i}@example.ru"
                yield (k, base + i, "email", "work", email, email)
                k += 1

    with ph.phase("contact phones and e-mails") as box:
        box["rows"] = w.copy(
            ContactPoint, ["id", "contact_id", "kind", "label", "value", "normalized"], points()
        )
    return {"base": base, "n": n, "company_of": company_of, "contacts_of": contacts_of}


# --- deals -------------------------------------------------------------------------------------


class LinePool:
    """Line amounts per (product, quantity, tax regime), computed once by core.tax (P3, P4).

    Everything is computed before the COPY starts: a query on the connection while COPY runs on
    it would block.
    """

    def __init__(self, products, profile) -> None:
        self.products = products
        self.profile = profile
        self._cache: dict = {}
        self._rates: dict = {}
        for year in (2025, 2026):
            for i, product in enumerate(products):
                for qty in QUANTITIES[product.unit.code]:
                    self.line(i, qty, year)

    def rate(self, kind: str, year: int):
        key = (kind, year)
        if key not in self._rates:
            self._rates[key] = self.profile.rate_for(kind, date(year, 6, 1))
        return self._rates[key]

    def line(self, product_index: int, qty: str, year: int):
        key = (product_index, qty, year >= 2026)
        found = self._cache.get(key)
        if found is None:
            from dealbook.core.tax import line_amounts

            product = self.products[product_index]
            rate = self.rate(product.tax_kind, year)
            amounts = line_amounts(
                price=product.price,
                quantity=Decimal(qty),
                currency="RUB",
                tax_rate=rate,
                price_includes_tax=product.price_includes_tax,
            )
            found = (amounts, rate)
            self._cache[key] = found
        return found


def gen_deals(
    w: BulkWriter,
    n: int,
    ref: dict,
    users: dict,
    companies: dict,
    contacts: dict,
    rng: random.Random,
    ph: Phases,
    *,
    with_lines: bool,
) -> dict:
    from dealbook.crm.models import Deal, DealContact, DealLine

    base = w.next_id(Deal)
    sellers = [u.pk for u in users["sellers"]]
    pool = LinePool(ref["products"], ref["profile"])
    stage_choices = []  # (pipeline_id, stage_id, kind, code) with cumulative weights
    cum, total = [], 0
    for pipeline, share in ref["pipelines"]:
        for stage in pipeline.stages.order_by("sort"):
            total += share * STAGE_WEIGHTS[stage.code]
            stage_choices.append((pipeline.pk, stage.pk, stage.kind, stage.code))
            cum.append(total)
    picks = rng.choices(stage_choices, cum_weights=cum, k=n)
    sources = [s.pk for s in ref["sources"]]
    reasons = [r.pk for r in ref["reasons"]]
    director = users["director"].pk
    span = (PERIOD_END - PERIOD_START).total_seconds()
    n_products = len(ref["products"])
    lines_out: list[tuple] = []
    contact_links: list[tuple] = []
    n_comp, comp_base = companies["n"], companies["base"]

    def rows():
        for i in range(n):
            pipeline_id, stage_id, kind, code = picks[i]
            created = PERIOD_START + timedelta(seconds=span * i / max(n, 1) + rng.random() * 30)
            year = created.year
            amount = tax = Decimal(0)
            picked = [
                rng.randrange(n_products) for _ in range(1 if rng.random() < 0.5 else rng.randint(2, 3))
            ]
            for sort, pi in enumerate(picked):
                unit_code = PRODUCT_KINDS[pi % len(PRODUCT_KINDS)][1]
                qty = rng.choice(QUANTITIES[unit_code])
                amounts, rate = pool.line(pi, qty, year)
                amount += amounts.total
                tax += amounts.tax
                if with_lines:
                    lines_out.append((base + i, pi, sort, qty, amounts, rate))
            responsible = None if code == "new" and rng.random() < 0.3 else rng.choice(sellers)
            c = rng.randrange(n_comp) if rng.random() < 0.9 else None
            company_id = comp_base + c if c is not None else None
            if c is not None:
                contact_id = rng.choice(contacts["contacts_of"][c])
            else:
                contact_id = contacts["base"] + rng.randrange(contacts["n"])
            contact_links.append((base + i, contact_id))
            closed = kind != "open"
            changed = min(created + timedelta(days=rng.randrange(0, 40)), PERIOD_END)
            yield (
                base + i,
                f"Сделка {base + i}: {ref['products'][picked[0]].name}",
                pipeline_id,
                stage_id,
                responsible,
                rng.random() < 0.05,
                company_id,
                amount,
                tax,
                "RUB",
                ref["profile"].pk,
                created.date(),
                rng.choice(CITIES),
                rng.choice(sources),
                rng.choice(reasons) if code == "lost" else None,
                director if responsible is None else responsible,
                created,
                changed,
                changed,
                changed if closed else None,
            )

    cols = [
        "id",
        "title",
        "pipeline_id",
        "stage_id",
        "responsible_id",
        "is_shared",
        "company_id",
        "amount",
        "tax_amount",
        "currency",
        "tax_profile_id",
        "tax_date",
        "location",
        "source_id",
        "lost_reason_id",
        "created_by_id",
        "created_at",
        "updated_at",
        "stage_changed_at",
        "closed_at",
    ]
    with ph.phase("deals") as box:
        box["rows"] = w.copy(Deal, cols, rows())
    link_base = w.next_id(DealContact)
    with ph.phase("deal contacts (primary)") as box:
        box["rows"] = w.copy(
            DealContact,
            ["id", "deal_id", "contact_id", "is_primary", "role"],
            ((link_base + k, d, c, True, "") for k, (d, c) in enumerate(contact_links)),
        )
    if with_lines:
        products = ref["products"]

        def line_rows():
            for deal_id, pi, sort, qty, a, rate in lines_out:
                p = products[pi]
                yield (
                    deal_id,
                    p.pk,
                    p.name,
                    sort,
                    qty,
                    p.unit_id,
                    p.price,
                    p.tax_kind,
                    rate,
                    p.price_includes_tax,
                    a.subtotal,
                    a.discount,
                    a.net,
                    a.tax,
                    a.total,
                )

        line_cols = ["deal_id", "product_id", "name", "sort", "quantity", "unit_id", "price", "tax_kind"]
        line_cols += ["tax_rate", "price_includes_tax", "subtotal", "discount_amount", "net", "tax", "total"]
        with ph.phase("deal lines") as box:
            box["rows"] = w.copy(DealLine, line_cols, line_rows())
    return {"base": base, "n": n}


def rebuild_stage_totals() -> int:
    """StageTotal from a recount of the deals: crm.totals.rebuild() when it exists, else GROUP BY."""
    try:
        from dealbook.crm import totals
    except ImportError:
        totals = None
    if totals is not None and hasattr(totals, "rebuild"):
        totals.rebuild()
        from dealbook.crm.models import StageTotal

        return StageTotal.objects.count()
    return recount_stage_totals()


def recount_stage_totals() -> int:
    from django.db import transaction
    from django.db.models import Count, Sum

    from dealbook.crm.models import Deal, StageTotal

    groups = Deal.objects.values("pipeline_id", "stage_id", "responsible_id", "is_shared", "currency")
    groups = groups.annotate(n=Count("id"), s=Sum("amount")).order_by()
    with transaction.atomic():
        StageTotal.objects.all().delete()
        StageTotal.objects.bulk_create(
            StageTotal(
                pipeline_id=g["pipeline_id"],
                stage_id=g["stage_id"],
                responsible_key=g["responsible_id"] or 0,
                is_shared=g["is_shared"],
                currency=g["currency"],
                count=g["n"],
                amount=g["s"],
            )
            for g in groups
        )
    return StageTotal.objects.count()


def bulk_models() -> list:
    from dealbook.crm.models import Company, Contact, ContactPoint, Deal, DealContact, DealLine

    return [Company, Contact, Contact.companies.through, ContactPoint, Deal, DealContact, DealLine]


def generate(
    *,
    companies: int = 20_000,
    contacts: int = 50_000,
    deals: int = 1_000_000,
    users: int = 20,
    products: int = 200,
    with_lines: bool = False,
    rebuild_indexes: bool = True,
    seed: int = SEED,
    phases: Phases | None = None,
) -> dict:
    """Fill the current Django database (already migrated) and return what was created."""
    from dealbook.catalog.models import Product
    from dealbook.crm.models import StageTotal

    rng = random.Random(seed)
    ph = phases or Phases()
    w = BulkWriter()
    with ph.phase("reference data, users, products") as box:
        ref = reference_data(products, rng)
        who = make_users(users)
        box["rows"] = len(ref["products"]) + len(who["sellers"]) + 1
    models = bulk_models()
    restore = w.drop_secondary(models) if rebuild_indexes else []
    comp = gen_companies(w, companies, ref, who, rng, ph)
    cont = gen_contacts(w, contacts, comp, rng, ph)
    gen_deals(w, deals, ref, who, comp, cont, rng, ph, with_lines=with_lines)
    with ph.phase("indexes and foreign keys rebuilt"):
        w.restore_secondary(restore)
    with ph.phase("sequences reset"):
        w.reset_sequences([*models, Product])
    with ph.phase("stage totals rebuilt") as box:
        box["rows"] = rebuild_stage_totals()
    with ph.phase("vacuum analyze"):
        w.vacuum_analyze([*models, StageTotal])
    return {
        "pipelines": [p for p, _ in ref["pipelines"]],
        "director": who["director"],
        "sales_managers": who["sales_managers"],
        "companies_with_inn": comp["with_inn"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default=DEFAULT_URL, help="database URL (default %(default)s)")
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--companies", type=int, default=20_000)
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--lines", action="store_true", help="also write the deal lines behind the amounts")
    parser.add_argument("--keep-indexes", action="store_true", help="load with all indexes in place")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)

    ph = Phases()
    print(f"dealbook bench generator → {args.url}", flush=True)
    with ph.phase("create database, migrate"):
        ensure_database(args.url, reset=True)
        django_setup(args.url)
        migrate()
    generate(
        companies=args.companies,
        contacts=args.contacts,
        deals=args.deals,
        users=args.users,
        products=args.products,
        with_lines=args.lines,
        rebuild_indexes=not args.keep_indexes,
        seed=args.seed,
        phases=ph,
    )
    total = ph.total_rows
    print(
        f"done: {total:,} rows in {ph.elapsed:.1f} s ({total / ph.elapsed:,.0f} rows/s overall); "
        f"users log in with password {BENCH_PASSWORD!r} (bench_director, bench_gm1, bench_sm01 …)",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
