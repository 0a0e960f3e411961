"""Q1–Q3 in the browser: the client opens the proposal link on a phone (390×844, no login), signs
with a typed name and the consent box, sees the thank-you page; the invoice appears on the
manager's deal."""

import datetime as dt

import pytest
from django.core.cache import cache

from dealbook.crm.models import ContactPoint
from dealbook.crm.services.lines import line_add
from dealbook.sales import services as svc
from dealbook.sales.models import Proposal, ProposalStatus
from tests import factories
from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.e2e

IPHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def sent(world):
    cache.clear()  # the public pages' per-IP counters
    factories.make_company('ООО "ВЕСТ ГРУПП"', is_own=True, inn="7806210729", kpp="780601001")
    ContactPoint.objects.create(
        company=world["company"], kind=ContactPoint.Kind.EMAIL, value="sl-cc@ya.ru", normalized="sl-cc@ya.ru"
    )
    deal = world["deal"]
    ring = factories.make_product("Кольцо стеновое КС 10-3", price="700.00")
    block = factories.make_product("фундаментный блок ФБС 9-5-3т", price="950.00")
    line_add(actor=world["manager"], deal=deal, product=ring, quantity=3)
    line_add(actor=world["manager"], deal=deal, product=block, quantity=2)
    proposal = svc.proposal_create(
        actor=world["manager"], deal=deal, valid_until=dt.date.today() + dt.timedelta(days=10)
    )
    svc.proposal_send(actor=world["manager"], proposal=proposal)
    return proposal


def test_client_signs_on_a_phone_and_the_invoice_appears_on_the_deal(browser, live_server, world, sent, page):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        locale="ru-RU",
        user_agent=IPHONE_UA,
        is_mobile=True,
        has_touch=True,
    )
    phone = context.new_page()
    phone.set_default_timeout(20_000)
    phone.goto(f"{live_server.url}/p/{sent.public_token}/")
    phone.locator("#signer-name").wait_for()
    # the page fits the phone: nothing wider than the screen
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert Proposal.objects.get(pk=sent.pk).status == ProposalStatus.VIEWED
    phone.fill("#signer-name", "Роман Петрович Сидоров")
    phone.locator("#accept-form input[name=consent]").check()
    shot(phone, "proposal-public-phone")
    phone.locator("#accept-form button").click()
    phone.locator("#thanks").wait_for()
    shot(phone, "proposal-signed-phone")
    context.close()

    proposal = Proposal.objects.select_related("invoice", "signature").get(pk=sent.pk)
    assert proposal.status == ProposalStatus.ACCEPTED and proposal.invoice is not None
    assert (
        proposal.signature.user_agent == IPHONE_UA
        and proposal.signature.signer_name == "Роман Петрович Сидоров"
    )

    sign_in(page, world["manager"])
    page.goto(page.base + f"/deals/{world['deal'].pk}/?tab=invoices")
    page.locator("#tab-panel", has_text=proposal.invoice.number).wait_for()
    page.goto(page.base + f"/deals/{world['deal'].pk}/?tab=proposals")
    page.locator("#deal-proposals [data-invoice]", has_text=proposal.invoice.number).wait_for()
    shot(page, "deal-proposals-tab")
    page.locator("#deal-proposals a", has_text=proposal.number).click()
    page.locator("#signature", has_text="Роман Петрович Сидоров").wait_for()
    shot(page, "proposal-card-signed")
