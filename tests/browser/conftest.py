"""Browser tests: Playwright's Python API driving Debian's Chromium against `live_server`.

Never downloads a browser. Without /usr/bin/chromium the tests are skipped, unless
ZOKUSEI_REQUIRE_BROWSER=1 (CI), where a missing browser is a failure.
"""
import os
from pathlib import Path

import pytest

from tests.frontend.conftest import bobs_tv, model_version, sneaker, sneaker_suggestions  # noqa: F401

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between page actions are ordinary blocking calls, which Django would otherwise refuse.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The README's screenshots are rewritten only on request (ZOKUSEI_SCREENSHOTS=1), so that an
# ordinary test run leaves the working tree as it was; otherwise they go to a temporary folder.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# The timeout for one page action; generous, the machines running CI are shared.
ACTION_TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("ZOKUSEI_REQUIRE_BROWSER") == "1":
            pytest.fail(f"ZOKUSEI_REQUIRE_BROWSER=1 but there is no browser at {CHROMIUM}")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def _context(browser, locale="en-GB", width=1280, height=800):
    context = browser.new_context(locale=locale, viewport={"width": width, "height": height})
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    return context


@pytest.fixture
def new_page(browser):
    """new_page(locale=..., width=..., height=...) → a page in a fresh context (own cookies)."""
    contexts = []

    def make(**kwargs):
        context = _context(browser, **kwargs)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def sign_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("#id_password").press("Enter")
    page.wait_for_load_state()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory):
    if os.environ.get("ZOKUSEI_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def screenshot(screenshot_dir):
    def take(page, name):
        page.screenshot(path=str(screenshot_dir / f"{name}.png"), full_page=True)

    return take
