"""A demo seller signs in and accepts a suggestion on the demo catalogue.

The suggestions are the demo catalogue's withheld labels written as a model version's
suggestions (no training here: the tests in tests/pipeline cover it), so the page shows what
`make demo` shows: the synthetic-data banner, Japanese products, a seller's own queue.
"""
import json

import pytest
from playwright.sync_api import expect

from catalog.models import Decision, Product, ProductLabel, Suggestion
from demo import steps
from demo.generator import CatalogSpec
from ml.models import ModelVersion
from taxonomy.models import AttributeValue

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_catalogue(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.ZOKUSEI_DEMO = True
    spec = CatalogSpec(products=40, seed=0)
    steps.ensure_catalog_files(spec)
    steps.ensure_catalog_loaded(spec)
    steps.ensure_users()
    version = ModelVersion.objects.create(artifact_uri="demo", checksum="0" * 64, encoder="scratch", is_active=True)
    for line in (tmp_path / "demo" / "catalog" / "truth.jsonl").read_text(encoding="utf-8").splitlines():
        truth = json.loads(line)
        product = Product.objects.get(seller__slug=truth["seller"], external_id=truth["id"])
        for attribute, value in truth["withheld"]:
            Suggestion.objects.create(product=product, value=AttributeValue.objects.get(attribute__name=attribute, name=value),
                                      model_version=version, score=0.9)
    return version


def test_a_demo_seller_accepts_a_suggestion(page, live_server, demo_catalogue):
    # given: sakura, a demo seller, signs in with the password the demo prints
    sign_in(page, live_server, "sakura", "sakura-demo")
    assert "/accounts/login/" not in page.url
    # when: she opens her first product and accepts its first suggestion
    page.goto(f"{live_server.url}/queue/")
    page.locator("a[href*='/products/']").first.click()
    page.wait_for_load_state()
    suggestion = page.locator("li.suggestion").first
    suggestion_id = int(suggestion.get_attribute("data-suggestion"))
    page.keyboard.press("a")
    # the card changes in place (no reload)
    expect(page.locator(f"#s-{suggestion_id}")).to_have_attribute("data-status", "accepted")
    # then: the label is the product's, and the decision is hers
    accepted = Suggestion.objects.get(pk=suggestion_id)
    assert accepted.product.seller.slug == "sakura-shoten"
    assert accepted.status == "accepted"
    assert ProductLabel.objects.filter(product=accepted.product, value=accepted.value, source="suggestion").exists()
    assert Decision.objects.get(suggestion=accepted).user.username == "sakura"
    assert page.locator(".demo-banner").is_visible()
