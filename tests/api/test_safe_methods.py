"""HEAD and OPTIONS change nothing, on any API URL (HEAD on labels/ once added a label)."""
import json

import pytest
from django.apps import apps
from django.urls import reverse
from drf_spectacular.generators import EndpointEnumerator

from catalog.models import ProductLabel, Suggestion
from catalog.products import create_product
from ml.models import ModelVersion, TrainingRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(taxonomy, seller_a, staff):
    product = create_product(
        seller=seller_a, external_id="A-1", category=taxonomy.category("Shoes"), title="Red shoe",
        labels=[taxonomy.value("Color", "red").pk],
    )
    version = ModelVersion.objects.create(artifact_uri="test", checksum="0" * 64, is_active=True)
    suggestion = Suggestion.objects.create(product=product, value=taxonomy.value("Color", "blue"), model_version=version, score=0.9)
    run = TrainingRun.objects.create(requested_by=staff, parameters={})
    return {"product": product, "version": version, "suggestion": suggestion, "run": run,
            "value": taxonomy.value("Color", "black")}


def _row_counts():
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def _api_urls(rows):
    """Every API route with its ids filled in by rows that exist.

    Built from the schema's path templates (prefixes included), not reverse(): the point is to
    reach every route, named or not."""
    ids = [("review/suggestions", rows["suggestion"].pk), ("review/products", rows["product"].pk),
           ("products", rows["product"].pk), ("training-runs", rows["run"].pk),
           ("model-versions", rows["version"].pk), ("attribute-values", rows["value"].pk),
           ("categories", rows["product"].category_id), ("attributes", rows["value"].attribute_id)]
    urls = set()
    for path, _regex, _method, _view in EndpointEnumerator().get_api_endpoints():
        object_id = next((pk for prefix, pk in ids if path.startswith(f"/api/{prefix}/")), 1)
        urls.add(path.replace("{id}", str(object_id)).replace("{pk}", str(object_id))
                 .replace("{value_id}", str(rows["value"].pk)))
    return sorted(urls | {reverse("api-docs"), reverse("api-redoc"), reverse("schema")})


def test_head_on_a_products_labels_adds_no_label(alice_api, rows):
    url = reverse("product-labels", args=[rows["product"].pk])
    body = json.dumps({"value": rows["value"].pk})

    response = alice_api.generic("HEAD", url, body, content_type="application/json")

    assert response.status_code == 200
    assert list(ProductLabel.objects.values_list("value__name", flat=True)) == ["red"]


@pytest.mark.parametrize("user", ["admin", "alice"])
def test_head_and_options_change_no_row_on_any_api_url(request, rows, user):
    client = request.getfixturevalue(f"{user}_api")
    client.raise_request_exception = False
    body = json.dumps({"value": rows["value"].pk, "value_name": "black", "attribute": rows["value"].attribute_id,
                       "min_score": 0.0, "name": "new", "parameters": {}})
    urls = _api_urls(rows)
    assert len(urls) > 20 and reverse("product-labels", args=[rows["product"].pk]) in urls
    before = _row_counts()

    for url in urls:
        for method in ("HEAD", "OPTIONS"):
            response = client.generic(method, url, body, content_type="application/json")
            assert response.status_code < 500, (method, url)

    assert _row_counts() == before
