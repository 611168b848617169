"""Every page and API list makes as many queries for many rows as for a few (no N+1).

Each URL is asked twice on a small catalogue and twice again after more of everything it
lists has been added (products, suggestions, decisions, labels, runs, versions, taxonomy); the
second answer of each pair is counted, so that a cache filled by the first does not count.
"""
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from catalog.models import Decision, DecisionAction, ProductLabel, Suggestion, SuggestionStatus
from ml.models import ModelVersion, RunStatus, TrainingRun
from taxonomy.models import Attribute, AttributeValue
from tests.conftest import make_product, suggest

pytestmark = pytest.mark.django_db

_serial = itertools.count()


def grow(taxonomy, seller, version, user, products: int) -> None:
    """Add products of two categories, each with suggestions (some decided) and labels, and
    as many finished runs with their versions and new attribute values."""
    sneakers, tvs = taxonomy.category("Shoes", "Men's shoes", "Sneakers"), taxonomy.category("TVs")
    for _ in range(products):
        n = next(_serial)
        sneaker = make_product(seller, sneakers, f"S-{n}", f"sneaker {n} red 26.0cm")
        red = suggest(sneaker, taxonomy.value("Color", "red"), version, 0.9)
        suggest(sneaker, taxonomy.value("Color", "blue"), version, 0.2)
        suggest(sneaker, taxonomy.value("Shoe size (cm)", "26.0"), version, 0.6)
        ProductLabel.objects.create(product=sneaker, value=taxonomy.value("Shoe size (cm)", "25.0"), source="import")
        Suggestion.objects.filter(pk=red.pk).update(status=SuggestionStatus.ACCEPTED)
        Decision.objects.create(suggestion=red, action=DecisionAction.ACCEPT, user=user, model_version=version, score=0.9)
        tv = make_product(seller, tvs, f"T-{n}", f"tv {n} 55 inch")
        suggest(tv, taxonomy.value("Screen size", "55 inch"), version, 0.8)
        suggest(tv, taxonomy.value("Color", "black"), version, 0.4)
        run = TrainingRun.objects.create(status=RunStatus.SUCCEEDED, requested_by=user, parameters={"epochs": 1},
                                         metrics={"micro_f1": 0.5})
        ModelVersion.objects.create(run=run, artifact_uri=f"/nowhere/{n}", checksum="0" * 64, encoder="test",
                                    metrics={"micro_f1": 0.5})
        AttributeValue.objects.create(attribute=Attribute.objects.get(name="Material"), name=f"material {n}")


def second_count(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


SELLER_PAGES = [
    "/queue/", "/queue/?sort=confident", "/queue/?sort=newest", "/queue/?q=sneaker",
    "/queue/?status=accepted", "/queue/?category={sneakers}", "/queue/?category={sneakers}&q=red&sort=confident",
    "/products/{product}/",
    "/api/products/", "/api/review/suggestions/", "/api/review/suggestions/?status=pending",
]
STAFF_PAGES = [
    "/staff/", "/staff/runs/", "/staff/versions/", "/queue/",
    "/api/products/", "/api/sellers/", "/api/training-runs/", "/api/model-versions/",
    "/api/categories/", "/api/attributes/", "/api/attribute-values/", "/api/category-attributes/",
    "/api/review/suggestions/",
]


@pytest.fixture
def browsers(alice, staff):
    clients = {}
    for name, user in (("seller", alice), ("staff", staff)):
        client = APIClient()
        client.force_login(user)
        clients[name] = client
    return clients


@pytest.mark.parametrize("role,url", [("seller", url) for url in SELLER_PAGES] + [("staff", url) for url in STAFF_PAGES])
def test_a_page_makes_as_many_queries_for_many_rows_as_for_a_few(
    role, url, browsers, taxonomy, seller_a, alice, model_version, sneaker_suggestions, sneaker
):
    url = url.format(sneakers=taxonomy.category("Shoes", "Men's shoes", "Sneakers").pk, product=sneaker.pk)
    grow(taxonomy, seller_a, model_version, alice, 2)
    few = second_count(browsers[role], url)
    grow(taxonomy, seller_a, model_version, alice, 8)
    many = second_count(browsers[role], url)
    assert many == few, f"{url} as {role}: {few} queries with 2 products of each kind, {many} with 10"


def test_a_product_page_makes_as_many_queries_for_many_suggestions_as_for_one(browsers, taxonomy, sneaker, model_version):
    suggest(sneaker, taxonomy.value("Color", "red"), model_version, 0.9)
    few = second_count(browsers["seller"], f"/products/{sneaker.pk}/")
    for attribute, value in (("Color", "blue"), ("Color", "black"), ("Shoe size (cm)", "25.0"), ("Shoe size (cm)", "26.0")):
        suggest(sneaker, taxonomy.value(attribute, value), model_version, 0.5)
    ProductLabel.objects.create(product=sneaker, value=taxonomy.value("Color", "black"), source="import")
    many = second_count(browsers["seller"], f"/products/{sneaker.pk}/")
    assert many == few, f"product page: {few} queries with 1 suggestion, {many} with 5 and a label"
