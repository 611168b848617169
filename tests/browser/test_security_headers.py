"""The pages work under the Content-Security-Policy (config/settings.py): Chromium loads the
queue, a product page (accepting with the keyboard), the staff pages, the admin and the API
docs with the policy on, and reports no violation and no console error on any of them."""
import pytest

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Registered before any page script runs (DevTools injects it, so the policy does not block it).
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__violations.push(event.violatedDirective + " " + (event.blockedURI || "inline") + " at " + event.sourceFile + ":" + event.lineNumber);
});
"""


# Third-party fetches the policy is meant to stop, by page: drf-spectacular's Redoc page links
# Google Fonts and Redoc draws its logo from its CDN. Blocked, the page renders in the system's
# fonts, and no visitor's browser is sent to a third party.
EXPECTED_BLOCKS = {"/api/redoc/": ("https://fonts.googleapis.com/", "https://cdn.redoc.ly/")}


def _expected(page_url, text):
    path = "/" + page_url.split("/", 3)[3].split("?")[0]
    return any(blocked in text for blocked in EXPECTED_BLOCKS.get(path, ()))


class Watcher:
    """Console errors and warnings, and policy violations, of every page a test visits."""

    def __init__(self, page):
        self.page = page
        self.console = []
        self.violations = []
        self.pages = 0
        self.expected_blocks = 0
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.console.append(f"{page.url}: {error}"))

    def _console(self, message):
        # The site has no favicon: the browser's own request for one 404s, which is no fault.
        if message.type in ("error", "warning") and not message.location.get("url", "").endswith("/favicon.ico"):
            if not _expected(self.page.url, message.text):
                self.console.append(f"{self.page.url}: {message.text}")

    def visit(self, url, ready=None):
        response = self.page.goto(url)
        assert "object-src 'none'" in response.headers["content-security-policy"], url
        self.settle(ready)

    def settle(self, ready=None):
        self.page.wait_for_load_state("load")
        if ready:
            self.page.wait_for_selector(ready)
        self.pages += 1
        found = self.page.evaluate("window.__violations")
        self.expected_blocks += sum(_expected(self.page.url, v) for v in found)
        self.violations += [f"{self.page.url}: {v}" for v in found if not _expected(self.page.url, v)]

    def assert_clean(self):
        print(f"\nCSP browser check: {self.pages} page loads, {len(self.violations)} violations "
              f"({self.expected_blocks} expected third-party blocks), {len(self.console)} console errors")
        assert not self.violations, self.violations
        assert not self.console, self.console


def test_the_seller_pages_work_under_the_policy(page, live_server, alice, sneaker, sneaker_suggestions):
    watcher = Watcher(page)
    sign_in(page, live_server, "alice", "alice-password")
    watcher.settle("table.queue")
    # The product page: its bars get their widths from app.js, and 'a' accepts the focused call.
    watcher.visit(f"{live_server.url}/products/{sneaker.pk}/", "li.suggestion.current")
    width = page.evaluate("getComputedStyle(document.querySelector('.bar > span')).width")
    assert width not in ("0px", "auto"), width
    red = sneaker_suggestions["red"]
    assert page.evaluate("document.activeElement.closest('li.suggestion').dataset.suggestion") == str(red.pk)
    # the decision is posted by app.js and the card changes in place (no page load)
    page.keyboard.press("a")
    watcher.settle(f"#s-{red.pk}[data-status='accepted']")
    red.refresh_from_db()
    assert red.status == "accepted"
    # DRF's browsable API: its buttons are laid out with style attributes, allowed there only.
    watcher.visit(f"{live_server.url}/api/products/", ".response-info")
    watcher.assert_clean()


def test_the_staff_pages_and_the_api_docs_work_under_the_policy(page, live_server, staff, model_version):
    watcher = Watcher(page)
    sign_in(page, live_server, "stella", "stella-password")
    for path in ("/staff/", "/staff/runs/", "/staff/versions/"):
        watcher.visit(f"{live_server.url}{path}", "main")
    # Swagger UI and Redoc draw the schema (their relaxed policy, config/security_headers.py).
    watcher.visit(f"{live_server.url}/api/docs/", ".swagger-ui .opblock")
    watcher.visit(f"{live_server.url}/api/redoc/", "[role=navigation] li, .menu-content li")
    watcher.assert_clean()


def test_the_admin_works_under_the_policy(page, live_server, admin, taxonomy, sneaker):
    watcher = Watcher(page)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "ada")
    page.fill("#id_password", "ada-password")
    with page.expect_navigation():
        page.locator("#id_password").press("Enter")
    watcher.settle("#content")
    for path in (
        "/admin/",
        "/admin/catalog/product/",
        f"/admin/catalog/product/{sneaker.pk}/change/",
        "/admin/taxonomy/category/",
        "/admin/accounts/user/add/",
    ):
        watcher.visit(f"{live_server.url}{path}", "#content")
    # The admin's own scripts run: the sidebar's filter box and the theme toggle exist.
    watcher.visit(f"{live_server.url}/admin/catalog/product/", "#nav-filter")
    watcher.assert_clean()
