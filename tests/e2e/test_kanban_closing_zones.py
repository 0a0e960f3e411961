"""In a real browser: Won and Lost are drop zones in a bar along the bottom of the board (not
columns); a drop on Won goes through the same deal_move, and D7 refuses it for a deal without a
paid, shipped invoice — the rule's message as a toast and the card back in its column."""

import pytest

from dealbook.crm.models import Deal
from tests import factories
from tests.e2e.conftest import drag, shot, sign_in

pytestmark = pytest.mark.e2e


def zone(page, stage):
    return page.locator(f'.drop-bar .drop-zone[data-stage="{stage.pk}"]')


def test_won_and_lost_are_a_bar_at_the_bottom_not_columns(page, world):
    sign_in(page, world["manager"])
    won = factories.stage(world["pipeline"], "won")
    lost = factories.stage(world["pipeline"], "lost")
    bar = page.locator(".drop-bar")
    box = bar.bounding_box()
    viewport = page.viewport_size
    assert box["y"] + box["height"] == pytest.approx(viewport["height"], abs=2)
    assert zone(page, won).is_visible() and zone(page, lost).is_visible()
    assert page.locator(f'.board > .column[data-stage="{won.pk}"]').count() == 0


def test_drop_on_won_without_a_paid_invoice_is_refused_with_the_d7_message(page, world):
    """D7: no paid and shipped invoice — the drop on Won is refused, the toast says what is missing,
    and the card returns to its column; nothing changed in the database."""
    sign_in(page, world["manager"])
    negotiation = factories.stage(world["pipeline"], "negotiation")
    won = factories.stage(world["pipeline"], "won")
    deal = world["deal"]
    card = page.locator(f'.deal-card[data-id="{deal.pk}"]')
    drag(page, card, zone(page, won).locator(".column-body"))
    toast = page.locator(".toast.error")
    toast.wait_for()
    assert "cannot be won" in toast.inner_text() and "invoice" in toast.inner_text()
    shot(page, "kanban-won-refused")
    column = page.locator(f'.board > .column[data-stage="{negotiation.pk}"]')
    assert column.locator(f'.deal-card[data-id="{deal.pk}"]').count() == 1
    assert column.locator("[data-count]").inner_text() == "2"
    assert zone(page, won).locator("[data-count]").inner_text() == "0"
    assert page.locator(".board.dragging").count() == 0
    assert Deal.objects.get(pk=deal.pk).stage_id == negotiation.pk


def test_drop_on_lost_asks_the_reason_and_counts_in_the_zone(page, world):
    """D1: Lost in the bar asks the reason through the existing dialog, then moves the deal."""
    sign_in(page, world["manager"])
    lost = factories.stage(world["pipeline"], "lost")
    card = page.locator(f'.deal-card[data-id="{world["second"].pk}"]')
    drag(page, card, zone(page, lost).locator(".column-body"))
    dialog = page.locator("#lost-dialog")
    dialog.wait_for(state="visible")
    dialog.locator("select[name=lost_reason]").select_option(label="Дорого")
    dialog.get_by_role("button", name="Mark as lost").click()
    page.locator(".toast.success").wait_for()
    assert Deal.objects.get(pk=world["second"].pk).stage.code == "lost"
    assert zone(page, lost).locator("[data-count]").inner_text() == "1"
