"""Deals kanban (D6, D1, D8, R2): columns, load more, drag-and-drop moves through deal_move."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dealbook.core.models import Event, EventKind
from dealbook.crm import totals
from dealbook.crm.models import Deal, LostReason
from tests import factories
from tests.web.conftest import overdue_task


@pytest.mark.django_db
def test_board_shows_open_stages_with_count_and_sum_scoped_by_r2(board, client_as):
    """D6/R2: a sales manager sees their own deal, not another manager's private one; headers count only
    what they see."""
    Deal.objects.filter(pk=board["mine"].pk).update(amount="4000.00")
    totals.recount(board["pipeline"])
    response = client_as(board["manager"]).get(reverse("deals"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Кольца КС" in html
    assert "Olga private deal" not in html
    negotiation = factories.stage(board["pipeline"], "negotiation")
    column = html.split(f'data-stage="{negotiation.pk}"')[1].split("</header>")[0]
    assert "data-count" in column and ">1</span>" in column
    assert "₽4,000.00" in column


@pytest.mark.django_db
def test_board_group_manager_sees_the_group(board, client_as):
    """R2: the group manager sees both managers' deals."""
    head = factories.make_user("group_manager", group=board["manager"].group)
    html = client_as(head).get(reverse("deals")).content.decode()
    assert "Кольца КС" in html and "Olga private deal" in html


@pytest.mark.django_db
def test_card_marks_overdue_activity(board, client_as):
    """T3: a card whose next activity is past its deadline shows it in red."""
    overdue_task(board["mine"], board["manager"])
    html = client_as(board["manager"]).get(reverse("deals")).content.decode()
    card = html.split(f'data-id="{board["mine"].pk}"')[1].split("</article>")[0]
    assert "when overdue" in card


def _make_deals(pipeline, user, n, stage_code="negotiation"):
    for i in range(n):
        factories.make_deal(pipeline=pipeline, stage_code=stage_code, responsible=user, title=f"Bulk {i}")
    totals.recount(pipeline)


@pytest.mark.django_db
def test_board_query_count_does_not_grow_with_deals(board, client_as):
    """Bounded queries: the board costs the same with 3 deals as with 60 (no page loads everything)."""
    client = client_as(board["operator"])
    url = reverse("deals")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    _make_deals(board["pipeline"], board["manager"], 30)
    _make_deals(board["pipeline"], board["other"], 30, "price_announced")
    for deal in Deal.objects.all()[:20]:
        overdue_task(deal, board["manager"])
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.status_code == 200
    assert len(many) == len(few)
    assert len(many) <= 24  # session, user, frame counters, pipelines, headers, one per column, cards extras


@pytest.mark.django_db
def test_column_loads_more_by_keyset(board, client_as):
    """A column shows 20 cards and asks for the next ones as it scrolls; the second page ends it."""
    _make_deals(board["pipeline"], board["manager"], 24)
    client = client_as(board["manager"])
    html = client.get(reverse("deals")).content.decode()
    negotiation = factories.stage(board["pipeline"], "negotiation")
    column = html.split(f'id="col-{negotiation.pk}"')[1].split("</section>")[0]
    assert column.count('class="deal-card"') == 20
    cursor = column.split("cursor=")[1].split('"')[0]
    more = client.get(
        reverse("deals_column", args=[negotiation.pk]), {"pipeline": board["pipeline"].pk, "cursor": cursor}
    )
    assert more.status_code == 200
    body = more.content.decode()
    assert body.count('class="deal-card"') == 5  # 24 bulk + "Кольца КС"
    assert "cursor=" not in body


