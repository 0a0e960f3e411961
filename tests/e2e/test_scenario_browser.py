"""The seed's path through the pages only: a lead with a known phone, the duplicate warning on
conversion, the deal's products and the move to "price announced"; requisites with an inline error."""

import pytest

from dealbook.crm.models import Company, Deal
from dealbook.crm.services.contacts import contact_create
from dealbook.crm.services.leads import lead_create
from tests import factories
from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.e2e


def test_lead_to_price_announced_through_the_pages(page, world):
    """L1–L3, P1–P4, D1: the duplicate warning before anything is saved, then deal + contact, lines
    at 700 × 3, and a click on "Price announced" in the stage bar."""
    contact_create(
        actor=world["operator"], first_name="Наталья", last_name="Павлова", phones=["+7 921 848-53-83"]
    )
    lead = lead_create(
        actor=world["operator"],
        title="Звонок: кольца КС для Синявино",
        name="Наталья",
        phone="8 (921) 8485383",
        pipeline=world["pipeline"],
        responsible=world["manager"],
    )
    factories.make_product("Кольцо стеновое КС 10-3", price="700.00")
    sign_in(page, world["manager"])
    page.goto(page.base + f"/leads/{lead.pk}/")
    assert "Possible duplicates" in page.locator(".warning").first.inner_text()
    page.get_by_role("button", name="Convert").first.click()
    dialog = page.locator("#convert-dialog")
    dialog.wait_for(state="visible")
    shot(page, "lead-convert-duplicates")
    dialog.get_by_role("button", name="Convert").click()
    page.wait_for_load_state()
    assert "Possible duplicates" in page.locator("#convert-dialog .warning").inner_text()
    assert not Deal.objects.filter(lead=lead).exists()
    page.locator("#convert-dialog input[name=confirm_duplicates]").check()
    page.locator("#convert-dialog").get_by_role("button", name="Convert").click()
    page.wait_for_url("**/deals/*/")
    deal = Deal.objects.get(lead=lead)

    page.get_by_role("tab", name="Products").click()
    page.locator("#line-product").select_option(label="Кольцо стеновое КС 10-3 · ₽700.00 / шт")
    page.locator("#line-qty").fill("3")
    page.locator("#lines").get_by_role("button", name="Add", exact=True).click()
    page.locator("#deal-head .amount", has_text="2,100.00").wait_for()
    page.locator("#deal-head .progress button", has_text="Price announced").click()
    page.locator("#deal-head .stage-badge", has_text="Price announced").wait_for()
    shot(page, "deal-card-price-announced")
    assert Deal.objects.get(pk=deal.pk).stage.code == "price_announced"


def test_wrong_inn_shows_an_inline_error(page, world):
    """C2/C4: an accountant's wrong INN checksum is shown under the INN field; nothing is saved."""
    accountant = factories.make_user("accountant", username="accountant")
    sign_in(page, accountant)
    page.goto(page.base + f"/companies/{world['company'].pk}/?edit=requisites")
    page.locator("#rq-inn").fill("7806210728")
    page.get_by_role("button", name="Save requisites").click()
    error = page.locator("#rq-inn-error")
    error.wait_for()
    assert error.inner_text()
    shot(page, "company-inn-error")
    assert Company.objects.get(pk=world["company"].pk).inn == "7806210729"
