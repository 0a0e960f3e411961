"""Helpers for the seed walks through the pages (tests/e2e/test_seed_walk*.py): sign in as a demo
user in English, wait for htmx, edit a deal field in place, pick from an as-you-type search, open a
card's tab, and take a screenshot into tests/e2e/artifacts/."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).parent / "artifacts"
DOCS = ROOT / "docs" / "screenshots"


def snap(page, name: str, *, docs: str | None = None) -> None:
    """A screenshot into the artifacts; the README's copy only when asked to refresh the docs."""
    page.wait_for_function("!document.querySelector('.htmx-request, .htmx-settling')")
    quiet = {"animations": "disabled", "style": ".htmx-progress, #toasts { display: none !important; }"}
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"seed-walk-{name}.png"), **quiet)
    if docs and os.environ.get("DEALBOOK_DOCS_SHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS / f"{docs}.png"), **quiet)


def hx_ready(page, locator):
    """Wait until htmx has processed the element (or the hx-* element around it, e.g. its form):
    content just swapped in only reacts once htmx has wired it up. Returns the locator."""
    page.wait_for_function(
        "el => { const h = el.closest('[hx-get],[hx-post]'); const d = h && h['htmx-internal-data'];"
        " return !h || !!(d && d.initHash); }",
        arg=locator.element_handle(),
    )
    return locator


def sign_in(page, username: str, password: str) -> None:
    """Sign in, then pick English in the user menu (the demo users' saved language is Russian)."""
    from playwright.sync_api import expect

    page.goto(page.base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/deals/**")
    page.locator(".user-menu summary").click()
    with page.expect_navigation():
        page.locator(".user-menu button[name=language][value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def sign_out(page) -> None:
    page.locator(".user-menu summary").click()
    page.locator(".user-menu form[action$='/logout/'] button").click()
    page.wait_for_url("**/login/**")


def edit_field(page, name: str, value: str, shown: str, *, select: bool = False) -> None:
    """A deal field edited in place (D5): click the value, change it, save, see the new value."""
    from playwright.sync_api import expect

    box = page.locator(f"#field-{name}")
    hx_ready(page, box.locator("button.editable")).click()
    control = page.locator(f"#field-{name} form [name={name}]")
    if select:
        control.select_option(label=value)
    else:
        control.fill(value)
    hx_ready(page, page.locator(f"#field-{name} form").get_by_role("button", name="Save")).click()
    expect(page.locator(f"#field-{name} button.editable")).to_contain_text(shown)


def pick_option(page, search, select, text: str, wanted: str | None = None) -> None:
    """Type into an as-you-type search box, wait for the server's options, choose one."""
    from playwright.sync_api import expect

    hx_ready(page, search)
    with page.expect_response(lambda r: "/options/" in r.url):
        search.fill(text)
    option = (
        select.locator(f"option[value='{wanted}']") if wanted else select.locator("option", has_text=text)
    )
    expect(option.first).to_be_attached()
    select.select_option(value=option.first.get_attribute("value"))


def open_tab(page, name: str) -> None:
    from playwright.sync_api import expect

    page.get_by_role("tab", name=name).click()
    expect(page.get_by_role("tab", name=name)).to_have_attribute("aria-selected", "true")
