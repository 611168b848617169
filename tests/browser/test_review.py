"""A seller reviews a product with the keyboard alone; another seller cannot open it."""
import re

import pytest
from playwright.sync_api import expect

from catalog.models import Decision, ProductLabel, Suggestion

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def press(page, key):
    """A key that follows a link (`n`, Enter in the queue): wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press(key)


def decide(page, key):
    """A key that posts a decision: the page answers in place; wait for that answer."""
    article = page.locator("article.product-review")
    answered = int(article.get_attribute("data-updates") or 0)
    page.keyboard.press(key)
    expect(page.locator(f"article.product-review[data-updates='{answered + 1}']")).to_be_attached()


def stays_on_the_page(page):
    """A flag set in the window now survives only if the page is never reloaded."""
    page.evaluate("window.zokuseiSamePage = true")
    return lambda: page.evaluate("window.zokuseiSamePage === true && performance.getEntriesByType('navigation').length === 1")


def focused_suggestion(page):
    return page.evaluate("document.activeElement.closest('li.suggestion')?.dataset.suggestion")


@pytest.fixture
def more_products(seller_a, taxonomy, model_version):
    """A few more of Alice's products, all more certain than the sneaker's least certain call."""
    from tests.frontend.conftest import make_product, suggest

    shoes = taxonomy.category("Shoes", "Women's shoes")
    tvs = taxonomy.category("TVs")
    made = []
    for external_id, category, title, value, score in [
        ("A-2", shoes, "本革 パンプス ブラック 23.5cm 日本製", ("Material", "leather"), 0.88),
        ("A-3", tvs, "４Ｋ液晶テレビ 55インチ 55 inch ブラック", ("Screen size", "55 inch"), 0.97),
        ("A-4", shoes, "キャンバス スリッポン 赤 レディース", ("Color", "red"), 0.74),
    ]:
        product = make_product(seller_a, category, external_id, title, "")
        suggest(product, taxonomy.value(*value), model_version, score)
        made.append(product)
    return made


def test_it_reviews_a_product_with_the_keyboard_alone(
    screenshot, page, live_server, alice, sneaker, sneaker_suggestions, more_products
):
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
    # accepts 26.0 and rejects 25.0, all on the same page (no reload)
    same_page = stays_on_the_page(page)
    assert focused_suggestion(page) == str(s["red"].pk)
    decide(page, "a")
    assert focused_suggestion(page) == str(s["blue"].pk)
    decide(page, "r")
    assert focused_suggestion(page) == str(s["26"].pk)
    page.keyboard.press("e")
    assert page.evaluate("document.activeElement.tagName") == "SELECT"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator(f"#s-{s['26'].pk} .value")).to_have_text("26.0 → 25.0")
    assert ProductLabel.objects.filter(product=sneaker, value=s["25"].value, source="seller").exists()
    decide(page, "u")
    assert focused_suggestion(page) == str(s["26"].pk)
    decide(page, "a")
    page.keyboard.press("k")
    page.keyboard.press("j")
    assert focused_suggestion(page) == str(s["25"].pk)
    decide(page, "r")
    assert same_page()
    expect(page.locator("#pending-count")).to_have_text("0 to review")
    expect(page.locator(f"#s-{s['red'].pk}")).to_have_attribute("data-status", "accepted")
    page.keyboard.press("?")
    assert page.locator("dialog#shortcuts").is_visible()
    screenshot(page, "keyboard-help")
    page.keyboard.press("Escape")
    assert not page.locator("dialog#shortcuts").is_visible()
    screenshot(page, "product-reviewed")
    press(page, "n")

    # then: "n" went on to the next product of the queue, and the decisions and the labels
    # are in the database
    assert re.search(r"/products/(\d+)/", page.url).group(1) in {str(p.pk) for p in more_products}
    statuses = dict(Suggestion.objects.filter(product=sneaker).values_list("value__name", "status"))
    assert statuses == {"red": "accepted", "blue": "rejected", "26.0": "accepted", "25.0": "rejected"}
    decisions = Decision.objects.standing().filter(suggestion__product=sneaker)
    assert decisions.count() == 4
    # the correction she undid stays in the audit trail, marked undone by her
    [undone] = Decision.objects.filter(suggestion__product=sneaker, undone_at__isnull=False)
    assert (undone.action, undone.undone_by) == ("correct", alice)
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


def test_a_long_value_list_is_searched_by_typing(page, live_server, alice, sneaker, sneaker_suggestions, taxonomy):
    from taxonomy.models import AttributeValue

    # given: Color has more values than a select shows well (Shoes allow every colour)
    colour = sneaker_suggestions["red"].value.attribute
    AttributeValue.objects.bulk_create(
        [AttributeValue(attribute=colour, name=f"shade {i:03d}") for i in range(200)]
    )
    from taxonomy.signals import bump_revision

    bump_revision()  # bulk_create sends no post_save
    sign_in(page, live_server, "alice", "alice-password")
    page.goto(f"{live_server.url}/products/{sneaker.pk}/")
    assert focused_suggestion(page) == str(sneaker_suggestions["red"].pk)

    # when: "e" opens the search box; typing shortcut letters there types them; Enter submits
    page.keyboard.press("e")
    assert page.evaluate("document.activeElement.type") == "search"
    page.keyboard.type("shade 042")
    assert page.evaluate("document.activeElement.value") == "shade 042"
    page.keyboard.press("Enter")

    # then: red was corrected to the typed value
    expect(page.locator("#review-messages")).to_have_text("Corrected Color: red → shade 042.")
    assert Suggestion.objects.get(pk=sneaker_suggestions["red"].pk).status == "corrected"
    assert ProductLabel.objects.filter(product=sneaker, value__name="shade 042", source="seller").exists()
