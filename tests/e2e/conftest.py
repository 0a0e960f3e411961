"""Browser tests: Playwright for Python driving Debian's chromium headless against live_server."""

import os
import shutil
from pathlib import Path

import pytest

from dealbook.accounts.models import Role
from dealbook.crm import totals
from dealbook.crm.models import LostReason
from tests import factories

CHROMIUM = os.environ.get("DEALBOOK_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path(__file__).parent / "screenshots"
PASSWORD = "secret-pass-1"  # tests.factories.make_user

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still plain
# synchronous code between browser steps.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip(f"no chromium at {CHROMIUM} (.ci/run installs Debian's chromium)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US")
    page = context.new_page()
    # generous: CI machines run the suite in parallel workers, each with its own browser and server
    page.set_default_timeout(20_000)
    page.set_default_navigation_timeout(45_000)
    page.base = live_server.url
    yield page
    context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def sign_in(page, user) -> None:
    page.goto(page.base + "/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/deals/**")


def drag(page, source, target) -> None:
    """A real pointer drag (press on the card, move over the column, release) as a user does it."""
    source.drag_to(target, target_position={"x": 60, "y": 30})


@pytest.fixture
def demo(transactional_db):
    """The demo world (dealbook.demo), loaded into the live server's database as `make run` does."""
    from dealbook import demo as demo_data

    demo_data.load()
    return {"password": demo_data.DEMO_PASSWORD}


@pytest.fixture
def world(transactional_db):
    group = factories.make_group("Отдел продаж ЖБИ")
    pipeline = factories.make_pipeline("ЖБИ")
    pipeline.is_default = True
    pipeline.save()
    manager = factories.make_user(
        Role.SALES_MANAGER, group=group, username="grakun", first_name="Екатерина", last_name="Гракун"
    )
    other = factories.make_user(
        Role.SALES_MANAGER, group=group, username="petrov", first_name="Павел", last_name="Петров"
    )
    operator = factories.make_user(
        Role.OPERATOR, username="operator", first_name="Ольга", last_name="Иванова"
    )
    LostReason.objects.get_or_create(name="Дорого")
    company = factories.make_company("ЭЛЕКСИС ООО", inn="7806210729")
    deal = factories.make_deal(
        pipeline=pipeline,
        stage_code="negotiation",
        responsible=manager,
        title="КС, ФБС для Синявино",
        company=company,
        amount="4000.00",
    )
    second = factories.make_deal(
        pipeline=pipeline,
        stage_code="negotiation",
        responsible=manager,
        title="Кольца для дачи",
        amount="2100.00",
    )
    private = factories.make_deal(
        pipeline=pipeline, stage_code="assigned", responsible=other, title="Частная сделка Петрова"
    )
    totals.recount(pipeline)
    return {
        "pipeline": pipeline,
        "manager": manager,
        "other": other,
        "operator": operator,
        "company": company,
        "deal": deal,
        "second": second,
        "private": private,
    }
