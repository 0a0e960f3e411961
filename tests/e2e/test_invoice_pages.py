"""The seed's invoice through the pages (steps 43–57): from the deal's Invoices tab to a New invoice,
supplier and carrier confirmed (I4), issued (I5), the full payment recorded (I6) → Paid."""

import pytest

from dealbook.billing.models import Invoice
from dealbook.crm.services.lines import line_add
from tests import factories
from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.e2e


def test_invoice_from_the_deal_issue_pay_and_see_paid(page, world):
    manager, deal = world["manager"], world["deal"]
    own = factories.make_company('ООО "ВЕСТ ГРУПП"', is_own=True, inn="7806210729", kind="supplier")
    factories.make_company("ТрансЛогистик ООО", kind="carrier")
    ring = factories.make_product("Кольцо стеновое КС 10-3", price="700.00")
    block = factories.make_product("фундаментный блок ФБС 9-5-3т", price="950.00")
    line_add(actor=manager, deal=deal, product=ring, quantity=3)
    line_add(actor=manager, deal=deal, product=block, quantity=2)

    sign_in(page, manager)
    page.goto(page.base + f"/deals/{deal.pk}/?tab=invoices")
    page.get_by_role("link", name="New invoice from deal").click()
    page.wait_for_url("**/invoices/new/**")
    page.get_by_role("button", name="Create invoice").click()
    page.locator("#invoice").wait_for()
    invoice = Invoice.objects.get(deal=deal)
    assert invoice.seller == own and invoice.status == "new"

    parties = page.locator("#invoice-parties")
    parties.locator("#inv-supplier").select_option(label='ООО "ВЕСТ ГРУПП"')
    parties.locator("#inv-carrier").select_option(label="ТрансЛогистик ООО")
    parties.locator("#inv-confirmed").check()
    parties.get_by_role("button", name="Save").click()
    page.locator("#invoice-parties #inv-confirmed[checked]").wait_for()

    page.locator("#invoice-head").get_by_role("button", name="Issue").click()
    page.locator('#invoice[data-status="sent"]').wait_for()

    page.locator("#pay-amount").fill("4000.00")
    page.get_by_role("button", name="Record and mark paid").click()
    page.locator('#invoice[data-status="paid"]').wait_for()
    assert page.locator("#invoice-head .invoice-status").inner_text() == "Paid"
    assert page.locator("[data-balance]").inner_text().replace("\u00a0", "") == "₽0.00"
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "invoice-card-paid")
    invoice.refresh_from_db()
    assert invoice.status == "paid" and invoice.paid_amount == invoice.total
