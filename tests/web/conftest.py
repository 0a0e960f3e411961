import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from dealbook.accounts.models import Role
from dealbook.activities.models import Task
from dealbook.crm import totals
from dealbook.crm.models import LostReason
from tests import factories


@pytest.fixture
def board(db):
    """A pipeline with two managers of one group, an operator and a few deals in stages."""
    group = factories.make_group()
    pipeline = factories.make_pipeline("ЖБИ")
    pipeline.is_default = True
    pipeline.save()
    manager = factories.make_user(Role.SALES_MANAGER, group=group, first_name="Ivan", last_name="Petrov")
    other = factories.make_user(Role.SALES_MANAGER, group=group, first_name="Olga", last_name="Smirnova")
    operator = factories.make_user(Role.OPERATOR, first_name="Anna", last_name="Operator")
    LostReason.objects.get_or_create(name="Too expensive")
    company = factories.make_company("ООО Ромашка", inn="7806210729")
    mine = factories.make_deal(
        pipeline=pipeline, stage_code="negotiation", responsible=manager, title="Кольца КС", company=company
    )
    private = factories.make_deal(
        pipeline=pipeline, stage_code="negotiation", responsible=other, title="Olga private deal"
    )
    won = factories.make_deal(pipeline=pipeline, stage_code="won", responsible=manager, title="Closed deal")
    totals.recount(pipeline)
    return {
        "pipeline": pipeline,
        "manager": manager,
        "other": other,
        "operator": operator,
        "company": company,
        "mine": mine,
        "private": private,
        "won": won,
    }


@pytest.fixture
def client_as():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


def overdue_task(deal, user):
    return Task.objects.create(
        title="Call back", responsible=user, deal=deal, deadline=timezone.now() - dt.timedelta(hours=2)
    )
