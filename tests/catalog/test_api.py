"""Products through the API. Alice (seller A) and Bob (seller B) never see each other's products."""
import io
import json

import pytest
from django.urls import reverse
from rest_framework import status

from catalog.models import Product
from catalog.products import create_product

from ..conftest import jsonl_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def alices_sneaker(taxonomy, seller_a):
    return create_product(
        seller=seller_a, external_id="A-1", category=taxonomy.category("Shoes", "Men's shoes", "Sneakers"),
        title="Red sneaker", labels=[taxonomy.value("Color", "red").pk],
    )


@pytest.fixture
def bobs_tv(taxonomy, seller_b):
    return create_product(seller=seller_b, external_id="B-1", category=taxonomy.category("TVs"), title="Big TV")


def _detail(product, suffix=""):
    return reverse("product-detail", args=[product.pk]) + suffix


def _ids(response):
    return [row["external_id"] for row in response.json()["results"]]


def test_it_lists_only_the_sellers_own_products(alice_api, bob_api, alices_sneaker, bobs_tv):
    assert _ids(alice_api.get(reverse("product-list"))) == ["A-1"]
    assert _ids(bob_api.get(reverse("product-list"))) == ["B-1"]


def test_it_lists_every_product_to_staff(staff_api, alices_sneaker, bobs_tv):
    assert _ids(staff_api.get(reverse("product-list"))) == ["A-1", "B-1"]


def test_it_shows_nothing_to_a_user_without_a_seller(nobody_api, alices_sneaker):
    assert _ids(nobody_api.get(reverse("product-list"))) == []
    assert nobody_api.post(reverse("product-list"), {}, format="json").status_code == status.HTTP_403_FORBIDDEN


def test_it_asks_anonymous_users_to_sign_in(anonymous_api, alices_sneaker):
    assert anonymous_api.get(reverse("product-list")).status_code in (401, 403)
    assert anonymous_api.get(reverse("category-list")).status_code in (401, 403)


def test_it_hides_another_sellers_product_from_every_endpoint(bob_api, alices_sneaker, taxonomy):
    red = taxonomy.value("Color", "red").pk
    blue = taxonomy.value("Color", "blue").pk
    attempts = [
        bob_api.get(_detail(alices_sneaker)),
        bob_api.patch(_detail(alices_sneaker), {"title": "mine now"}, format="json"),
        bob_api.put(_detail(alices_sneaker), {"external_id": "A-1", "category": alices_sneaker.category_id, "title": "x"}, format="json"),
        bob_api.delete(_detail(alices_sneaker)),
        bob_api.get(_detail(alices_sneaker, "labels/")),
        bob_api.post(_detail(alices_sneaker, "labels/"), {"value": blue}, format="json"),
        bob_api.delete(_detail(alices_sneaker, f"labels/{red}/")),
    ]

    assert [response.status_code for response in attempts] == [404] * len(attempts)
    alices_sneaker.refresh_from_db()
    assert alices_sneaker.title == "Red sneaker"
    assert [label.value_id for label in alices_sneaker.labels.all()] == [red]


def test_it_keeps_another_sellers_products_out_of_exports_and_stats(bob_api, alices_sneaker, bobs_tv):
    export = bob_api.get(reverse("product-export"))
    lines = [json.loads(line) for line in b"".join(export.streaming_content).decode().splitlines()]
    assert [line["id"] for line in lines] == ["B-1"]
    assert bob_api.get(reverse("catalog-stats")).json()["products"] == 1
    assert bob_api.get(reverse("catalog-stats"), {"seller": "shop-a"}).json()["products"] == 0


def test_it_refuses_an_import_of_another_sellers_products(bob_api, alices_sneaker):
    line = {"id": "A-1", "category": ["TVs"], "title": "hijacked", "seller": "shop-a"}

    named_in_line = bob_api.post(reverse("product-import"), {"file": jsonl_file(line)}, format="multipart")
    named_in_form = bob_api.post(reverse("product-import"), {"file": jsonl_file(line), "seller": "shop-a"}, format="multipart")

    assert named_in_line.status_code == status.HTTP_400_BAD_REQUEST
    assert named_in_line.json()["problems"] == [
        {"line": 1, "field": "seller", "reason": "you may import products of seller 'shop-b' only, not 'shop-a'"}
    ]
    assert named_in_form.status_code == status.HTTP_400_BAD_REQUEST
    assert named_in_form.json() == {"seller": ["You can only import products of your own seller."]}
    alices_sneaker.refresh_from_db()
    assert alices_sneaker.title == "Red sneaker"


def test_it_imports_lines_without_seller_into_the_importers_own_seller(bob_api, alices_sneaker):
    line = {"id": "A-1", "category": ["TVs"], "title": "Bob's own A-1", "labels": [["Screen size", "32 inch"]]}

    response = bob_api.post(reverse("product-import"), {"file": jsonl_file(line)}, format="multipart")

    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 1
    assert sorted(Product.objects.values_list("seller__slug", "title")) == [("shop-a", "Red sneaker"), ("shop-b", "Bob's own A-1")]


def test_it_lets_staff_import_for_any_seller(staff_api, taxonomy, seller_a):
    lines = [{"id": "1", "category": ["TVs"], "title": "TV"}, {"id": "2", "category": ["TVs"], "title": "TV", "seller": "shop-z"}]

    without_seller = staff_api.post(reverse("product-import"), {"file": jsonl_file(*lines)}, format="multipart")
    with_seller = staff_api.post(reverse("product-import"), {"file": jsonl_file(*lines), "seller": "shop-a"}, format="multipart")

    assert without_seller.status_code == 400
    assert [p["line"] for p in without_seller.json()["problems"]] == [1]
    assert with_seller.status_code == 200
    assert with_seller.json()["sellers_created"] == 1
    assert sorted(Product.objects.values_list("seller__slug", "external_id")) == [("shop-a", "1"), ("shop-z", "2")]


