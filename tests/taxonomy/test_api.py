"""The taxonomy through the API: every signed-in user reads it, taxonomy admins change it."""
import json

import pytest
from django.urls import reverse
from rest_framework import status

from catalog.products import create_product
from taxonomy.models import Category, CategoryAttribute

from ..conftest import SMALL_TAXONOMY, taxonomy_file

pytestmark = pytest.mark.django_db


def test_it_shows_the_tree_to_any_signed_in_user(nobody_api, taxonomy):
    rows = nobody_api.get(reverse("category-list"), {"page_size": 100}).json()["results"]
    by_path = {" > ".join(row["path"]): row for row in rows}
    assert list(by_path) == ["Shoes", "Shoes > Men's shoes", "Shoes > Men's shoes > Sneakers", "Shoes > Women's shoes", "TVs"]
    assert by_path["Shoes > Men's shoes > Sneakers"]["is_leaf"] and not by_path["Shoes"]["is_leaf"]
    assert by_path["Shoes > Men's shoes"]["depth"] == 1


def test_it_filters_top_categories_and_children(alice_api, taxonomy):
    top = alice_api.get(reverse("category-list"), {"depth": 0}).json()["results"]
    children = alice_api.get(reverse("category-list"), {"parent": taxonomy.category("Shoes").pk}).json()["results"]
    assert [c["name"] for c in top] == ["Shoes", "TVs"]
    assert [c["name"] for c in children] == ["Men's shoes", "Women's shoes"]


def test_it_gives_the_relevant_labels_of_a_category(alice_api, taxonomy):
    sneakers = taxonomy.category("Shoes", "Men's shoes", "Sneakers")
    labels = alice_api.get(reverse("category-relevant-labels", args=[sneakers.pk])).json()
    assert [(l["attribute"], l["value"]) for l in labels] == [
        ("Color", "black"), ("Color", "blue"), ("Color", "red"), ("Shoe size (cm)", "25.0"), ("Shoe size (cm)", "26.0"),
    ]


def test_it_shows_attributes_with_values_and_aliases(alice_api, taxonomy):
    colors = alice_api.get(reverse("attribute-list"), {"search": "Color"}).json()["results"][0]
    assert {v["name"]: v["aliases"] for v in colors["values"]}["red"] == ["coral", "赤"]


def test_it_refuses_taxonomy_changes_from_non_admins(alice_api, staff_api, taxonomy):
    shoes = taxonomy.category("Shoes")
    for client in (alice_api, staff_api):
        assert client.post(reverse("category-list"), {"name": "Hats"}, format="json").status_code == 403
        assert client.patch(reverse("category-detail", args=[shoes.pk]), {"name": "Boots"}, format="json").status_code == 403
        assert client.post(reverse("attribute-list"), {"name": "Weight"}, format="json").status_code == 403
        assert client.delete(reverse("category-attribute-detail", args=[CategoryAttribute.objects.first().pk])).status_code == 403
        upload = client.post(reverse("taxonomy-import"), {"file": taxonomy_file(SMALL_TAXONOMY)}, format="multipart")
        assert upload.status_code == 403
    assert not Category.objects.filter(name__in=["Hats", "Boots"]).exists()


def test_it_lets_admins_edit_the_tree_and_assignments(admin_api, taxonomy):
    shoes = taxonomy.category("Shoes")
    created = admin_api.post(reverse("category-list"), {"name": "Boots", "parent": shoes.pk}, format="json")
    assert created.status_code == 201 and created.json()["path"] == ["Shoes", "Boots"]
    boots = created.json()["id"]

    material = taxonomy.value("Material", "canvas").attribute_id
    canvas = taxonomy.value("Material", "canvas").pk
    assigned = admin_api.post(
        reverse("category-attribute-list"),
        {"category": boots, "attribute": material, "all_values": False, "values": [canvas]}, format="json",
    )
    assert assigned.status_code == 201, assigned.json()
    labels = admin_api.get(reverse("category-relevant-labels", args=[boots])).json()
    assert ("Material", "canvas") in {(l["attribute"], l["value"]) for l in labels}


def test_it_refuses_values_of_another_attribute_in_an_assignment(admin_api, taxonomy):
    tvs = taxonomy.category("TVs")
    response = admin_api.post(
        reverse("category-attribute-list"),
        {"category": tvs.pk, "attribute": taxonomy.value("Material", "canvas").attribute_id, "all_values": False,
         "values": [taxonomy.value("Color", "red").pk]}, format="json",
    )
    assert response.status_code == 400 and "Not values of Material: red" in response.json()["values"][0]


