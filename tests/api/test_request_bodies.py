"""Request bodies (config/parsers.py): bounded in size and depth, and no text that cannot be stored.

Bob names the seller shop-a in some tests; Alice (shop-a) is the seller who writes products.
"""
import io
import json

import pytest
from django.urls import reverse
from rest_framework import status

from catalog.models import Product
from config.parsers import MAX_JSON_DEPTH, json_depth
from ml.models import TrainingRun

from ..conftest import jsonl_file

pytestmark = pytest.mark.django_db


def _post_json(client, url, body: str):
    return client.generic("POST", url, body, content_type="application/json")


def _product(taxonomy, **fields):
    return {"external_id": "A-9", "category": taxonomy.category("TVs").pk, "title": "TV", **fields}


def test_a_body_nested_100k_deep_is_refused_with_400(alice_api, taxonomy):
    response = _post_json(alice_api, reverse("product-list"), "[" * 100_000 + "]" * 100_000)

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert f"nested deeper than {MAX_JSON_DEPTH} levels" in response.json()["detail"]


def test_an_unclosed_body_nested_100k_deep_is_refused_with_400(alice_api, taxonomy):
    response = _post_json(alice_api, reverse("product-list"), '{"a":' * 100_000)

    assert response.status_code == status.HTTP_400_BAD_REQUEST


def test_brackets_inside_strings_do_not_count_as_nesting():
    assert json_depth('{"title": "[[[[{{{{ \\" ]]"}') == 1
    assert json_depth('[[1], {"a": [2]}]') == 3
    assert json_depth('"unterminated \\') == 0
    assert json_depth("") == 0


def test_a_json_body_over_the_upload_limit_is_refused_with_a_json_413_giving_the_limit(alice_api, taxonomy, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    alice_api.raise_request_exception = False

    response = _post_json(alice_api, reverse("product-list"), json.dumps(_product(taxonomy, description="x" * 2_000)))

    assert response.status_code == status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    assert "1,000 bytes" in response.json()["detail"]
    assert not Product.objects.exists()


def test_a_nul_byte_in_a_training_parameter_is_refused_with_its_field(staff_api):
    # PostgreSQL's jsonb cannot hold \u0000: this was a 500 after the run row's INSERT failed.
    response = staff_api.post(reverse("training-run-list"), {"parameters": {"encoder": "bad\x00"}}, format="json")

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == {"parameters": {"encoder": ["contains a NUL character (\\u0000)"]}}
    assert not TrainingRun.objects.exists()


def test_a_lone_surrogate_in_a_training_parameter_is_refused_with_its_field(staff_api):
    response = _post_json(staff_api, reverse("training-run-list"), '{"parameters": {"device": "\\ud800"}}')

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert list(response.json()["parameters"]) == ["device"]
    assert "lone surrogate" in response.json()["parameters"]["device"][0]
    assert not TrainingRun.objects.exists()


def test_a_nul_byte_in_a_key_is_refused(staff_api):
    response = staff_api.post(reverse("training-run-list"), {"parameters": {"epochs\x00": 1}}, format="json")

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == {"parameters": ["a key contains a NUL character (\\u0000)"]}


def test_a_nul_byte_in_a_seller_slug_is_refused_with_its_field(staff_api, taxonomy, seller_a):
    # A slug lookup with NUL failed in PostgreSQL's driver (500) instead of answering 400.
    response = staff_api.post(reverse("product-list"), _product(taxonomy, seller="shop-\x00"), format="json")

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == {"seller": ["contains a NUL character (\\u0000)"]}


def test_a_nul_byte_in_an_import_form_field_is_refused_with_its_field(staff_api, seller_a):
    line = {"id": "A-1", "category": ["TVs"], "title": "TV"}

    response = staff_api.post(reverse("product-import"), {"file": jsonl_file(line), "seller": "shop-a\x00"}, format="multipart")

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == {"seller": ["contains a NUL character (\\u0000)"]}
    assert not Product.objects.exists()


def test_a_nul_byte_in_a_form_encoded_body_is_refused_with_its_field(alice_api, taxonomy):
    response = alice_api.post(reverse("product-list"), _product(taxonomy, title="T\x00V"))  # multipart by default

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == {"title": ["contains a NUL character (\\u0000)"]}


def test_an_upload_over_the_limit_is_refused_with_413_before_it_is_read(alice_api, taxonomy, settings):
    settings.ZOKUSEI_MAX_UPLOAD_BYTES = 1_024
    upload = io.BytesIO(b'{"id": "1"}\n' * 200)
    upload.name = "products.jsonl"

    response = alice_api.post(reverse("product-import"), {"file": upload}, format="multipart")

    assert response.status_code == status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    assert "larger than the 1,024 bytes" in response.json()["detail"]
    assert not Product.objects.exists()
