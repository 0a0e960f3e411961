"""D3: routing rules by direction (pipeline) and segment pick the responsible of a new deal."""

import pytest

from dealbook.accounts.models import Role
from dealbook.core.errors import Forbidden, InvalidInput
from dealbook.crm.models import RoutingRule
from dealbook.crm.services.deals import deal_create, deal_move
from dealbook.crm.services.routing import routing_pick, routing_rule_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(f):
    class World:
        pass

    x = World()
    f.russia()
    x.zhbi, x.sand = f.make_pipeline("ЖБИ"), f.make_pipeline("Нерудные материалы")
    x.dealers, x.military = f.make_segment("Дилеры"), f.make_segment("Военные")
    x.a, x.b, x.c = (f.make_user(Role.SALES_MANAGER) for _ in range(3))
    x.operator = f.make_user(Role.OPERATOR)
    return x


def rule(pipeline, user, segment=None, priority=100, active=True):
    return RoutingRule.objects.create(
        pipeline=pipeline, responsible=user, segment=segment, priority=priority, is_active=active
    )


def test_d3_no_rules_no_responsible(w):
    assert routing_pick(w.zhbi, None) is None


def test_d3_rules_are_per_pipeline(w):
    rule(w.zhbi, w.a)
    rule(w.sand, w.b)
    assert routing_pick(w.zhbi, None) == w.a
    assert routing_pick(w.sand, w.dealers) == w.b


def test_d3_segment_rule_beats_generic_even_with_worse_priority(w):
    rule(w.zhbi, w.a, priority=1)
    rule(w.zhbi, w.b, segment=w.dealers, priority=500)
    assert routing_pick(w.zhbi, w.dealers) == w.b
    assert routing_pick(w.zhbi, w.military) == w.a  # no military rule: generic
    assert routing_pick(w.zhbi, None) == w.a


def test_d3_lower_priority_number_wins(w):
    rule(w.zhbi, w.a, priority=20)
    rule(w.zhbi, w.b, priority=10)
    assert routing_pick(w.zhbi, None) == w.b


def test_d3_inactive_rules_and_inactive_users_are_skipped(w):
    rule(w.zhbi, w.a, priority=1, active=False)
    w.b.is_active = False
    w.b.save()
    rule(w.zhbi, w.b, priority=2)
    rule(w.zhbi, w.c, priority=3)
    assert routing_pick(w.zhbi, None) == w.c


def test_d3_tied_rules_go_round_robin_by_fewest_open_deals(w):
    rule(w.zhbi, w.a, priority=10)
    rule(w.zhbi, w.b, priority=10)
    picked = [deal_create(actor=w.operator, title=f"d{i}", pipeline=w.zhbi).responsible for i in range(4)]
    assert picked == [w.a, w.b, w.a, w.b]


@pytest.mark.usefixtures("without_win_guard")
def test_d3_closed_deals_do_not_count_as_load(w):
    rule(w.zhbi, w.a, priority=10)
    rule(w.zhbi, w.b, priority=10)
    first = deal_create(actor=w.operator, title="won one", pipeline=w.zhbi)
    assert first.responsible == w.a
    deal_move(actor=w.operator, deal=first, stage="won")
    assert routing_pick(w.zhbi, None) == w.a


def test_d3_only_administrators_create_rules(w, f):
    admin = f.make_user(Role.ADMIN)
    with pytest.raises(Forbidden):
        routing_rule_create(actor=w.operator, pipeline=w.zhbi, responsible=w.a)
    w.c.is_active = False
    w.c.save()
    with pytest.raises(InvalidInput):
        routing_rule_create(actor=admin, pipeline=w.zhbi, responsible=w.c)
    assert not RoutingRule.objects.exists()
    created = routing_rule_create(
        actor=admin, pipeline=w.zhbi, responsible=w.a, segment=w.dealers, priority=5
    )
    assert routing_pick(w.zhbi, w.dealers) == w.a and created.priority == 5