def test_it_refuses_a_duplicate_category_and_a_cycle(admin_api, taxonomy):
    shoes = taxonomy.category("Shoes")
    assert admin_api.post(reverse("category-list"), {"name": "TVs"}, format="json").status_code == 400
    sneakers = taxonomy.category("Shoes", "Men's shoes", "Sneakers")
    moved = admin_api.patch(reverse("category-detail", args=[shoes.pk]), {"parent": sneakers.pk}, format="json")
    assert moved.status_code == 400


def test_it_answers_conflict_when_deleting_a_category_with_products(admin_api, taxonomy, seller_a):
    tvs = taxonomy.category("TVs")
    create_product(seller=seller_a, external_id="1", category=tvs, title="TV")
    assert admin_api.delete(reverse("category-detail", args=[tvs.pk])).status_code == status.HTTP_409_CONFLICT


def test_it_imports_a_taxonomy_file_for_admins(admin_api, db):
    response = admin_api.post(reverse("taxonomy-import"), {"file": taxonomy_file(SMALL_TAXONOMY)}, format="multipart")
    assert response.status_code == 200
    assert response.json()["categories_created"] == 5


def test_it_answers_a_bad_taxonomy_file_with_its_problems(admin_api, db):
    response = admin_api.post(reverse("taxonomy-import"), {"file": taxonomy_file({"attributes": []})}, format="multipart")
    assert response.status_code == 400
    assert response.json()["problems"] == [{"line": 1, "field": "categories", "reason": "missing field"}]


def test_it_exports_the_taxonomy_to_any_signed_in_user(nobody_api, taxonomy):
    response = nobody_api.get(reverse("taxonomy-export"))
    assert response.status_code == 200
    assert json.loads(response.content) == SMALL_TAXONOMY


def test_a_category_whose_path_would_not_fit_its_index_is_refused_with_the_field(admin_api, taxonomy):
    # Nine levels of 255-character names are 2,303 bytes; a tenth passes the 2,400 bound that
    # keeps path_key under PostgreSQL's B-tree entry limit (a 500 before, on PostgreSQL).
    parent = None
    for level in range(9):
        answer = admin_api.post(reverse("category-list"), {"name": f"{level}" * 255, "parent": parent}, format="json")
        assert answer.status_code == 201, answer.json()
        parent = answer.json()["id"]
    count = Category.objects.count()

    refused = admin_api.post(reverse("category-list"), {"name": "x" * 255, "parent": parent}, format="json")

    assert refused.status_code == 400 and "Category path too long" in refused.json()["name"][0]
    assert Category.objects.count() == count


def test_renaming_a_category_counts_the_path_of_its_deepest_subcategory(admin_api, taxonomy):
    # 2,303 bytes below the top's first character; 255 あ (765 bytes) for its 255 ASCII ones
    # would carry the deepest path past the bound, 50 (150 bytes) would not.
    parent = None
    for level in range(9):
        parent = admin_api.post(reverse("category-list"), {"name": f"{level}" * 255, "parent": parent}, format="json").json()["id"]
    top = Category.objects.get(depth=0, name="0" * 255)

    refused = admin_api.patch(reverse("category-detail", args=[top.pk]), {"name": "あ" * 255}, format="json")
    accepted = admin_api.patch(reverse("category-detail", args=[top.pk]), {"name": "あ" * 50}, format="json")

    assert refused.status_code == 400 and "deepest subcategory" in refused.json()["name"][0]
    assert accepted.status_code == 200


def test_deleting_a_used_value_through_the_api_removes_it_from_products_as_the_admin_does(
        admin_api, alice, sneaker, sneaker_suggestions, taxonomy, django_capture_on_commit_callbacks):
    # One rule wherever a value is deleted (catalog/models.py, ProductLabel): the API used to
    # answer 409 where the admin removed the labels.
    from catalog import review
    from catalog.models import Decision, ProductLabel, Suggestion
    from catalog.signals import products_changed

    red = taxonomy.value("Color", "red")
    review.accept(alice, sneaker_suggestions["red"].pk)
    review.correct(alice, sneaker_suggestions["blue"].pk, red.pk)
    changed = []
    products_changed.connect(lambda sender, product_ids, **kw: changed.extend(product_ids), weak=False,
                             dispatch_uid="test-value-deleted")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_api.delete(reverse("attribute-value-detail", args=[red.pk]))
    finally:
        products_changed.disconnect(dispatch_uid="test-value-deleted")

    assert response.status_code == status.HTTP_204_NO_CONTENT
    assert not ProductLabel.objects.filter(product=sneaker).exists() and not Decision.objects.exists()
    assert Suggestion.objects.filter(product=sneaker).count() == 3
    assert changed == [sneaker.pk]  # the product is scored again
