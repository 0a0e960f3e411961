"""GET /api/v1/deals through the compiled-shape cache: the JSON is the ORM path's, it validates
against the published DealPage schema, and R2 holds (D6, R2)."""

import pytest

from dealbook.accounts.models import Role
from dealbook.crm.api.deal_schemas import DealPage
from dealbook.crm.queries import deals as dq

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
    x.pipeline = f.make_pipeline()
    x.group = f.make_group()
    x.director = f.make_user(Role.DIRECTOR)
    x.manager = f.make_user(Role.SALES_MANAGER, group=x.group)
    x.other = f.make_user(Role.SALES_MANAGER, group=x.group)
    company = f.make_company("ЭЛЕКСИС ООО")
    x.deals = [
        f.make_deal(
            pipeline=x.pipeline,
            stage_code="assigned",
            responsible=(x.manager, x.other, None)[i % 3],
            is_shared=i % 4 == 0,
            company=company if i % 2 else None,
        )
        for i in range(9)
    ]
    x.stage = x.pipeline.stages.get(code="assigned").pk
    return x


def walk(client, **params):
    pages, cursor = [], None
    while True:
        r = client.get("deals", {**params, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.content
        pages.append(r.json())
        cursor = pages[-1]["next_cursor"]
        if cursor is None:
            return pages


@pytest.mark.parametrize("who", ["director", "manager"])
def test_d6_cached_pages_equal_the_first_compiled_ones_and_validate_against_dealpage(w, api_as, who):
    client = api_as(getattr(w, who))
    first = walk(client, stage_id=w.stage, limit=2)  # compiles the shapes (no cursor, cursor)
    again = walk(client, stage_id=w.stage, limit=2)  # runs them from the cache
    assert first == again
    for page in again:
        DealPage.model_validate(page)  # the published schema of the response
    rows = [row for page in again for row in page["items"]]
    assert rows and set(rows[0]) == set(DealPage.model_fields["items"].annotation.__args__[0].model_fields)


def test_r2_cached_api_list_hides_another_managers_private_deal(w, api_as):
    client = api_as(w.manager)
    walk(client, limit=3)
    ids = {row["id"] for page in walk(client, limit=3) for row in page["items"]}
    assert ids == {d.pk for d in w.deals if d.responsible == w.manager or d.is_shared}
    assert any(d.responsible == w.other and not d.is_shared for d in w.deals)
