"""Demo data: the world of seed 002 (a building-materials company in St Petersburg).

Everything is created through the services, as people would create it, so timelines, intake tasks
(T1), routing (D3) and the running stage totals are exactly what the app produces. The data is
deterministic (fixed random seed); loading runs in one transaction, into an empty database unless
forced. Lead No. 33082, deal No. 37924 and company No. 13456 keep the seed's numbers.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

DEMO_PASSWORD = "demo12345"
SEED = 2018
TAKEN = "Взял(а) в работу"  # the result of a demo intake task (T1) its manager has done

# (username, role, first name, last name, group key)
USERS = [
    ("admin", "admin", "Адгард", "Админов", None),
    ("director", "director", "Андрей", "Новиков", None),
    ("head_zhbi", "group_manager", "Игорь", "Волков", "zhbi"),
    ("head_nerud", "group_manager", "Елена", "Смирнова", "nerud"),
    ("finance", "financial_manager", "Марина", "Орлова", None),
    ("accountant", "accountant", "Светлана", "Новоселова", None),
    ("grakun", "sales_manager", "Екатерина", "Гракун", "zhbi"),
    ("petrov", "sales_manager", "Павел", "Петров", "zhbi"),
    ("sidorova", "sales_manager", "Анна", "Сидорова", "nerud"),
    ("kuznetsov", "sales_manager", "Денис", "Кузнецов", "nerud"),
    ("operator", "operator", "Ольга", "Иванова", None),
]
GROUPS = {"zhbi": "Отдел продаж ЖБИ", "nerud": "Отдел продаж нерудных материалов"}

# (name, sku, unit, price, is_service, pipeline key) — the seed's catalog (steps 27–34)
PRODUCTS = [
    ("Кольцо стеновое КС 10-3", "КС10-3", "шт", "700.00", False, "zhbi"),
    ("фундаментный блок ФБС 9-5-3т", "ФБС9-5-3т", "шт", "950.00", False, "zhbi"),
    ("Кольцо стеновое КС 10-6", "КС10-6", "шт", "1350.00", False, "zhbi"),
    ("Кольцо стеновое КС 10-9", "КС10-9", "шт", "1900.00", False, "zhbi"),
    ("Кольцо колодезное стеновое КС-10-1", "КС-10-1", "шт", "2450.00", False, "zhbi"),
    ("Кольцо колодезное стеновое КС-10-1,5", "КС-10-1,5", "шт", "3300.00", False, "zhbi"),
    ("Фундаментный блок ФБС 9-6-6", "ФБС9-6-6", "шт", "2900.00", False, "zhbi"),
    ("Фундаментный блок ФБС 12-5-3", "ФБС12-5-3", "шт", "2150.00", False, "zhbi"),
    ("Доставка манипулятором", "DLV-MAN", "рейс", "6500.00", True, "any"),
    ("Аренда техники", "RENT", "т", "350.00", True, "nerud"),
    ("Щебень гранитный фр. 20-40", "ЩГ20-40", "м3", "1850.00", False, "nerud"),
    ("Щебень гранитный фр. 5-20", "ЩГ5-20", "т", "1650.00", False, "nerud"),
    ("Песок намывной", "ПН", "м3", "650.00", False, "nerud"),
    ("Песок карьерный", "ПК", "т", "480.00", False, "nerud"),
]

# Real Russian banks: BIK and correspondent account (control keys checked by crm.validators)
BANKS = [
    ("ПАО Сбербанк", "044030653", "30101810500000000653"),
    ('АО "Альфа-Банк"', "044525593", "30101810200000000593"),
    ("Банк ВТБ (ПАО)", "044525187", "30101810700000000187"),
    ('ПАО "Банк "Санкт-Петербург"', "044030790", "30101810900000000790"),
]

# (name, segment, kind, director, phone) — clients besides the seed's ЭЛЕКСИС ООО
CLIENTS = [
    ('ООО "СтройМонолит"', "Застройщики и генподрядчики", "buyer", "Орлов Виктор", "+7 812 640-11-20"),
    ('ООО "Невский дренаж"', "Подрядчики и субподрядчики", "buyer", "Жуков Олег", "+7 812 702-33-18"),
    ('ООО "Ладога Бетон"', "Партнёры", "both", "Белова Ирина", "+7 813 704-55-10"),
    ('АО "ЛенСпецСтрой"', "Застройщики и генподрядчики", "buyer", "Громов Алексей", "+7 812 331-90-45"),
    ('ООО "УК Северная"', "Управляющие компании", "buyer", "Тихонова Нина", "+7 812 245-67-89"),
    ('ООО "ДорТрансНеруд"', "Дилеры", "buyer", "Сергеев Максим", "+7 812 903-12-34"),
    ('ГУП "Водоканал района"', "Коммунальные службы", "buyer", "Ершов Павел", "+7 812 305-44-21"),
    ('ООО "Бригада Мастеров"', "Строительные бригады", "buyer", "Зайцев Роман", "+7 921 555-12-40"),
]
FIRST_NAMES = ["Алексей", "Мария", "Сергей", "Ольга", "Дмитрий", "Наталья", "Иван", "Татьяна"]
LAST_NAMES = ["Соколов", "Лебедева", "Козлов", "Новикова", "Морозов", "Павлова", "Фёдоров", "Егорова"]
POSITIONS = ["прораб", "снабженец", "главный инженер", "директор", "бригадир"]
COMMENTS = [
    "Клиент просит счёт до конца недели.",
    "Созвонились, уточняем объём и адрес выгрузки.",
    "Нужна доставка манипулятором, выгрузка у въезда.",
    "Отправили КП на почту, ждём ответа.",
    "Оплата безналичная, реквизиты пришлют на почту.",
]

SEED_LEAD_COMMENT = (
    "КС-10-1 кольцо колодезное стеновое 2 шт\n"
    "КС-10-1,5 кольцо колодезное стеновое 3 шт\n"
    "ФБС 9-6-6 1 шт\n"
    "ФБС 12-5-3 шт"
)
SEED_DEAL_COMMENT = (
    "Созвонилась с клиентом, продукция нужна 15.05. Доставка Синявино. Две выгрузки по пути. "
    "1 Садоводство Восход, 2. Садоводство Заход. Доставка манипулятором. Выгрузка у въезда в "
    "садоводства. Оплата безналичная. Реквизиты высылают на почту."
)
TARGETS = [
    "new",
    "assigned",
    "negotiation",
    "price_announced",
    "invoice_issued",
    "invoice_paid",
    "shipment",
    "won",
    "lost",
    "new",
    "negotiation",
    "price_announced",
    "won",
    "lost",
    "shipment",
]
OPEN_PATH = [
    "new",
    "assigned",
    "negotiation",
    "price_announced",
    "invoice_issued",
    "invoice_paid",
    "shipment",
]


# ---------------------------------------------------------------- valid requisites, computed


def inn_with_check(first9: str) -> str:
    """A 10-digit organisation INN: nine digits and their check digit (C2)."""
    from stdnum.ru import inn

    return first9 + inn.calc_company_check_digit(first9)


def ogrn_with_check(first12: str) -> str:
    """A 13-digit OGRN: the check digit is (first 12 digits mod 11) mod 10."""
    return first12 + str(int(first12) % 11 % 10)


def account_with_key(bik: str, template: str) -> str:
    """A settlement account whose 9th digit is the Central Bank control key for this BIK."""
    from dealbook.crm.validators import account_key_ok

    for digit in "0123456789":
        candidate = template[:8] + digit + template[9:]
        if account_key_ok(bik[-3:], candidate):
            return candidate
    raise ValueError("no control key fits")  # cannot happen: the key digit has weight 1 mod 10


def _bank_account(rng: random.Random, bank: tuple[str, str, str] | None = None) -> dict:
    name, bik, corr = bank or rng.choice(BANKS)
    template = "40702810" + "0" + "".join(rng.choice("0123456789") for _ in range(11))
    return {"bank_name": name, "bik": bik, "corr_account": corr, "account": account_with_key(bik, template)}


def _set_next_id(model, value: int) -> None:
    """Make the next row of `model` get id `value` (the seed's record numbers)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, value - 1])
        elif connection.vendor == "sqlite":
            cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
            cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, value - 1])