def test_it_answers_a_bad_file_with_every_problem(alice_api, taxonomy):
    response = alice_api.post(reverse("product-import"), {"file": jsonl_file("{", b"\xff")}, format="multipart")
    assert response.status_code == 400
    body = response.json()
    assert body["problem_count"] == 2 and [p["line"] for p in body["problems"]] == [1, 2]


def test_it_creates_a_product_for_the_sellers_own_seller(alice_api, taxonomy, seller_b):
    payload = {"external_id": "A-7", "category": taxonomy.category("TVs").pk, "title": "TV",
               "label_values": [taxonomy.value("Screen size", "55 inch").pk]}

    response = alice_api.post(reverse("product-list"), payload, format="json")
    as_b = alice_api.post(reverse("product-list"), {**payload, "external_id": "A-8", "seller": "shop-b"}, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["seller"] == "shop-a"
    assert [label["value_name"] for label in response.json()["labels"]] == ["55 inch"]
    assert as_b.status_code == 400
    assert not Product.objects.filter(seller=seller_b).exists()


def test_it_requires_staff_to_name_the_seller(staff_api, taxonomy, seller_b):
    payload = {"external_id": "S-1", "category": taxonomy.category("TVs").pk, "title": "TV"}
    assert staff_api.post(reverse("product-list"), payload, format="json").status_code == 400
    response = staff_api.post(reverse("product-list"), {**payload, "seller": "shop-b"}, format="json")
    assert response.status_code == 201 and response.json()["seller"] == "shop-b"


def test_it_refuses_an_irrelevant_label_with_a_clear_message(alice_api, alices_sneaker, taxonomy):
    response = alice_api.post(_detail(alices_sneaker, "labels/"), {"value": taxonomy.value("Screen size", "32 inch").pk}, format="json")
    assert response.status_code == 400
    assert "Screen size: 32 inch is not relevant to category Shoes > Men's shoes > Sneakers" in response.json()["value"][0]


def test_it_adds_and_removes_labels(alice_api, alices_sneaker, taxonomy):
    blue = taxonomy.value("Color", "blue").pk
    added = alice_api.post(_detail(alices_sneaker, "labels/"), {"value": blue}, format="json")
    assert added.status_code == 201 and added.json()["source"] == "seller"
    assert [l["value_name"] for l in alice_api.get(_detail(alices_sneaker, "labels/")).json()] == ["blue", "red"]
    assert alice_api.delete(_detail(alices_sneaker, f"labels/{blue}/")).status_code == 204
    assert alice_api.delete(_detail(alices_sneaker, f"labels/{blue}/")).status_code == 404


def test_it_updates_and_deletes_own_products(alice_api, alices_sneaker, taxonomy):
    response = alice_api.patch(_detail(alices_sneaker), {"category": taxonomy.category("TVs").pk}, format="json")
    assert response.status_code == 200
    assert response.json()["category_path"] == ["TVs"] and response.json()["labels"] == []
    assert alice_api.delete(_detail(alices_sneaker)).status_code == 204
    assert not Product.objects.exists()


def test_it_refuses_to_move_a_product_to_another_seller(alice_api, alices_sneaker, seller_b):
    assert alice_api.patch(_detail(alices_sneaker), {"seller": "shop-b"}, format="json").status_code == 400


def test_it_filters_and_searches(staff_api, alices_sneaker, bobs_tv, taxonomy):
    def ids(**params):
        return _ids(staff_api.get(reverse("product-list"), params))

    assert ids(seller="shop-b") == ["B-1"]
    assert ids(category=taxonomy.category("TVs").pk) == ["B-1"]
    assert ids(within=taxonomy.category("Shoes").pk) == ["A-1"]
    assert ids(has_labels="true") == ["A-1"]
    assert ids(has_labels="false") == ["B-1"]
    assert ids(label=taxonomy.value("Color", "red").pk) == ["A-1"]
    assert ids(search="sneak") == ["A-1"]
    assert ids(ordering="-external_id") == ["B-1", "A-1"]


def test_it_paginates(staff_api, taxonomy, seller_a):
    for i in range(5):
        create_product(seller=seller_a, external_id=f"P-{i}", category=taxonomy.category("TVs"), title="TV")
    page = staff_api.get(reverse("product-list"), {"page_size": 2}).json()
    assert page["count"] == 5 and len(page["results"]) == 2 and page["next"]


def test_it_lists_sellers_by_role(alice_api, staff_api, seller_a, seller_b):
    assert [s["slug"] for s in alice_api.get(reverse("seller-list")).json()["results"]] == ["shop-a"]
    assert [s["slug"] for s in staff_api.get(reverse("seller-list")).json()["results"]] == ["shop-a", "shop-b"]
    assert alice_api.get(reverse("seller-detail", args=[seller_b.pk])).status_code == 404


def test_it_imports_and_exports_csv(alice_api, taxonomy):
    upload = io.BytesIO(b"id,category,title,Screen size\nA-5,TVs,TV,55 inch\n")
    upload.name = "catalogue.csv"

    imported = alice_api.post(reverse("product-import"), {"file": upload}, format="multipart")
    exported = alice_api.get(reverse("product-export"), {"file_format": "csv"})

    assert imported.status_code == 200 and imported.json()["created"] == 1
    assert exported["Content-Type"].startswith("text/csv")
    assert b"".join(exported.streaming_content).decode().splitlines() == [
        "id,category,title,description,seller,Screen size", "A-5,TVs,TV,,shop-a,55 inch"
    ]
