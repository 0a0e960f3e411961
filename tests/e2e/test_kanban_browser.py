"""In a real browser: sign in, drag and drop on the kanban, refused moves snap back with the rule's
message, the lost dialog, the deal card's in-place errors, R2 and both languages."""

import pytest

from dealbook.crm.models import Deal
from dealbook.crm.services import deals as deal_services
from tests import factories
from tests.e2e.conftest import drag, shot, sign_in

pytestmark = pytest.mark.e2e


def column(page, stage):
    return page.locator(f'.column[data-stage="{stage.pk}"]')


def test_drag_moves_a_deal_and_the_header_count_changes(page, world):
    """D1/D6: dropping a card on the next stage moves the deal through deal_move; both headers follow."""
    sign_in(page, world["manager"])
    negotiation = factories.stage(world["pipeline"], "negotiation")
    announced = factories.stage(world["pipeline"], "price_announced")
    assert column(page, negotiation).locator("[data-count]").inner_text() == "2"
    assert column(page, announced).locator("[data-count]").inner_text() == "0"
    shot(page, "kanban")
    card = page.locator(f'.deal-card[data-id="{world["deal"].pk}"]')
    drag(page, card, column(page, announced).locator(".column-body"))
    page.locator(".toast.success").wait_for()
    assert column(page, announced).locator("[data-count]").inner_text() == "1"
    assert column(page, negotiation).locator("[data-count]").inner_text() == "1"
    assert column(page, announced).locator(f'.deal-card[data-id="{world["deal"].pk}"]').count() == 1
    assert Deal.objects.get(pk=world["deal"].pk).stage_id == announced.pk


def test_a_move_the_rules_forbid_snaps_back_with_the_message(page, world):
    """D8: the deal was closed meanwhile (won in another window); the drop is refused with the rule's
    message as a toast and the card returns to its column."""
    sign_in(page, world["manager"])
    negotiation = factories.stage(world["pipeline"], "negotiation")
    announced = factories.stage(world["pipeline"], "price_announced")
    Deal.objects.filter(pk=world["deal"].pk).update(stage=factories.stage(world["pipeline"], "won"))
    card = page.locator(f'.deal-card[data-id="{world["deal"].pk}"]')
    drag(page, card, column(page, announced).locator(".column-body"))
    toast = page.locator(".toast.error")
    toast.wait_for()
    assert "closed" in toast.inner_text()
    shot(page, "kanban-refused")
    assert column(page, negotiation).locator(f'.deal-card[data-id="{world["deal"].pk}"]').count() == 1
    assert column(page, announced).locator(".deal-card").count() == 0
    assert column(page, announced).locator("[data-count]").inner_text() == "0"


def test_lost_asks_for_the_reason(page, world):
    """D1: dropping on "lost" opens the reason dialog; cancel puts the card back, a reason loses it."""
    sign_in(page, world["manager"])
    negotiation = factories.stage(world["pipeline"], "negotiation")
    lost = factories.stage(world["pipeline"], "lost")
    card = page.locator(f'.deal-card[data-id="{world["second"].pk}"]')
    drag(page, card, column(page, lost).locator(".column-body"))
    dialog = page.locator("#lost-dialog")
    dialog.wait_for(state="visible")
    shot(page, "kanban-lost-dialog")
    dialog.get_by_role("button", name="Cancel").click()
    page.wait_for_timeout(100)
    assert column(page, negotiation).locator(f'.deal-card[data-id="{world["second"].pk}"]').count() == 1
    assert Deal.objects.get(pk=world["second"].pk).stage.code == "negotiation"

    card = page.locator(f'.deal-card[data-id="{world["second"].pk}"]')
    drag(page, card, column(page, lost).locator(".column-body"))
    dialog.wait_for(state="visible")
    dialog.locator("select[name=lost_reason]").select_option(label="Дорого")
    dialog.get_by_role("button", name="Mark as lost").click()
    page.locator(".toast.success").wait_for()
    deal = Deal.objects.get(pk=world["second"].pk)
    assert deal.stage.code == "lost" and deal.lost_reason.name == "Дорого"
    assert column(page, lost).locator("[data-count]").inner_text() == "1"


