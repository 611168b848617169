"""The review queue: sorting, filters, pagination without COUNT, sellers see their own."""
import pytest
from django.urls import reverse

from catalog import review
from catalog.models import SuggestionStatus
from frontend.queue import QueueFilters, next_product_id, queue_page, totals

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


# How a category or search reaches the queue's query (frontend.queue._product_condition):
# (PRODUCT_PROBE, SUBQUERY_PROBE) so small or large that each way is taken.
PROBES = [(0, 0), (0, 1000), (1000, 1000)]
PROBE_IDS = ["as-a-join", "as-a-subquery-of-products", "as-a-list-of-products"]


def use_probe(monkeypatch, product_probe, subquery_probe):
    monkeypatch.setattr("frontend.queue.PRODUCT_PROBE", product_probe)
    monkeypatch.setattr("frontend.queue.SUBQUERY_PROBE", subquery_probe)


def ids(page):
    return [row["product"].external_id for row in page.rows]


def test_it_sorts_least_certain_highest_confidence_and_newest(alice, shelf):
    assert ids(queue_page(alice, QueueFilters(sort="uncertain"))) == ["p2", "p3", "p1"]
    assert ids(queue_page(alice, QueueFilters(sort="confident"))) == ["p1", "p2", "p3"]
    assert ids(queue_page(alice, QueueFilters(sort="newest"))) == ["p3", "p2", "p1"]


def test_it_summarises_each_product(alice, shelf):
    row = queue_page(alice, QueueFilters()).rows[0]
    assert row["count"] == 2 and row["confidence"] == 0.90 and row["uncertainty"] == pytest.approx(0.02)


@pytest.mark.parametrize("probe", PROBES, ids=PROBE_IDS)
@pytest.mark.parametrize("sort", ["uncertain", "confident", "newest"])
def test_it_filters(alice, shelf, taxonomy, sort, probe, monkeypatch):
    use_probe(monkeypatch, *probe)
    def only(**kwargs):
        return sorted(ids(queue_page(alice, QueueFilters(sort=sort, **kwargs))))

    assert only(category=taxonomy.category("Shoes")) == ["p1", "p2", "p3"]
    assert only(category=taxonomy.category("Shoes", "Men's shoes")) == ["p1", "p2"]
    assert only(attribute_id=taxonomy.value("Material", "leather").attribute_id) == ["p3"]
    assert only(min_score=0.7, max_score=0.8) == ["p3"]
    assert only(search="LEATHER") == ["p3"]  # the title spells it full-width
    assert only(search="ＳＮＥＡＫＥＲ") == ["p1", "p2"]


@pytest.mark.parametrize("probe", PROBES, ids=PROBE_IDS)
def test_a_two_character_search_finds_the_titles_that_hold_it(alice, taxonomy, seller_a, model_version, probe,
                                                              monkeypatch):
    # Two characters are below what a trigram index serves: PostgreSQL answers from the title
    # bigram index (migration catalog 0012), SQLite by a scan; both must find the same.
    use_probe(monkeypatch, *probe)
    sneakers, red = taxonomy.category("Shoes", "Men's shoes", "Sneakers"), taxonomy.value("Color", "red")
    titles = {"m1": "白いマグカップ", "m2": "大きなマグ", "m3": "マ グ", "m4": "Big MUG ＵＳ", "m5": "Tiny"}
    for external_id, title in titles.items():
        suggest(make_product(seller_a, sneakers, external_id, title), red, model_version, 0.9)

    def only(search):
        return sorted(ids(queue_page(alice, QueueFilters(search=search))))

    assert only("マグ") == ["m1", "m2"]
    assert only("mu") == ["m4"]  # another case
    assert only("US") == ["m4"]  # the title spells it full-width
    assert only("ny") == ["m5"]
    assert only("グカ") == ["m1"]
    assert only("zz") == []


def test_it_lists_decided_products_by_status(alice, shelf):
    suggestion = shelf["boot"].suggestions.get()
    review.reject(alice, suggestion.pk)
    assert ids(queue_page(alice, QueueFilters(status=SuggestionStatus.REJECTED))) == ["p3"]
    assert "p3" not in ids(queue_page(alice, QueueFilters()))


@pytest.mark.parametrize("sort", ["uncertain", "confident", "newest"])
def test_it_pages_without_counting(alice, shelf, sort, django_assert_max_num_queries):
    # Ranking, summaries, products, and the rows' shown suggestions.
    with django_assert_max_num_queries(4):
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


