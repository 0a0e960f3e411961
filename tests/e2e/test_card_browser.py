"""Deal card in the browser: the stage bar's lost asks for the reason; checklists tick in place."""

import datetime as dt

import pytest
from django.utils import timezone

from dealbook.activities import services as task_services
from dealbook.crm.models import Deal
from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.e2e


def test_stage_bar_lost_asks_for_the_reason(page, world):
    """D1: clicking "Lost" on the card opens the reason dialog; the deal moves with the reason."""
    sign_in(page, world["manager"])
    page.goto(page.base + f"/deals/{world['deal'].pk}/")
    page.locator("#deal-head .progress button.lost").click()
    dialog = page.locator("#lost-dialog")
    dialog.wait_for(state="visible")
    dialog.locator("select[name=lost_reason]").select_option(label="Дорого")
    dialog.get_by_role("button", name="Mark as lost").click()
    page.locator("#deal-head .stage-badge", has_text="Lost").wait_for()
    deal = Deal.objects.get(pk=world["deal"].pk)
    assert deal.stage.code == "lost" and deal.lost_reason.name == "Дорого"


def test_checklist_ticked_in_place(page, world):
    """T2: ticking items updates "n of m" without reloading the page."""
    task_services.task_create(
        actor=world["manager"],
        title="Отправить КП",
        deadline=timezone.now() + dt.timedelta(hours=3),
        deal=world["deal"],
        checklist=["Проверить НДС", "Приложить карточку", "Отправить на почту"],
    )
    sign_in(page, world["manager"])
    page.goto(page.base + f"/deals/{world['deal'].pk}/?tab=tasks")
    progress = page.locator(".task [data-progress]")
    assert progress.inner_text() == "0 of 3"
    page.get_by_label("Проверить НДС").check()
    page.locator(".task [data-progress]", has_text="1 of 3").wait_for()
    page.get_by_label("Приложить карточку").check()
    page.locator(".task [data-progress]", has_text="2 of 3").wait_for()
    shot(page, "deal-card-tasks")