def test_deal_card_edit_in_place_with_error_at_the_field_and_lines(page, world):
    """D5: an in-place edit shows the service's error under the field; P1–P4 a line with totals."""
    product = factories.make_product("Кольцо стеновое КС 10-3", price="700.00")
    deal = world["deal"]
    Deal.objects.filter(pk=deal.pk).update(begin_date="2026-05-12", amount=0)
    sign_in(page, world["manager"])
    page.goto(page.base + f"/deals/{deal.pk}/")
    page.get_by_role("button", name="Edit: Expected close date").click()
    page.locator("#field-close_date input").fill("2026-05-01")
    page.locator("#field-close_date").get_by_role("button", name="Save").click()
    error = page.locator("#field-close_date .error")
    error.wait_for()
    assert "before the start date" in error.inner_text()
    shot(page, "deal-card-field-error")
    page.locator("#field-close_date input").fill("2026-06-01")
    page.locator("#field-close_date").get_by_role("button", name="Save").click()
    page.locator("#field-close_date .editable").wait_for()
    assert "01.06.2026" in page.locator("#field-close_date").inner_text()

    page.get_by_role("tab", name="Products").click()
    page.locator("#line-product").wait_for()
    page.locator("#product-q").fill("кольцо")
    page.wait_for_function("document.querySelectorAll('#line-product option').length === 2")
    page.locator("#line-product").select_option(str(product.pk))
    page.locator("#line-qty").fill("3")
    page.locator("#lines").get_by_role("button", name="Add", exact=True).click()
    page.locator("#lines td", has_text="Кольцо стеновое").wait_for()
    page.locator("#deal-head .amount", has_text="2,100.00").wait_for()
    shot(page, "deal-card-products")

    page.get_by_role("tab", name="Timeline").click()
    page.locator("#comment-text").fill("Созвонилась с клиентом, продукция нужна 15.05.")
    page.get_by_role("button", name="Send").click()
    page.locator(".timeline .text", has_text="Созвонилась").wait_for()
    shot(page, "deal-card-timeline")


def test_sales_manager_cannot_open_another_managers_private_deal(page, world):
    """R2: the private deal is neither on the board nor reachable by its address."""
    sign_in(page, world["manager"])
    assert page.locator(".deal-card", has_text="Частная сделка Петрова").count() == 0
    response = page.goto(page.base + f"/deals/{world['private'].pk}/")
    assert response.status == 404


def test_russian_and_english_rendering(page, world):
    """Language switch in the user menu: Russian words and money "4 000,00 ₽", then back to English."""
    sign_in(page, world["manager"])
    page.locator(".user-menu > summary").click()
    page.get_by_role("button", name="Russian").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "ru"
    assert "Сделки" in page.locator(".sidebar").inner_text()
    assert "4\u202f000,00\u00a0₽" in page.locator(f'.deal-card[data-id="{world["deal"].pk}"]').inner_text()
    shot(page, "kanban-ru")
    page.locator(".user-menu > summary").click()
    page.locator(".menu-panel button[name=language][value=en]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Deals" in page.locator(".sidebar").inner_text()


def test_global_search_as_you_type(page, world):
    """C3: "/" focuses the search; results appear as you type; R2 hides the private deal."""
    sign_in(page, world["manager"])
    page.keyboard.press("/")
    page.keyboard.type("7806210")
    page.locator("#search-results a", has_text="ЭЛЕКСИС ООО").wait_for()
    page.locator("#global-search").fill("Частная")
    page.locator("#search-results .empty").wait_for()
    shot(page, "search")


def test_stale_deal_move_via_service_is_consistent(world):
    """The board reads the same rows the service writes (sanity check outside the browser)."""
    deal_services.deal_move(actor=world["manager"], deal=world["deal"], stage="price_announced")
    assert Deal.objects.get(pk=world["deal"].pk).stage.code == "price_announced"
