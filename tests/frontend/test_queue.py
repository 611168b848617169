"""The review queue: sorting, filters, pagination without COUNT, sellers see their own."""
import pytest
from django.urls import reverse

from catalog import review
from catalog.models import SuggestionStatus
from frontend.queue import QueueFilters, next_product_id, queue_page

from .conftest import make_product, suggest

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf(taxonomy, seller_a, model_version, bobs_tv):
    """Alice's products: (name → product); scores chosen so the three sorts differ."""
    sneakers = taxonomy.category("Shoes", "Men's shoes", "Sneakers")
    women = taxonomy.category("Shoes", "Women's shoes")
    red, blue = taxonomy.value("Color", "red"), taxonomy.value("Color", "blue")
    leather = taxonomy.value("Material", "leather")
    products = {
        "sure": make_product(seller_a, sneakers, "p1", "Sure red sneaker"),
        "unsure": make_product(seller_a, sneakers, "p2", "Unsure sneaker"),
        "boot": make_product(seller_a, women, "p3", "ＬＥＡＴＨＥＲ boot"),
    }
    suggest(products["sure"], red, model_version, 0.99)
    suggest(products["unsure"], blue, model_version, 0.52)
    suggest(products["unsure"], red, model_version, 0.90)
    suggest(products["boot"], leather, model_version, 0.75)
    return products


def ids(page):
    return [row["product"].external_id for row in page.rows]


def test_it_sorts_least_certain_highest_confidence_and_newest(alice, shelf):
    assert ids(queue_page(alice, QueueFilters(sort="uncertain"))) == ["p2", "p3", "p1"]
    assert ids(queue_page(alice, QueueFilters(sort="confident"))) == ["p1", "p2", "p3"]
    assert ids(queue_page(alice, QueueFilters(sort="newest"))) == ["p3", "p2", "p1"]


def test_it_summarises_each_product(alice, shelf):
    row = queue_page(alice, QueueFilters()).rows[0]
    assert row["count"] == 2 and row["confidence"] == 0.90 and row["uncertainty"] == pytest.approx(0.02)


@pytest.mark.parametrize("sort", ["uncertain", "confident", "newest"])
def test_it_filters(alice, shelf, taxonomy, sort):
    def only(**kwargs):
        return sorted(ids(queue_page(alice, QueueFilters(sort=sort, **kwargs))))

    assert only(category=taxonomy.category("Shoes")) == ["p1", "p2", "p3"]
    assert only(category=taxonomy.category("Shoes", "Men's shoes")) == ["p1", "p2"]
    assert only(attribute_id=taxonomy.value("Material", "leather").attribute_id) == ["p3"]
    assert only(min_score=0.7, max_score=0.8) == ["p3"]
    assert only(search="LEATHER") == ["p3"]  # the title spells it full-width
    assert only(search="ＳＮＥＡＫＥＲ") == ["p1", "p2"]


def test_it_lists_decided_products_by_status(alice, shelf):
    suggestion = shelf["boot"].suggestions.get()
    review.reject(alice, suggestion.pk)
    assert ids(queue_page(alice, QueueFilters(status=SuggestionStatus.REJECTED))) == ["p3"]
    assert "p3" not in ids(queue_page(alice, QueueFilters()))


@pytest.mark.parametrize("sort", ["uncertain", "confident", "newest"])
def test_it_pages_without_counting(alice, shelf, sort, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        first = queue_page(alice, QueueFilters(sort=sort), 1, size=2)
    second = queue_page(alice, QueueFilters(sort=sort), 2, size=2)
    assert first.has_next and not second.has_next and second.has_previous
    assert len(first.rows) == 2 and len(second.rows) == 1
    assert set(ids(first)).isdisjoint(ids(second))


def test_sellers_see_only_their_products_and_staff_see_all(alice, bob, staff, shelf, bobs_tv):
    assert "B-1" not in ids(queue_page(alice, QueueFilters()))
    assert ids(queue_page(bob, QueueFilters())) == ["B-1"]
    assert len(queue_page(staff, QueueFilters()).rows) == 4


def test_next_product_skips_the_current_one(alice, shelf):
    assert next_product_id(alice, QueueFilters(), shelf["unsure"].pk) == shelf["boot"].pk


def test_the_queue_page_shows_filters_and_rows(client, alice, shelf):
    client.force_login(alice)
    response = client.get(reverse("frontend:queue"), {"sort": "confident", "min_score": "2", "page": "x"})
    assert response.status_code == 200
    content = response.content.decode()
    assert content.index("Sure red sneaker") < content.index("Unsure sneaker")
    assert "Bob" not in content


def test_the_queue_needs_signing_in(client):
    response = client.get(reverse("frontend:queue"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_huge_stored_title_is_read_only_as_far_as_the_row_shows_it(client, alice, shelf):
    # Stored before the catalogue's limits existed: the queue must not load megabytes per row.
    from catalog.models import Product

    Product.objects.filter(pk=shelf["unsure"].pk).update(title="巨" * 2_000_000, description="x" * 2_000_000)

    rows = queue_page(alice, QueueFilters()).rows
    client.force_login(alice)
    page = client.get(reverse("frontend:queue")).content.decode()

    unsure = next(row["product"] for row in rows if row["product_id"] == shelf["unsure"].pk)
    assert "title" in unsure.get_deferred_fields() and "description" in unsure.get_deferred_fields()
    assert unsure.title_start == "巨" * 91
    assert "巨" * 89 + "…" in page and "巨" * 91 not in page