def test_a_suggestion_just_above_its_threshold_ranks_as_less_certain_than_one_far_above_it(
    alice, taxonomy, seller_a, model_version
):
    sneakers = taxonomy.category("Shoes", "Men's shoes", "Sneakers")
    red = taxonomy.value("Color", "red")
    near = make_product(seller_a, sneakers, "near", "Near its cut")
    far = make_product(seller_a, sneakers, "far", "Far above its cut")
    # By the distance to 0.5 the 0.5 one would come first; its cut-off is 0.12, the other's 0.2.
    suggest(near, red, model_version, 0.22).__class__.objects.filter(product=near).update(threshold=0.2)
    suggest(far, red, model_version, 0.5).__class__.objects.filter(product=far).update(threshold=0.12)
    page = queue_page(alice, QueueFilters(sort="uncertain"))
    assert ids(page) == ["near", "far"]
    assert page.rows[0]["uncertainty"] == pytest.approx(0.02)


def test_each_row_shows_its_suggestion_and_score_against_its_cut_off(client, alice, shelf):
    from catalog.models import Suggestion

    Suggestion.objects.filter(product=shelf["unsure"], value__name="blue").update(threshold=0.3)
    client.force_login(alice)
    page = client.get(reverse("frontend:queue"), {"sort": "confident"}).content.decode()
    # The sneaker's shown suggestion for this sort is its best (red 0.90), with one more.
    assert "Color = red" in page and "+1 more" in page
    assert "0.90 <span class=\"muted\">/ 0.50</span>" in page
    least = client.get(reverse("frontend:queue")).content.decode()
    assert "Color = blue" in least and "0.52 <span class=\"muted\">/ 0.30</span>" in least


def test_the_queue_shows_totals_reviewed_today_and_a_heading_that_follows_the_filter(client, alice, shelf, taxonomy):
    review.accept(alice, shelf["sure"].suggestions.get().pk)
    client.force_login(alice)
    page = client.get(reverse("frontend:queue")).content.decode()
    assert "<h1>All products, to review</h1>" in page
    assert "2 products" in page and "3 suggestions" in page and "You reviewed 1 today" in page
    color = taxonomy.value("Color", "red").attribute
    page = client.get(reverse("frontend:queue"), {
        "category": taxonomy.category("Shoes", "Men's shoes").pk, "attribute": color.pk, "status": "accepted",
    }).content.decode()
    assert "<h1>Shoes › Men&#x27;s shoes › Color, accepted</h1>" in page


def test_staff_filter_by_seller_and_a_sellers_seller_filter_is_ignored(client, alice, staff, shelf, bobs_tv):
    client.force_login(staff)
    page = client.get(reverse("frontend:queue"), {"seller": bobs_tv.seller_id}).content.decode()
    assert "Bob&#x27;s 55 inch TV" in page and "Sure red sneaker" not in page
    assert f"of {bobs_tv.seller}" in page
    client.force_login(alice)
    page = client.get(reverse("frontend:queue"), {"seller": bobs_tv.seller_id}).content.decode()
    assert "Sure red sneaker" in page and "Bob" not in page and 'name="seller"' not in page


def test_accept_across_the_filter_asks_with_the_count_then_accepts_once(client, alice, shelf, taxonomy):
    from catalog.models import Decision

    client.force_login(alice)
    color = taxonomy.value("Color", "red").attribute
    men = taxonomy.category("Shoes", "Men's shoes")
    query = f"category={men.pk}"
    url = reverse("frontend:queue_accept_across")
    asked = client.post(url, {"queue": query, "min_score": "0.5", "attribute": color.pk})
    assert asked.status_code == 200 and Decision.objects.count() == 0
    # red 0.99, blue 0.52, red 0.90 on the two sneakers (the boot is another category).
    assert "Accept 3 suggestions of Color with confidence at least 0.50 on 2 products?" in asked.content.decode()
    data = {"queue": query, "min_score": "0.5", "attribute": color.pk, "confirm": "on"}
    done = client.post(url, data)
    assert done.status_code == 302 and done["Location"].endswith("?" + query)
    assert Decision.objects.filter(action="accept").count() == 3
    client.post(url, data)  # twice: nothing more
    assert Decision.objects.count() == 3
    assert shelf["boot"].suggestions.get().status == "pending"


def test_ticked_rows_are_accepted_or_rejected(client, alice, shelf):
    client.force_login(alice)
    sure, boot = shelf["sure"].suggestions.get(), shelf["boot"].suggestions.get()
    client.post(reverse("frontend:queue_decide"), {"suggestion": [sure.pk], "action": "accept"})
    client.post(reverse("frontend:queue_decide"), {"suggestion": [boot.pk], "action": "reject"})
    sure.refresh_from_db()
    boot.refresh_from_db()
    assert (sure.status, boot.status) == ("accepted", "rejected")


