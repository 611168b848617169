"""No answer tells a seller which products or sellers of others exist.

Bob (seller B) asks about Alice's product and seller, and about ones that do not exist: the
answers must be the same, byte for byte.
"""
import pytest
from django.urls import reverse
from rest_framework import status

from catalog.models import Product, Seller, Suggestion
from catalog.products import create_product
from ml.models import ModelVersion

from ..conftest import jsonl_file

pytestmark = pytest.mark.django_db

MISSING_ID = 987_654


@pytest.fixture
def alices_suggested_shoe(taxonomy, seller_a):
    product = create_product(seller=seller_a, external_id="A-1", category=taxonomy.category("Shoes"), title="Red shoe")
    version = ModelVersion.objects.create(artifact_uri="test", checksum="0" * 64, is_active=True)
    Suggestion.objects.create(product=product, value=taxonomy.value("Color", "red"), model_version=version, score=0.9)
    return product


def _same(first, second):
    assert (first.status_code, first.content) == (second.status_code, second.content)
    return first


def test_filtering_suggestions_by_another_sellers_product_answers_as_for_a_missing_one(bob_api, alices_suggested_shoe):
    url = reverse("review-suggestion-list")

    response = _same(bob_api.get(url, {"product": alices_suggested_shoe.pk}), bob_api.get(url, {"product": MISSING_ID}))

    assert response.status_code == status.HTTP_200_OK
    assert response.json()["results"] == []


def test_the_product_filter_still_finds_the_users_own_suggestions(alice_api, alices_suggested_shoe):
    response = alice_api.get(reverse("review-suggestion-list"), {"product": alices_suggested_shoe.pk})

    assert [row["product"] for row in response.json()["results"]] == [alices_suggested_shoe.pk]


def test_creating_a_product_of_another_seller_answers_as_for_a_missing_seller(bob_api, taxonomy, seller_a):
    def create(slug):
        body = {"seller": slug, "external_id": "B-9", "category": taxonomy.category("TVs").pk, "title": "TV"}
        return bob_api.post(reverse("product-list"), body, format="json")

    response = _same(create("shop-a"), create("no-such-shop"))

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == {"seller": ["You can only write products of your own seller."]}
    assert not Product.objects.exists()


def test_importing_for_another_seller_answers_as_for_a_missing_seller(bob_api, seller_a):
    def import_for(slug):
        form = {"file": jsonl_file({"id": "B-9", "category": ["TVs"], "title": "TV"}), "seller": slug}
        return bob_api.post(reverse("product-import"), form, format="multipart")

    response = _same(import_for("shop-a"), import_for("no-such-shop"))

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == {"seller": ["You can only import products of your own seller."]}
    assert not Product.objects.exists()


def test_staff_may_name_any_seller_and_hear_which_do_not_exist(staff_api, taxonomy, seller_a):
    body = {"external_id": "A-9", "category": taxonomy.category("TVs").pk, "title": "TV"}

    created = staff_api.post(reverse("product-list"), {**body, "seller": "shop-a"}, format="json")
    missing = staff_api.post(reverse("product-list"), {**body, "seller": "no-such-shop"}, format="json")

    assert created.status_code == status.HTTP_201_CREATED
    assert missing.status_code == status.HTTP_400_BAD_REQUEST
    assert missing.json() == {"seller": ['No seller has the slug "no-such-shop".']}
    assert not Seller.objects.filter(slug="no-such-shop").exists()


def test_a_seller_may_still_name_their_own_seller(alice_api, taxonomy, seller_a):
    body = {"seller": "shop-a", "external_id": "A-9", "category": taxonomy.category("TVs").pk, "title": "TV"}

    assert alice_api.post(reverse("product-list"), body, format="json").status_code == status.HTTP_201_CREATED