@pytest.mark.django_db
def test_drag_to_next_stage_moves_the_deal_and_returns_headers(board, client_as):
    """D1/D2: a drop calls deal_move; the answer carries the new headers and the event is written."""
    target = factories.stage(board["pipeline"], "price_announced")
    response = client_as(board["manager"]).post(
        reverse("deal_move", args=[board["mine"].pk]), {"stage": target.pk}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    header = next(h for h in body["headers"] if h["stage_id"] == target.pk)
    assert header["count"] == 1
    assert f'data-id="{board["mine"].pk}"' in body["card"]
    board["mine"].refresh_from_db()
    assert board["mine"].stage_id == target.pk
    assert Event.objects.filter(subject_id=board["mine"].pk, kind=EventKind.STAGE_CHANGED).exists()


@pytest.mark.django_db
def test_moving_a_closed_deal_is_refused_with_the_rule_message(board, client_as):
    """D8: a won deal does not move; the board gets the rule's message (409) and nothing changes."""
    target = factories.stage(board["pipeline"], "negotiation")
    response = client_as(board["manager"]).post(
        reverse("deal_move", args=[board["won"].pk]), {"stage": target.pk}
    )
    assert response.status_code == 409
    assert "closed" in response.json()["detail"]
    board["won"].refresh_from_db()
    assert board["won"].stage.code == "won"


@pytest.mark.django_db
def test_lost_needs_a_reason(board, client_as):
    """D1: moving to lost without a reason is refused at the field lost_reason; with one it moves."""
    lost = factories.stage(board["pipeline"], "lost")
    client = client_as(board["manager"])
    url = reverse("deal_move", args=[board["mine"].pk])
    refused = client.post(url, {"stage": lost.pk})
    assert refused.status_code == 400
    assert refused.json()["field"] == "lost_reason"
    board["mine"].refresh_from_db()
    assert board["mine"].stage.code == "negotiation"
    reason = LostReason.objects.get(name="Too expensive")
    ok = client.post(url, {"stage": lost.pk, "lost_reason": reason.pk, "lost_comment": "price"})
    assert ok.status_code == 200
    board["mine"].refresh_from_db()
    assert board["mine"].stage.code == "lost" and board["mine"].lost_reason == reason


@pytest.mark.django_db
def test_moving_another_managers_private_deal_is_not_found(board, client_as):
    """R2: another manager's private deal is as good as absent."""
    target = factories.stage(board["pipeline"], "price_announced")
    response = client_as(board["manager"]).post(
        reverse("deal_move", args=[board["private"].pk]), {"stage": target.pk}
    )
    assert response.status_code == 404
    board["private"].refresh_from_db()
    assert board["private"].stage.code == "negotiation"


@pytest.mark.django_db
def test_move_needs_post(board, client_as):
    response = client_as(board["manager"]).get(reverse("deal_move", args=[board["mine"].pk]))
    assert response.status_code == 405


@pytest.mark.django_db
def test_quick_create_puts_the_card_in_its_column(board, client_as):
    """D1/D3: quick create with a responsible lands in "Responsible assigned" (and shows there)."""
    response = client_as(board["operator"]).post(
        reverse("deal_quick_create"),
        {
            "pipeline": board["pipeline"].pk,
            "title": "Кольца для Синявино",
            "responsible": board["manager"].pk,
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    deal = Deal.objects.get(title="Кольца для Синявино")
    assert deal.stage.code == "assigned" and deal.responsible == board["manager"]
    assert f'hx-swap-oob="afterbegin:#col-{deal.stage_id}"' in response.content.decode()


@pytest.mark.django_db
def test_quick_create_shows_the_error_at_the_title(board, client_as):
    """Bad input: an empty title is refused under the title field and nothing is written."""
    before = Deal.objects.count()
    response = client_as(board["operator"]).post(
        reverse("deal_quick_create"),
        {"pipeline": board["pipeline"].pk, "title": "  "},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert response["X-Form-Errors"] == "1"
    html = response.content.decode()
    assert 'class="field invalid"' in html and "title is required" in html
    assert Deal.objects.count() == before


@pytest.mark.django_db
def test_accountant_cannot_create_deals(board, client_as):
    """R1: accounting does not create deals; the form says so and nothing is written."""
    accountant = factories.make_user("accountant")
    before = Deal.objects.count()
    response = client_as(accountant).post(
        reverse("deal_quick_create"), {"pipeline": board["pipeline"].pk, "title": "X"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 403
    assert Deal.objects.count() == before
    assert "New deal" not in client_as(accountant).get(reverse("deals")).content.decode()


@pytest.mark.django_db
def test_board_filters_mine_and_responsible(board, client_as):
    """D6 filters: "mine" and a responsible narrow the cards."""
    client = client_as(board["operator"])
    html = client.get(reverse("deals"), {"responsible": board["other"].pk}).content.decode()
    assert "Olga private deal" in html and "Кольца КС" not in html
    html = client_as(board["manager"]).get(reverse("deals"), {"scope": "mine"}).content.decode()
    assert "Кольца КС" in html


@pytest.mark.django_db
def test_move_json_is_valid_for_the_script(board, client_as):
    target = factories.stage(board["pipeline"], "price_announced")
    response = client_as(board["manager"]).post(
        reverse("deal_move", args=[board["mine"].pk]), {"stage": target.pk}
    )
    assert json.loads(response.content)["message"]