# ---------------------------------------------------------------- public


def is_empty() -> bool:
    from dealbook.accounts.models import User

    return not User.objects.exists()


def load(force: bool = False) -> list[tuple[str, str, str]]:
    """Create the demo world; returns (username, password, role) of the demo users.

    Does nothing on a database that already has users, unless `force` (then the demo users must
    not exist yet: usernames are unique).
    """
    if not force and not is_empty():
        return []
    with transaction.atomic():
        return _Loader().run()


def print_users(users) -> None:
    if not users:
        return
    print("Demo users (username / password / role):")
    for username, password, role in users:
        print(f"  {username:<12} {password:<16} {role}")
    print(
        "Sign in at / (the pages: operator, grakun …), /admin/ (admin), or get an API token: POST /api/v1/auth/token"
    )


# ---------------------------------------------------------------- the loader


class _Loader:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.users: dict = {}
        self.products: dict = {}
        self.pipelines: dict = {}
        self.segments: dict = {}

    def run(self) -> list[tuple[str, str, str]]:
        created = self.make_users()
        self.make_reference()
        self.make_catalog()
        self.make_routing()
        own, elexis, clients = self.make_companies()
        self.own = own
        self.seed_scenario(elexis)
        self.make_leads()
        self.make_deals(clients)
        self.settle_intake()
        self.make_counterparty_request()
        return created

    # -- people and settings

    def make_users(self) -> list[tuple[str, str, str]]:
        from dealbook.accounts.models import SalesGroup
        from dealbook.accounts.services import user_create

        groups = {key: SalesGroup.objects.get_or_create(name=name)[0] for key, name in GROUPS.items()}
        admin_password = os.environ.get("DEALBOOK_ADMIN_PASSWORD") or DEMO_PASSWORD
        created = []
        for username, role, first, last, group in USERS:
            password = admin_password if username == "admin" else DEMO_PASSWORD
            self.users[username] = user_create(
                username=username,
                password=password,
                role=role,
                first_name=first,
                last_name=last,
                email=f"{username}@westgroup.example",
                group=groups.get(group),
                is_superuser=role == "admin",
            )
            created.append((username, password, role))
        return created

    def make_reference(self) -> None:
        from dealbook.catalog.setup import tax_profile_russia, units_create_default
        from dealbook.crm.services.pipelines import pipeline_create
        from dealbook.crm.setup import (
            lost_reasons_create_default,
            segments_create_default,
            sources_create_default,
        )

        admin = self.users["admin"]
        self.segments = {s.name: s for s in segments_create_default("ru")}
        sources_create_default("ru")
        lost_reasons_create_default("ru")
        tax_profile_russia(is_default=True)
        units_create_default()
        self.pipelines["zhbi"] = pipeline_create(
            actor=admin, name="ЖБИ", sort=10, is_default=True, language="ru"
        )
        self.pipelines["nerud"] = pipeline_create(
            actor=admin, name="Нерудные материалы", sort=20, language="ru"
        )

    def make_catalog(self) -> None:
        from dealbook.catalog.services import product_create

        accountant = self.users["accountant"]
        for name, sku, unit, price, is_service, key in PRODUCTS:
            product = product_create(
                actor=accountant, name=name, sku=sku, unit=unit, price=Decimal(price), is_service=is_service
            )
            self.products.setdefault(key, []).append(product)
            self.products[name] = product

    def make_routing(self) -> None:
        from dealbook.crm.services.routing import routing_rule_create

        admin, u, seg = self.users["admin"], self.users, self.segments
        zhbi, nerud = self.pipelines["zhbi"], self.pipelines["nerud"]
        routing_rule_create(actor=admin, pipeline=zhbi, responsible=u["grakun"])
        routing_rule_create(
            actor=admin, pipeline=zhbi, segment=seg["Застройщики и генподрядчики"], responsible=u["petrov"]
        )
        # Нерудные материалы routes by segment only: other requests wait in "Incoming request"
        # for the operator to assign by hand (D3)
        routing_rule_create(
            actor=admin, pipeline=nerud, segment=seg["Застройщики и генподрядчики"], responsible=u["sidorova"]
        )
        routing_rule_create(
            actor=admin, pipeline=nerud, segment=seg["Коммунальные службы"], responsible=u["sidorova"]
        )
        routing_rule_create(actor=admin, pipeline=nerud, segment=seg["Дилеры"], responsible=u["kuznetsov"])

    # -- companies and contacts

    def make_companies(self):
        from dealbook.crm.models import Company
        from dealbook.crm.services.companies import company_create, company_take

        accountant, rng = self.users["accountant"], self.rng
        own = company_create(
            actor=accountant,
            name='ООО "ВЕСТ ГРУПП"',
            legal_name='Общество с ограниченной ответственностью "ВЕСТ ГРУПП"',
            is_own=True,
            kind="supplier",
            inn="7806210729",
            kpp="780601001",
            ogrn=ogrn_with_check("115784724856"),
            legal_address="195027, г. Санкт-Петербург, Свердловская наб., д. 44, лит. Ю",
            director_name="Новиков Андрей Петрович",
            accountant_name="Новоселова Светлана Игоревна",
            phones=["+7 812 648-47-47"],
            emails=["info@westgroup.example"],
            bank_accounts=[_bank_account(rng, BANKS[0])],
        )
        _set_next_id(Company, 13456)
        elexis = company_create(
            actor=accountant,
            name="ЭЛЕКСИС ООО",
            legal_name='Общество с ограниченной ответственностью "ЭЛЕКСИС"',
            kind="buyer",
            segment=self.segments["Строительные бригады"],
            inn=inn_with_check("780212345"),
            kpp="780201001",
            ogrn=ogrn_with_check("110784701234"),
            legal_address="194044, г. Санкт-Петербург, Выборгская ул., д. 5",
            director_name="Шахтагинский Станислав",
            phones=["+7 812 325-96-46"],
            emails=["elecsys@list.ru"],
            bank_accounts=[_bank_account(rng, BANKS[1])],
        )
        company_take(actor=self.users["grakun"], company=elexis)
        clients = []
        for i, (name, segment, kind, director, phone) in enumerate(CLIENTS):
            inn = inn_with_check(f"78{rng.randint(1000000, 9999999)}")
            company = company_create(
                actor=accountant,
                name=name,
                kind=kind,
                segment=self.segments[segment],
                inn=inn,
                kpp=inn[:4] + "01001",
                ogrn=ogrn_with_check(f"1{10 + i}78{rng.randint(1000000, 9999999)}"),
                legal_address=f"г. Санкт-Петербург, ул. Промышленная, д. {i + 3}",
                director_name=director,
                phones=[phone],
                bank_accounts=[_bank_account(rng)],
            )
            clients.append(company)
        return own, elexis, clients

    def _contact(self, actor, first, last, position, phone, company=None, email=""):
        from dealbook.crm.services.contacts import contact_create

        return contact_create(
            actor=actor,
            first_name=first,
            last_name=last,
            position=position,
            phones=[phone] if phone else (),
            emails=[email] if email else (),
            company=company,
        )

    # -- the seed's worked example: lead 33082 → deal 37924 at "price announced"

    def seed_scenario(self, elexis) -> None:
        from dealbook.activities.models import Task, TaskKind
        from dealbook.activities.services import task_complete, task_create
        from dealbook.core.timeline import comment_add
        from dealbook.crm.models import Deal, Lead, Source
        from dealbook.crm.services.deals import deal_contact_add, deal_move, deal_set_company
        from dealbook.crm.services.leads import lead_convert, lead_create
        from dealbook.crm.services.lines import line_add

        operator, manager = self.users["operator"], self.users["grakun"]
        _set_next_id(Lead, 33082)
        lead = lead_create(
            actor=operator,
            title="Входящий звонок/тест_клиент",
            source=Source.objects.get(code="call"),
            channel="call",
            name="тест_клиент",
            phone="79218485383",
            comment=SEED_LEAD_COMMENT,
            pipeline=self.pipelines["zhbi"],
            responsible=manager,  # the seed's lead card shows Гракун Екатерина as responsible
        )
        _set_next_id(Deal, 37924)
        deal = lead_convert(
            actor=operator,
            lead=lead,
            mode="deal_contact",
            pipeline=self.pipelines["zhbi"],
            deal_title="01/12.05 КС, ФБС тест",
            first_name="Роман",
            position="прораб",
            responsible=manager,
            source=Source.objects.get(code="referral"),
            delivery_address="Синявино",
            location="Ленинградская область",
            tax_date=dt.date(2018, 5, 12),
            begin_date=dt.date(2018, 5, 12),
        ).deal
        intake = Task.objects.get(deal=deal, kind=TaskKind.INTAKE)
        task_complete(actor=manager, task=intake, result="Взяла в работу")
        deal_move(actor=manager, deal=deal, stage="negotiation")
        comment_add(subject=deal, actor=manager, text=SEED_DEAL_COMMENT)
        line_add(actor=manager, deal=deal, product=self.products["Кольцо стеновое КС 10-3"], quantity=3)
        line_add(actor=manager, deal=deal, product=self.products["фундаментный блок ФБС 9-5-3т"], quantity=2)
        deal_move(actor=manager, deal=deal, stage="price_announced")
        director = self._contact(
            manager, "Станислав", "Шахтагинский", "Генеральный директор", "+7 812 325-96-47", elexis
        )
        deal_set_company(actor=manager, deal=deal, company=elexis)
        deal_contact_add(actor=manager, deal=deal, contact=director, role="Генеральный директор")
        task_create(
            actor=manager,
            title="Отправить КП",
            deadline=timezone.now() + dt.timedelta(days=1),
            kind="email",
            deal=deal,
            checklist=["Проверить НДС в товарах", "Приложить карточку ЭЛЕКСИС", "Отправить на sl-cc@ya.ru"],
        )
        self.seed_invoice(deal, manager)
        from dealbook.sales.demo import seed_proposals  # Q1–Q3: the seed deal's proposal, sent

        seed_proposals(deal=deal, manager=manager, seller=self.own)

    def seed_invoice(self, deal, manager) -> None:
        """Steps 43–51: invoice No. 2018 / 943 from the deal, New, from ООО "ВЕСТ ГРУПП" (which is also
        the provisional supplier and carrier until the actual ones are known, steps 46–47)."""
        from dealbook.billing.services import invoice_create_from_deal
        from dealbook.core.models import Sequence

        Sequence.objects.create(scope=f"seller:{self.own.pk}", doc_type="invoice", year=2018, last=942)
        invoice_create_from_deal(
            actor=manager,
            deal=deal,
            seller=self.own,
            date=dt.date(2018, 5, 12),
            supplier=self.own,
            carrier=self.own,
            comment=SEED_LEAD_COMMENT,
        )

    # -- more leads, deals, tasks

    def make_leads(self) -> None:
        from dealbook.crm.services.leads import lead_create, lead_set_status

        operator, rng = self.users["operator"], self.rng
        statuses = ["new", "new", "in_work", "in_work", "junk", "new"]
        for i, status in enumerate(statuses):
            lead = lead_create(
                actor=operator,
                title=f"Заявка с сайта: {rng.choice(['кольца КС', 'щебень', 'песок', 'блоки ФБС'])}",
                channel="web_form",
                name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                phone=f"+7 921 {300 + i:03d}-{rng.randint(10, 99)}-{rng.randint(10, 99)}",
                comment="Прошу перезвонить и рассчитать доставку.",
                pipeline=self.pipelines["zhbi" if i % 2 else "nerud"],
            )
            if status != "new":
                lead_set_status(actor=operator, lead=lead, status=status)

    def make_deals(self, clients, count: int = 30) -> None:
        from dealbook.crm.models import LostReason

        reasons = list(LostReason.objects.order_by("sort"))
        for n in range(count):
            key = "zhbi" if n % 2 == 0 else "nerud"
            company = clients[n % len(clients)] if n % 5 else None
            # an odd-length cycle: every target occurs in both pipelines
            self._one_deal(n, key, company, TARGETS[n % len(TARGETS)], reasons)

    def _one_deal(self, n: int, key: str, company, target: str, reasons) -> None:
        from dealbook.activities.services import task_create
        from dealbook.core.timeline import comment_add
        from dealbook.crm.services.deals import deal_assign, deal_create, deal_move
        from dealbook.crm.services.lines import line_add

        rng, operator = self.rng, self.users["operator"]
        pipeline = self.pipelines[key]
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        phone = f"+7 911 {100 + n:03d}-{rng.randint(10, 99)}-{rng.randint(10, 99)}"
        contact = self._contact(operator, first, last, rng.choice(POSITIONS), phone, company)
        deal = deal_create(
            actor=operator,
            title=f"{n + 2:02d}/{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d} {pipeline.name}: {last}",
            pipeline=pipeline,
            company=company,
            contacts=[contact],
            source=rng.choice(["call", "web_form", "referral", "repeat"]),
            delivery_address=rng.choice(["Синявино", "Кировск", "Всеволожск", "Гатчина", "Тосно"]),
            location="Ленинградская область",
            is_shared=n % 7 == 0,
        )
        if deal.responsible is None:
            if target == "new":
                return  # still waiting for the operator
            manager = self.users[rng.choice(["sidorova", "kuznetsov"])]
            deal_assign(actor=operator, deal=deal, responsible=manager)
        actor = deal.responsible
        for product in rng.sample(self.products[key] + self.products["any"], k=rng.randint(1, 3)):
            quantity = (
                rng.randint(1, 20) if not product.unit.allows_fraction else Decimal(rng.randint(5, 400)) / 4
            )
            line_add(actor=actor, deal=deal, product=product, quantity=quantity)
        if rng.random() < 0.6:
            comment_add(subject=deal, actor=actor, text=rng.choice(COMMENTS))
        if target == "lost":  # deals are lost on the way, not only at the end
            path = [*OPEN_PATH[: rng.randint(3, len(OPEN_PATH))], "lost"]
        elif target == "won":
            path = [*OPEN_PATH, "won"]
        else:
            path = OPEN_PATH[: OPEN_PATH.index(target) + 1]
        if any(code not in ("new", "assigned") for code in path):
            self._take(deal)  # T1: the manager took the deal before working on it
        invoice = None
        for code in path:
            if code in ("new", "assigned"):
                continue
            # the invoice's own lifecycle moves the deal (I7) and lets it be won (D7)
            invoice = self._billing_step(deal, actor, code, invoice)
            deal.refresh_from_db()
            if deal.stage.code == code:
                continue
            lost = {"lost_reason": rng.choice(reasons), "lost_comment": "Выбрали другого поставщика"}
            deal_move(actor=actor, deal=deal, stage=code, **(lost if code == "lost" else {}))
        if not deal.stage.is_closed and rng.random() < 0.5:
            task_create(
                actor=actor,
                title=rng.choice(["Перезвонить клиенту", "Согласовать доставку", "Отправить счёт"]),
                deadline=timezone.now() + dt.timedelta(hours=rng.randint(-48, 96)),
                kind=rng.choice(["call", "task", "email"]),
                deal=deal,
                checklist=rng.sample(
                    ["Уточнить объём", "Уточнить адрес", "Согласовать дату", "Выслать КП"], k=2
                ),
            )

    @staticmethod
    def _take(deal) -> None:
        """T1 (step 20): the responsible takes the incoming deal — its intake task done."""
        from dealbook.activities.models import Task, TaskKind, TaskStatus
        from dealbook.activities.services import task_complete

        for task in Task.objects.filter(deal=deal, kind=TaskKind.INTAKE, status=TaskStatus.OPEN):
            task_complete(actor=task.responsible, task=task, result=TAKEN)

    def settle_intake(self, waiting: int = 2) -> None:
        """T1: the managers have taken the deals assigned to them earlier; only the newest `waiting`
        incoming deals still wait with their intake task open (it goes overdue minutes after the load,
        as a real new deal would)."""
        from dealbook.activities.models import Task, TaskKind, TaskStatus
        from dealbook.activities.services import task_complete

        incoming = Task.objects.filter(kind=TaskKind.INTAKE, status=TaskStatus.OPEN).select_related(
            "responsible"
        )
        for task in list(incoming.order_by("-deal_id", "-id"))[waiting:]:
            task_complete(actor=task.responsible, task=task, result=TAKEN)

    def _billing_step(self, deal, actor, code: str, invoice):
        """What billing does at a stage: issue and send the invoice (→ Invoice issued), record the
        exact payment (→ Invoice paid), UPD issued and received signed before Won; a lost deal's
        unpaid invoice is cancelled."""
        from dealbook.billing import services as billing

        if code == "invoice_issued":
            contact = deal.deal_contacts.order_by("-is_primary", "id").first()
            invoice = billing.invoice_create_from_deal(
                actor=actor,
                deal=deal,
                seller=self.own,
                payer_company=deal.company,
                payer_contact=None if deal.company else contact.contact,
                due_date=deal.tax_date + dt.timedelta(days=5),
            )
            billing.invoice_set_parties(
                actor=actor, invoice=invoice, supplier=self.own, carrier=self.own, confirmed=True
            )
            billing.invoice_send(actor=actor, invoice=invoice)
        elif code == "invoice_paid":
            invoice.refresh_from_db()
            billing.invoice_pay(
                actor=actor,
                invoice=invoice,
                amount=invoice.total,
                date=invoice.date,
                reference=f"п/п {invoice.seq}",
            )
        elif code == "won":
            upd = billing.closing_document_create(actor=actor, invoice=invoice, kind="upd", date=invoice.date)
            billing.closing_document_receive(actor=actor, document=upd)
        elif code == "lost" and invoice is not None:
            invoice.refresh_from_db()
            if invoice.paid_amount == 0:
                billing.invoice_cancel(actor=actor, invoice=invoice, reason="Сделка проиграна")
        return invoice

    def make_counterparty_request(self) -> None:
        from dealbook.crm.services.requests import counterparty_request_file

        counterparty_request_file(
            actor=self.users["petrov"],
            name='ООО "Новый Горизонт"',
            inn=inn_with_check("781098765"),
            comment="Карточка компании придёт по почте; клиент по сделке на кольца КС.",
        )
