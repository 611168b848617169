"""The UI speaks Japanese to a browser that asks for it, and switches language on request."""
import pytest

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_renders_the_japanese_ui(screenshot, new_page, live_server, alice, sneaker, sneaker_suggestions):
    page = new_page(locale="ja-JP")
    sign_in(page, live_server, "alice", "alice-password")
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.get_by_role("heading", name="レビュー待ち").is_visible()
    page.goto(f"{live_server.url}/products/{sneaker.pk}/")
    assert page.get_by_role("button", name="承認").first.is_visible()
    # Japanese glyphs are drawn from a real CJK font: without one, 赤 and 木 would both be
    # the same empty box.
    assert page.evaluate(
        """() => {
          const draw = (ch) => {
            const canvas = document.createElement('canvas');
            canvas.width = canvas.height = 32;
            const c = canvas.getContext('2d');
            c.font = '24px ' + getComputedStyle(document.body).fontFamily;
            c.fillText(ch, 2, 26);
            return canvas.toDataURL();
          };
          return draw('赤') !== draw('木');
        }"""
    )
    screenshot(page, "product-review-ja")

    # the switch takes the user back to English
    page.select_option("#language-select", "en")
    with page.expect_navigation():
        page.get_by_role("button", name="切り替え").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("button", name="Accept").first.is_visible()


def test_it_fits_a_tablet_width(screenshot, new_page, live_server, alice, sneaker, sneaker_suggestions):
    page = new_page(width=768, height=1024)
    sign_in(page, live_server, "alice", "alice-password")
    page.goto(f"{live_server.url}/products/{sneaker.pk}/")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    screenshot(page, "product-review-tablet")
