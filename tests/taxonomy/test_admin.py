import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_browser(client, admin):
    client.force_login(admin)
    return client


@pytest.mark.parametrize("model", ["category", "attribute", "attributevalue", "categoryattribute", "taxonomyrevision"])
def test_it_shows_every_taxonomy_list(admin_browser, taxonomy, model):
    assert admin_browser.get(reverse(f"admin:taxonomy_{model}_changelist")).status_code == 200


def test_it_shows_the_tree_indented_in_path_order(admin_browser, taxonomy):
    page = admin_browser.get(reverse("admin:taxonomy_category_changelist")).content.decode()
    order = [page.index(name) for name in ("Shoes", "Men&#x27;s shoes", "Sneakers", "Women&#x27;s shoes", "TVs")]
    assert order == sorted(order)
    assert "\u2003\u2003\u2003\u2003Sneakers" in page


def test_it_shows_a_category_with_its_pairs_and_children(admin_browser, taxonomy):
    shoes = taxonomy.category("Shoes")
    page = admin_browser.get(reverse("admin:taxonomy_category_change", args=[shoes.pk])).content.decode()
    assert "Allowed pairs" in page and "Subcategories" in page and "Men&#x27;s shoes" in page


def test_it_shows_an_attribute_with_its_values(admin_browser, taxonomy):
    color = taxonomy.value("Color", "red").attribute
    page = admin_browser.get(reverse("admin:taxonomy_attribute_change", args=[color.pk])).content.decode()
    assert "coral" in page and "blue" in page
