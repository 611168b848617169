"""The review queue in Chromium: ticked rows decided, accept across the filter after its
count, a staff seller filter (a seller's is ignored), headings that follow the filter."""
import pytest
from playwright.sync_api import expect

from catalog.models import Decision, Suggestion

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shelf(seller_a, taxonomy, model_version):
    from tests.frontend.conftest import make_product, suggest

    sneakers = taxonomy.category("Shoes", "Men's shoes", "Sneakers")
    made = []
    for i, score in enumerate([0.35, 0.6, 0.8, 0.95]):
        product = make_product(seller_a, sneakers, f"Q-{i}", f"Queue sneaker {i}")
        suggest(product, taxonomy.value("Color", "red"), model_version, score)
        suggest(product, taxonomy.value("Material", "leather"), model_version, 0.9)
        made.append(product)
    return made


def test_ticked_rows_are_accepted_and_the_filter_accepted_after_its_count(
    screenshot, page, live_server, alice, shelf, taxonomy, bobs_tv
):
    sign_in(page, live_server, "alice", "alice-password")
    page.goto(f"{live_server.url}/queue/")
    expect(page.locator("h1")).to_have_text("All products, to review")
    expect(page.locator("#queue-totals")).to_contain_text("4 products")
    expect(page.locator("#queue-totals")).to_contain_text("8 suggestions")
    rows = page.locator("input.row-select")
    expect(rows).to_have_count(4)
    # "select all" appears with JavaScript; the buttons wait for a ticked row.
    expect(page.get_by_role("button", name="Accept selected")).to_be_disabled()
    rows.nth(0).check()  # the least certain: red 0.6 (0.1 above its 0.5 cut-off)
    with page.expect_navigation():
        page.get_by_role("button", name="Accept selected").click()
    assert Decision.objects.filter(action="accept").count() == 1
    expect(page.locator("#reviewed-today")).to_have_text("You reviewed 1 today")

    # Across the filter: Color, a minimum confidence of 0.5.
    color = taxonomy.value("Color", "red").attribute
    page.select_option("#id_attribute", str(color.pk))
    with page.expect_navigation():
        page.get_by_role("button", name="Apply").click()
    expect(page.locator("h1")).to_have_text("Color, to review")
    form = page.locator("#accept-across")
    form.locator("#id_min_score").fill("0.5")
    with page.expect_navigation():
        form.get_by_role("button").click()
    pending_before = Suggestion.objects.filter(status="pending").count()
    # red 0.8 and 0.95 (0.6 is accepted already, 0.35 is below): the count before anything.
    expect(page.locator("#confirm-count")).to_have_text(
        "Accept 2 suggestions of Color with confidence at least 0.50 on 2 products?"
    )
    screenshot(page, "queue-accept-across-confirm")
    assert Suggestion.objects.filter(status="pending").count() == pending_before  # nothing yet
    with page.expect_navigation():
        page.locator("#confirm-accept").click()
    accepted = Suggestion.objects.filter(status="accepted", value__name="red").values_list("score", flat=True)
    assert sorted(accepted) == [0.6, 0.8, 0.95]
    assert Decision.objects.filter(action="accept").count() == 3
    assert Suggestion.objects.get(product=bobs_tv).status == "pending"
    screenshot(page, "queue-after-accept-across")


def test_staff_filter_by_seller_and_sellers_cannot(page, live_server, staff, alice, shelf, bobs_tv):
    sign_in(page, live_server, "stella", "stella-password")
    page.goto(f"{live_server.url}/queue/")
    page.select_option("#id_seller", str(bobs_tv.seller_id))
    with page.expect_navigation():
        page.get_by_role("button", name="Apply").click()
    expect(page.locator("table.queue tbody tr")).to_have_count(1)
    expect(page.locator("h1")).to_contain_text(str(bobs_tv.seller))

    other = page.context.browser.new_context()
    seller_page = other.new_page()
    sign_in(seller_page, live_server, "alice", "alice-password")
    seller_page.goto(f"{live_server.url}/queue/?seller={bobs_tv.seller_id}")
    expect(seller_page.locator("#id_seller")).to_have_count(0)
    expect(seller_page.locator("table.queue tbody tr")).to_have_count(4)
    expect(seller_page.locator("body")).not_to_contain_text("Bob")
    other.close()
