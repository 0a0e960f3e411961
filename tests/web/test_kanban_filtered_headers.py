"""D6: with the "mine" or responsible filter the column headers count and sum only the deals the
cards show — each header equals a recount of the visible deals under the same filter."""

import re
from decimal import Decimal

import pytest
from django.db.models import Count, Sum
from django.urls import reverse

from dealbook.accounts.models import Role
from dealbook.crm import totals
from dealbook.crm.models import Deal, Stage, StageKind
from dealbook.crm.queries.deals import visible_deals
from dealbook.web.templatetags.web_tags import format_money
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def spread(board):
    """Deals of both managers, some shared, in two open stages, with amounts."""
    pipeline, manager, other = board["pipeline"], board["manager"], board["other"]
    Deal.objects.filter(pk=board["mine"].pk).update(amount="4000.00")
    Deal.objects.filter(pk=board["private"].pk).update(amount="700.00")
    for user, code, amount, shared in [
        (manager, "negotiation", "100.50", False),
        (manager, "price_announced", "250.00", False),
        (other, "negotiation", "333.00", True),
        (other, "price_announced", "1000.00", False),
        (other, "price_announced", "20.00", True),
    ]:
        factories.make_deal(
            pipeline=pipeline, stage_code=code, responsible=user, amount=amount, is_shared=shared
        )
    totals.recount(pipeline)
    return board


def headers_of(html: str) -> dict[int, tuple[int, str]]:
    """{stage id: (count, sum text)} from the board's open columns."""
    found = {}
    for m in re.finditer(r'<section class="column" data-stage="(\d+)"(.*?)</header>', html, re.S):
        count = re.search(r"data-count[^>]*>(\d+)<", m.group(2)).group(1)
        money = re.search(r"data-sum>([^<]*)<", m.group(2)).group(1)
        found[int(m.group(1))] = (int(count), money.strip())
    return found


def recount(user, pipeline, **filters) -> dict[int, tuple[int, str]]:
    rows = (
        visible_deals(user)
        .filter(pipeline=pipeline, **filters)
        .values("stage_id")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by()
    )
    by_stage = {r["stage_id"]: (r["n"], r["total"]) for r in rows}
    out = {}
    for stage in Stage.objects.filter(pipeline=pipeline, kind=StageKind.OPEN):
        n, total = by_stage.get(stage.pk, (0, Decimal("0")))
        out[stage.pk] = (n, format_money(Decimal(total or 0), "RUB"))
    return out


def board_html(client, pipeline, **params):
    return client.get(reverse("deals"), {"pipeline": pipeline.pk, **params}).content.decode()


def test_mine_headers_equal_a_recount_of_my_deals(spread, client_as):
    """D6: "mine" narrows the headers to the user's own deals (not the shared deals of others)."""
    manager, pipeline = spread["manager"], spread["pipeline"]
    html = board_html(client_as(manager), pipeline, scope="mine")
    assert headers_of(html) == recount(manager, pipeline, responsible=manager)
    negotiation = factories.stage(pipeline, "negotiation")
    assert headers_of(html)[negotiation.pk][0] == 2  # the shared deal of the colleague is left out


def test_all_headers_still_count_every_visible_deal(spread, client_as):
    manager, pipeline = spread["manager"], spread["pipeline"]
    html = board_html(client_as(manager), pipeline, scope="all")
    assert headers_of(html) == recount(manager, pipeline)


@pytest.mark.parametrize("viewer", ["operator", "manager"])
def test_responsible_filter_headers_equal_a_recount(spread, client_as, viewer):
    """D6 + R2: the responsible filter narrows the headers to that person's deals the viewer may see
    (a sales manager: only the colleague's shared ones)."""
    user, other, pipeline = spread[viewer], spread["other"], spread["pipeline"]
    html = board_html(client_as(user), pipeline, responsible=other.pk)
    assert headers_of(html) == recount(user, pipeline, responsible=other)


def test_mine_and_another_responsible_show_nothing(spread, client_as):
    manager, pipeline = spread["manager"], spread["pipeline"]
    html = board_html(client_as(manager), pipeline, scope="mine", responsible=spread["other"].pk)
    assert all(count == 0 for count, _sum in headers_of(html).values())


def test_a_drop_returns_headers_narrowed_like_the_board(spread, client_as):
    """The board sends its filters with a drop; the headers in the answer stay "mine"."""
    manager, pipeline = spread["manager"], spread["pipeline"]
    announced = factories.stage(pipeline, "price_announced")
    url = reverse("deal_move", args=[spread["mine"].pk]) + f"?pipeline={pipeline.pk}&scope=mine"
    answer = client_as(manager).post(url, {"stage": announced.pk}, HTTP_ACCEPT="application/json").json()
    got = {h["stage_id"]: (h["count"], h["sum"]) for h in answer["headers"]}
    expected = recount(manager, pipeline, responsible=manager)
    assert {k: v for k, v in got.items() if k in expected} == expected


def test_group_manager_filtering_a_member(spread, client_as):
    head = factories.make_user(Role.GROUP_MANAGER, group=spread["manager"].group)
    pipeline = spread["pipeline"]
    html = board_html(client_as(head), pipeline, responsible=spread["other"].pk)
    assert headers_of(html) == recount(head, pipeline, responsible=spread["other"])


def test_source_filter_headers_are_counted_over_the_filtered_deals(spread, client_as):
    """D6: the source filter is not in the running totals, so the headers are counted live over the
    cards' deals — they equal a recount with the same source, not the whole stage."""
    from dealbook.crm.models import Source

    manager, pipeline = spread["manager"], spread["pipeline"]
    source = Source.objects.order_by("pk").first() or Source.objects.create(code="web", name="Web")
    negotiation = factories.stage(pipeline, "negotiation")
    tagged = Deal.objects.filter(pipeline=pipeline, stage=negotiation, responsible=manager).first()
    Deal.objects.filter(pipeline=pipeline).update(source=None)
    Deal.objects.filter(pk=tagged.pk).update(source=source)
    html = board_html(client_as(manager), pipeline, source=source.pk)
    assert headers_of(html) == recount(manager, pipeline, source=source)
    assert headers_of(html)[negotiation.pk] == (1, format_money(Decimal(tagged.amount), "RUB"))


def test_creation_date_filter_headers_equal_a_recount(spread, client_as):
    """D6: a creation-date filter narrows the headers to the deals created in that period."""
    import datetime as dt

    from django.utils import timezone

    manager, pipeline = spread["manager"], spread["pipeline"]
    old = timezone.now() - dt.timedelta(days=40)
    first = (
        visible_deals(manager).filter(pipeline=pipeline, stage__kind=StageKind.OPEN).order_by("pk").first()
    )
    Deal.objects.filter(pk=first.pk).update(created_at=old)
    since = (timezone.localdate() - dt.timedelta(days=10)).isoformat()
    html = board_html(client_as(manager), pipeline, created_from=since)
    expected = recount(manager, pipeline, created_at__date__gte=since)
    assert headers_of(html) == expected
    assert headers_of(html)[first.stage_id][0] == recount(manager, pipeline)[first.stage_id][0] - 1
