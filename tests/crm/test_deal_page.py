"""The deal list page (API hot path): the SQL compiled once per filter shape returns exactly what
the ORM path returns (D6 filters, keyset cursor), and R2 holds on it for every kind of user."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealbook.accounts.models import Role
from dealbook.api.pagination import paginate
from dealbook.crm.queries import deals as dq
from dealbook.crm.setup import sources_create_default

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    dq.PAGES.clear()
    yield
    dq.PAGES.clear()


@pytest.fixture
def w(f):
    class World:
        pass

    x = World()
    f.russia()
    sources_create_default()
    x.pipeline = f.make_pipeline("ЖБИ")
    x.other = f.make_pipeline("Нерудные материалы")
    x.group = f.make_group("North")
    x.director = f.make_user(Role.DIRECTOR)
    x.manager = f.make_user(Role.SALES_MANAGER, group=x.group)
    x.colleague = f.make_user(Role.SALES_MANAGER, group=x.group)
    x.outsider = f.make_user(Role.SALES_MANAGER, group=f.make_group("South"))
    x.loner = f.make_user(Role.SALES_MANAGER)  # no group
    x.head = f.make_user(Role.GROUP_MANAGER, group=x.group)
    x.company = f.make_company("ЭЛЕКСИС ООО")
    from dealbook.crm.models import Source

    x.source = Source.objects.order_by("id").first()
    owners = [x.manager, x.colleague, x.outsider, x.head, None, x.loner]
    x.deals = []
    for i in range(18):
        x.deals.append(
            f.make_deal(
                pipeline=x.pipeline if i % 4 else x.other,
                stage_code=("new", "assigned", "won")[i % 3],
                responsible=owners[i % len(owners)],
                is_shared=i % 5 == 0,
                company=x.company if i % 2 else None,
                source=x.source if i % 3 == 1 else None,
                amount=Decimal("1234.50") + i,
                tax_amount=Decimal("188.31"),
            )
        )
    x.private = next(d for d in x.deals if d.responsible == x.outsider and not d.is_shared)
    return x


def orm_page(user, *, ordering=None, cursor=None, limit=50, **filters):
    """The reference: the ORM path the list took before the cache (deal_list + paginate)."""
    qs = dq.deal_list(user, **filters)
    return paginate(qs, ordering=ordering, allowed=dq.ORDERINGS, default="-id", cursor=cursor, limit=limit)


def as_reprs(page):
    items, next_cursor = page
    return [sorted((k, repr(v)) for k, v in row.items()) for row in items], next_cursor


def cached_page(monkeypatch, user, **kwargs):
    """deal_page twice: the first compiles the shape, the second must run it without the ORM."""
    first = dq.deal_page(user, **kwargs)
    with monkeypatch.context() as m:
        m.setattr(dq, "_page_query", _no_orm)
        second = dq.deal_page(user, **kwargs)
    assert as_reprs(first) == as_reprs(second)
    return second


def _no_orm(*args, **kwargs):
    raise AssertionError("the cached shape went through the ORM")


FILTERS = [
    {},
    {"stage": "assigned"},
    {"pipeline": "pipeline"},
    {"responsible": "colleague"},
    {"mine": True},
    {"status": "open"},
    {"status": "won"},
    {"company": "company"},
    {"source": "source"},
    {"source": "source_digits"},
    {"pipeline": "pipeline", "stage": "assigned", "company": "company"},
]


def resolve(w, spec: dict) -> dict:
    out = {}
    for name, value in spec.items():
        if value == "assigned":
            out[name] = w.pipeline.stages.get(code="assigned").pk
        elif value == "source_digits":
            out[name] = str(w.source.pk)
        elif isinstance(value, str) and hasattr(w, value):
            out[name] = getattr(w, value).pk
        else:
            out[name] = value
    return out


@pytest.mark.parametrize("who", ["director", "head", "manager", "loner", "outsider"])
@pytest.mark.parametrize("spec", FILTERS, ids=lambda s: ",".join(s) or "none")
def test_d6_cached_page_equals_orm_page_for_each_user_and_filter(w, monkeypatch, who, spec):
    """D6/R2: every integer filter shape, for each kind of visibility, walked page by page."""
    user = getattr(w, who)
    filters = resolve(w, spec)
    cursor, pages = None, 0
    while True:
        expected = orm_page(user, cursor=cursor, limit=2, **filters)
        got = cached_page(monkeypatch, user, cursor=cursor, limit=2, **filters)
        assert as_reprs(got) == as_reprs(expected)
        pages += 1
        cursor = got[1]
        if cursor is None:
            break
    assert pages >= 1


@pytest.mark.parametrize("ordering", ["id", "-id", "amount", "-created_at", "title"])
def test_d6_cached_first_page_of_each_ordering_equals_orm(w, monkeypatch, ordering):
    user = w.head
    expected = orm_page(user, ordering=ordering, limit=3)
    assert as_reprs(cached_page(monkeypatch, user, ordering=ordering, limit=3)) == as_reprs(expected)


def test_r2_cached_page_never_shows_another_managers_private_deal(w, monkeypatch):
    """R2: a sales manager's cached pages hold their own and shared deals only, another's private never."""
    cursor, seen = None, []
    while True:
        items, cursor = cached_page(monkeypatch, w.manager, cursor=cursor, limit=2)
        seen += items
        if cursor is None:
            break
    assert seen and all(r["responsible_id"] == w.manager.pk or r["is_shared"] for r in seen)
    assert w.private.pk not in {r["id"] for r in seen}
    expected = {d.pk for d in w.deals if d.responsible == w.manager or d.is_shared}
    assert {r["id"] for r in seen} == expected
    # the same shape compiled for the manager serves the outsider with the outsider's own rows
    outsider_ids = {r["id"] for r in cached_page(monkeypatch, w.outsider, limit=50)[0]}
    assert w.private.pk in outsider_ids and not outsider_ids & {
        d.pk for d in w.deals if d.responsible == w.manager and not d.is_shared
    }


def test_shape_change_compiles_its_own_sql(w, monkeypatch):
    """A page with other filters never reuses the SQL of a different shape."""
    stage = w.pipeline.stages.get(code="assigned").pk
    by_stage = cached_page(monkeypatch, w.director, stage=stage, limit=50)[0]
    by_company = cached_page(monkeypatch, w.director, company=w.company.pk, limit=50)[0]
    both = cached_page(monkeypatch, w.director, stage=stage, company=w.company.pk, limit=50)[0]
    assert {r["stage_id"] for r in by_stage} == {stage}
    assert {r["company_id"] for r in by_company} == {w.company.pk}
    assert {r["id"] for r in both} == {r["id"] for r in by_stage} & {r["id"] for r in by_company}
    assert len(dq.PAGES._plans) == 3


def test_pages_with_text_dates_or_other_cursors_go_through_the_orm(w, monkeypatch):
    """Shapes with non-integer arguments are never compiled into the cache."""
    import datetime as dt

    first = orm_page(w.director, ordering="amount", limit=2)
    for kwargs in (
        {"q": "Deal"},
        {"created_from": dt.date(2020, 1, 1)},
        {"source": "referral"},
        {"ordering": "amount", "cursor": first[1]},
    ):
        kwargs = {"limit": 2, **kwargs}
        assert as_reprs(dq.deal_page(w.director, **kwargs)) == as_reprs(orm_page(w.director, **kwargs))
    assert dq.PAGES._plans == {}


def test_cached_page_is_one_query(w):
    """DESIGN: a list page is one query, cached or not."""
    stage = w.pipeline.stages.get(code="assigned").pk
    for _ in range(2):
        with CaptureQueriesContext(connection) as ctx:
            dq.deal_page(w.head, stage=stage, limit=50)
        assert len(ctx.captured_queries) == 1


def test_invalid_ids_still_refused_on_the_cached_path(w):
    from dealbook.core.errors import InvalidInput

    dq.deal_page(w.director, stage=1, limit=5)
    for bad in (0, -3, 2**70):
        with pytest.raises(InvalidInput) as err:
            dq.deal_page(w.director, stage=bad, limit=5)
        assert err.value.field == "stage"


def test_r2_sales_manager_page_is_a_union_of_branches_on_postgresql(w):
    """R2 scale: on PostgreSQL a sales manager's page scans each branch (own, shared) on its own
    index and unions them; a group manager's and a director's page stay a single scan."""
    if connection.vendor != "postgresql":
        pytest.skip("UNION with ORDER BY/LIMIT per branch is used on PostgreSQL only")
    for user, union in ((w.manager, True), (w.head, False), (w.director, False)):
        with CaptureQueriesContext(connection) as ctx:
            dq.deal_page(user, limit=5)
        assert ("UNION" in ctx.captured_queries[0]["sql"]) is union
