"""Kanban headers (D6) from exact running totals that always equal a recount, scoped by R2."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dealbook.accounts.models import Role
from dealbook.core.errors import DomainError
from dealbook.crm import totals
from dealbook.crm.models import Deal, DealLine, StageTotal
from dealbook.crm.services import deals as svc
from dealbook.crm.services.lines import line_add, line_remove
from dealbook.crm.setup import lost_reasons_create_default

pytestmark = pytest.mark.django_db
D = Decimal
STAGES = ["new", "assigned", "negotiation", "price_announced", "shipment", "won", "lost"]


@pytest.fixture
def w(f):
    class World:
        pass

    x = World()
    f.russia()
    x.pipeline = f.make_pipeline("ЖБИ")
    x.other = f.make_pipeline("Нерудные")
    x.north, x.south = f.make_group("North"), f.make_group("South")
    x.admin = f.make_user(Role.ADMIN)
    x.m1 = f.make_user(Role.SALES_MANAGER, group=x.north)
    x.m2 = f.make_user(Role.SALES_MANAGER, group=x.north)
    x.m3 = f.make_user(Role.SALES_MANAGER, group=x.south)
    x.head = f.make_user(Role.GROUP_MANAGER, group=x.north)
    x.users = [None, x.m1, x.m2, x.m3]
    x.products = [f.make_product(price="700.00"), f.make_product(price="950.00", unit_name="т")]
    x.reason = lost_reasons_create_default()[0]
    return x


def assert_exact(w):
    for pipeline in (w.pipeline, w.other):
        assert totals.stored_totals(pipeline) == totals.live_totals(pipeline)


def header(user, pipeline, code):
    return next(h for h in totals.stage_headers(user, pipeline) if h["stage"].code == code)


ops = st.lists(
    st.one_of(
        st.tuples(st.just("create"), st.integers(0, 3), st.booleans(), st.booleans()),
        st.tuples(st.just("move"), st.integers(0, 20), st.sampled_from(STAGES)),
        st.tuples(st.just("assign"), st.integers(0, 20), st.integers(1, 3)),
        st.tuples(st.just("share"), st.integers(0, 20), st.booleans()),
        st.tuples(st.just("line"), st.integers(0, 20), st.integers(0, 1), st.integers(1, 5)),
        st.tuples(st.just("unline"), st.integers(0, 20)),
        st.tuples(st.just("amount"), st.integers(0, 20), st.integers(0, 10**7)),
        st.tuples(st.just("delete"), st.integers(0, 20)),
    ),
    max_size=25,
)


def run(w, op, deals):
    a = w.admin
    kind, *args = op
    if kind == "create":
        user_i, shared, other = args
        deal = svc.deal_create(
            actor=a,
            title="d",
            pipeline=w.other if other else w.pipeline,
            responsible=w.users[user_i],
            is_shared=shared,
            tax_date=dt.date(2026, 5, 12),
        )
        deals.append(deal)
        return
    if not deals:
        return
    deal = deals[args[0] % len(deals)]
    if kind == "move":
        svc.deal_move(actor=a, deal=deal, stage=args[1], lost_reason=w.reason)
    elif kind == "assign":
        svc.deal_assign(actor=a, deal=deal, responsible=w.users[args[1]])
    elif kind == "share":
        svc.deal_update(actor=a, deal=deal, is_shared=args[1])
    elif kind == "line":
        line_add(actor=a, deal=deal, product=w.products[args[1]], quantity=args[2])
    elif kind == "unline":
        line = DealLine.objects.filter(deal_id=deal.pk).first()
        if line:
            line_remove(actor=a, line=line)
    elif kind == "amount":
        svc.deal_update(actor=a, deal=deal, amount=D(args[1]) / 100)
    elif kind == "delete":
        svc.deal_delete(actor=a, deal=deal)
        deals.remove(deal)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=ops)
def test_running_totals_always_equal_a_recount(w, sequence):
    """DESIGN: the running (stage, responsible, shared, currency) rows equal a recount after any
    sequence of creates, moves, assignments, share toggles, line and amount changes and deletes."""
    with transaction.atomic():
        deals = []
        for op in sequence:
            try:
                run(w, op, deals)
            except DomainError:
                pass  # refused actions (closed deals, amount with lines) must leave totals alone too
            assert_exact(w)
        transaction.set_rollback(True)


def test_recount_and_rebuild_restore_totals_after_bulk_writes(w, f):
    f.make_deal(pipeline=w.pipeline, responsible=w.m1, amount=D("100.00"))  # bulk loaders bypass services
    f.make_deal(pipeline=w.pipeline, stage_code="won", amount=D("50.00"), is_shared=True)
    assert totals.stored_totals(w.pipeline) != totals.live_totals(w.pipeline)
    totals.recount(w.pipeline)
    assert_exact(w)
    StageTotal.objects.all().delete()
    totals.rebuild()
    assert_exact(w)


def test_d6_headers_count_and_sum_every_stage_in_order(w):
    for amount in ("100.00", "250.50"):
        deal = svc.deal_create(actor=w.admin, title="x", pipeline=w.pipeline, responsible=w.m1)
        svc.deal_update(actor=w.admin, deal=deal, amount=amount)
    headers = totals.stage_headers(w.admin, w.pipeline)
    assert [h["stage"].code for h in headers][:3] == ["new", "assigned", "negotiation"]
    assigned = header(w.admin, w.pipeline, "assigned")
    assert (assigned["count"], assigned["amount"]) == (2, D("350.50"))
    assert header(w.admin, w.pipeline, "new")["count"] == 0


def test_r2_headers_sum_only_what_the_user_may_see(w):
    def make(user, amount, shared=False):
        deal = svc.deal_create(
            actor=w.admin, title="x", pipeline=w.pipeline, responsible=user, is_shared=shared
        )
        svc.deal_update(actor=w.admin, deal=deal, amount=amount)

    make(w.m1, "100.00")
    make(w.m2, "200.00")
    make(w.m3, "400.00")
    make(w.m3, "800.00", shared=True)
    make(None, "1600.00")

    def seen(user):
        return sum(h["count"] for h in totals.stage_headers(user, w.pipeline)), sum(
            h["amount"] for h in totals.stage_headers(user, w.pipeline)
        )

    assert seen(w.admin) == (5, D("3100.00"))
    assert seen(w.m1) == (2, D("900.00"))  # own + shared
    assert seen(w.head) == (3, D("1100.00"))  # the north group's + shared
    assert seen(w.m3) == (2, D("1200.00"))
    # the same numbers a live query over the visible deals gives
    from dealbook.crm.queries.deals import visible_deals

    for user in (w.admin, w.m1, w.head, w.m3):
        rows = visible_deals(user).filter(pipeline=w.pipeline)
        assert seen(user) == (rows.count(), sum((d.amount for d in rows), D(0)))


def test_headers_keep_other_currencies_apart(w):
    deal = svc.deal_create(actor=w.admin, title="eur", pipeline=w.pipeline, currency="EUR")
    svc.deal_update(actor=w.admin, deal=deal, amount="10.00")
    new = header(w.admin, w.pipeline, "new")
    assert (new["count"], new["amount"], new["amounts"]) == (1, D("0"), {"EUR": D("10.00")})


def test_headers_take_a_fixed_number_of_queries(w, django_assert_max_num_queries):
    for _ in range(5):
        svc.deal_create(actor=w.admin, title="x", pipeline=w.pipeline, responsible=w.m1)
    with django_assert_max_num_queries(2):
        totals.stage_headers(w.head, w.pipeline)
    assert Deal.objects.count() == 5
