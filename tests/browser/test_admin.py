"""The taxonomy in the admin: the tree, and deleting a value that products use."""
import pytest

from catalog import review

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_sees_the_tree_and_is_told_what_deleting_a_value_affects(
    screenshot, page, live_server, admin, alice, sneaker, sneaker_suggestions, taxonomy
):
    review.accept(alice, sneaker_suggestions["red"].pk)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/taxonomy/category/")
    page.fill("#id_username", "ada")
    page.fill("#id_password", "ada-password")
    with page.expect_navigation():
        page.locator("#id_password").press("Enter")
    assert page.get_by_role("link", name="Import taxonomy.json").is_visible()
    screenshot(page, "admin-category-tree")
    red = taxonomy.value("Color", "red")
    page.goto(f"{live_server.url}/admin/taxonomy/attributevalue/{red.pk}/delete/")
    assert page.get_by_text("1 product carries this value").is_visible()
    screenshot(page, "admin-delete-value")


def test_the_admin_in_japanese_is_branded_and_shows_aliases_whole(screenshot, new_page, live_server, admin, taxonomy):
    red = taxonomy.value("Color", "red")
    red.aliases = ["レッド", "赤", "あか", "ワインレッド"]
    red.save()
    page = new_page(locale="ja-JP")
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "ada")
    page.fill("#id_password", "ada-password")
    with page.expect_navigation():
        page.locator("#id_password").press("Enter")
    assert page.locator("#site-name").inner_text() == "Zokusei 管理"
    assert page.title().endswith("Zokusei 管理")
    assert page.get_by_role("link", name="属性体系").first.is_visible()
    assert page.locator('link[rel="icon"]').get_attribute("href").endswith(".svg")

    page.goto(f"{live_server.url}/admin/taxonomy/attribute/{red.attribute_id}/change/")
    box = page.locator('tr:has(input[value="red"]) textarea[name$="-aliases"]')
    # Every alias on its own line, none cut off: the box is as wide as its longest line.
    assert box.input_value().split("\n") == sorted(red.aliases)
    # (a pixel of slack: the box's padding rounds)
    assert page.evaluate("(el) => el.scrollWidth <= el.clientWidth + 1 && el.scrollHeight <= el.clientHeight + 1",
                         box.element_handle())
    assert box.bounding_box()["width"] >= 250
    screenshot(page, "admin-attribute-ja")