@pytest.mark.parametrize("sort", ["uncertain", "confident", "newest"])
def test_the_queue_pages_query_count_does_not_grow_with_its_rows(client, alice, shelf, taxonomy, seller_a,
                                                                 model_version, sort):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(alice)
    url = reverse("frontend:queue")
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"sort": sort})
    sneakers = taxonomy.category("Shoes", "Men's shoes", "Sneakers")
    for i in range(20):
        product = make_product(seller_a, sneakers, f"more{i}", f"More {i}")
        suggest(product, taxonomy.value("Color", "red"), model_version, 0.6)
        suggest(product, taxonomy.value("Material", "leather"), model_version, 0.7)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url, {"sort": sort}).content.decode()
    assert page.count('class="row-select"') == 23
    assert len(many) == len(few)


def test_the_product_page_shows_each_score_against_its_cut_off(client, alice, shelf):
    from catalog.models import Suggestion

    Suggestion.objects.filter(product=shelf["boot"]).update(threshold=0.18)
    client.force_login(alice)
    page = client.get(reverse("frontend:product", args=[shelf["boot"].pk])).content.decode()
    assert "0.75</span>" in page and "/ 0.18</span>" in page


def _options(html, select_id):
    import re

    select = re.search(rf'<select name="\w+" id="{select_id}">(.*?)</select>', html, re.S).group(1)
    return [label for _value, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)]


def test_a_large_taxonomy_is_listed_as_a_drill_down_and_the_chosen_categorys_attributes(
    client, alice, shelf, taxonomy, monkeypatch
):
    monkeypatch.setattr("frontend.forms.CATEGORY_CHOICES_LIMIT", 3)  # the taxonomy has 5 categories
    monkeypatch.setattr("frontend.forms.ATTRIBUTE_CHOICES_LIMIT", 3)  # and 4 attributes
    client.force_login(alice)

    page = client.get(reverse("frontend:queue")).content.decode()
    assert _options(page, "id_category") == ["All categories", "Shoes", "TVs"]
    assert _options(page, "id_attribute") == ["All attributes"]
    assert "Choose a category to list its attributes." in page

    men = taxonomy.category("Shoes", "Men's shoes")
    page = client.get(reverse("frontend:queue"), {"category": men.pk}).content.decode()
    assert _options(page, "id_category") == [
        "All categories", "Shoes", "Shoes › Men&#x27;s shoes", "Shoes › Men&#x27;s shoes › Sneakers", "TVs",
    ]
    # Inherited from Shoes, and allowed further down (Sneakers); not Women's shoes' Material.
    assert _options(page, "id_attribute") == ["All attributes", "Color", "Shoe size (cm)"]


def test_a_category_or_attribute_left_out_of_the_lists_still_filters(client, alice, shelf, taxonomy, monkeypatch):
    monkeypatch.setattr("frontend.forms.CATEGORY_CHOICES_LIMIT", 3)
    monkeypatch.setattr("frontend.forms.ATTRIBUTE_CHOICES_LIMIT", 0)
    client.force_login(alice)
    women = taxonomy.category("Shoes", "Women's shoes")
    leather = taxonomy.value("Material", "leather")

    page = client.get(reverse("frontend:queue"), {"category": women.pk, "attribute": leather.attribute_id})

    assert [row["product"].external_id for row in page.context["page"].rows] == ["p3"]
    assert _options(page.content.decode(), "id_attribute") == ["All attributes", "Material"]


@pytest.mark.parametrize("probe", PROBES, ids=PROBE_IDS)
def test_totals_count_what_the_filter_matches(alice, shelf, taxonomy, probe, monkeypatch):
    use_probe(monkeypatch, *probe)
    men = taxonomy.category("Shoes", "Men's shoes")

    assert totals(alice, QueueFilters()) == {
        "products": 3, "products_capped": False, "suggestions": 4, "suggestions_capped": False,
    }
    assert totals(alice, QueueFilters(category=men)) == {
        "products": 2, "products_capped": False, "suggestions": 3, "suggestions_capped": False,
    }
    assert totals(alice, QueueFilters(search="LEATHER"))["products"] == 1
    assert totals(alice, QueueFilters(search="nothing like it"))["products"] == 0


def test_totals_say_at_least_the_cap_beyond_it(client, alice, shelf, monkeypatch):
    monkeypatch.setattr("frontend.queue.TOTAL_PRODUCTS_CAP", 2)
    monkeypatch.setattr("frontend.queue.TOTAL_SUGGESTIONS_CAP", 3)

    assert totals(alice, QueueFilters()) == {
        "products": 2, "products_capped": True, "suggestions": 3, "suggestions_capped": True,
    }
    client.force_login(alice)
    page = client.get(reverse("frontend:queue")).content.decode()
    assert "at least 2 products" in page and "at least 3 suggestions" in page
