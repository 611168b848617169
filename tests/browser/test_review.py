"""A seller reviews a product with the keyboard alone; another seller cannot open it."""
import re

import pytest

from catalog.models import Decision, ProductLabel, Suggestion

from .conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def press(page, key):
    """A key that submits a form or follows a link: wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press(key)


def focused_suggestion(page):
    return page.evaluate("document.activeElement.closest('li.suggestion')?.dataset.suggestion")


def test_it_reviews_a_product_with_the_keyboard_alone(page, live_server, alice, sneaker, sneaker_suggestions):
    s = sneaker_suggestions
    # given: Alice signs in (typing and Enter) and opens the product from the queue
    sign_in(page, live_server, "alice", "alice-password")
    assert page.url.endswith("/queue/")
    screenshot(page, "queue")
    page.keyboard.press("j")
    press(page, "Enter")
    assert page.url.startswith(f"{live_server.url}/products/{sneaker.pk}/")
    screenshot(page, "product-review")

    # when: she accepts red, rejects blue, corrects size 26.0 to 25.0, undoes that, then
    # accepts 26.0 and rejects 25.0
    assert focused_suggestion(page) == str(s["red"].pk)
    press(page, "a")
    assert focused_suggestion(page) == str(s["blue"].pk)
    press(page, "r")
    assert focused_suggestion(page) == str(s["26"].pk)
    page.keyboard.press("e")
    assert page.evaluate("document.activeElement.tagName") == "SELECT"
    press(page, "Enter")
    assert ProductLabel.objects.filter(product=sneaker, value=s["25"].value, source="seller").exists()
    press(page, "u")
    assert focused_suggestion(page) == str(s["26"].pk)
    press(page, "a")
    page.keyboard.press("k")
    page.keyboard.press("j")
    assert focused_suggestion(page) == str(s["25"].pk)
    press(page, "r")
    page.keyboard.press("?")
    assert page.locator("dialog#shortcuts").is_visible()
    page.keyboard.press("Escape")
    assert not page.locator("dialog#shortcuts").is_visible()
    screenshot(page, "product-reviewed")
    press(page, "n")

    # then: the decisions and the labels are in the database
    assert re.search(r"/queue/", page.url)
    statuses = dict(Suggestion.objects.filter(product=sneaker).values_list("value__name", "status"))
    assert statuses == {"red": "accepted", "blue": "rejected", "26.0": "accepted", "25.0": "rejected"}
    decisions = Decision.objects.filter(suggestion__product=sneaker)
    assert decisions.count() == 4
    assert set(decisions.values_list("user__username", flat=True)) == {"alice"}
    assert {d.score for d in decisions} == {0.93, 0.55, 0.81, 0.30}
    labels = dict(ProductLabel.objects.filter(product=sneaker).values_list("value__name", "source"))
    assert labels == {"red": "suggestion", "26.0": "suggestion"}


def test_a_second_seller_cannot_open_the_first_sellers_product(page, live_server, bob, sneaker, sneaker_suggestions):
    sign_in(page, live_server, "bob", "bob-password")
    assert sneaker.title not in page.content()
    response = page.goto(f"{live_server.url}/products/{sneaker.pk}/")
    assert response.status == 404
    assert "ESPRESSO" not in page.content()
