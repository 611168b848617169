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
