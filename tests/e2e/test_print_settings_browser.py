"""X2 in the browser: an accountant opens Print settings from the user menu, a wrong colour is shown
under its field, then a stamp is uploaded and its preview appears."""

import pytest
from playwright.sync_api import expect

from dealbook.accounts.models import Role
from dealbook.billing.models import SellerSettings
from tests import factories
from tests.documents.images import png_bytes
from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.e2e


def test_x2_accountant_uploads_a_stamp_and_sees_the_field_error(page, world, tmp_path):
    seller = factories.make_company('ООО "ВЕСТ ГРУПП"', is_own=True, inn="7806210729", kpp="780601001")
    accountant = factories.make_user(Role.ACCOUNTANT, username="buh", first_name="Светлана", last_name="Н.")
    stamp = tmp_path / "stamp.png"
    stamp.write_bytes(png_bytes(120, 120, (35, 64, 168, 200)))
    sign_in(page, accountant)

    page.click(".user-menu summary")
    page.click("text=Print settings")
    page.wait_for_selector("h1:has-text('Print settings')")
    page.fill("#ps-accent", "blue")
    page.set_input_files("#ps-stamp", str(stamp))
    page.click("button:has-text('Save')")
    assert page.locator("#ps-accent-error").inner_text() == "A colour must look like #1F4E79."
    assert not SellerSettings.objects.filter(seller=seller).exclude(stamp="").exists()

    page.fill("#ps-accent", "#7a1f1f")
    page.set_input_files("#ps-stamp", str(stamp))
    page.click("button:has-text('Save')")
    page.wait_for_selector("text=Print settings saved.")
    preview = page.locator("img[alt='Stamp']")
    # the preview is a separate request: wait until the browser has decoded it (120 px wide)
    expect(preview).to_have_js_property("naturalWidth", 120)
    assert SellerSettings.objects.get(seller=seller).accent_color == "#7a1f1f"
    shot(page, "print_settings")
