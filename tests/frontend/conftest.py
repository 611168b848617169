"""Review data made with the ORM: an active model version, products of two sellers, and
pending suggestions on them. No model code is involved."""
import pytest

from catalog.models import Product, Suggestion
from ml.models import ModelVersion

SNEAKER_TITLE = "Northwave ESPRESSO ＲＥＤ sneaker 26.0cm <script>alert('x')</script>"
SNEAKER_DESCRIPTION = "Lightweight canvas upper.\n赤 colourway, rubber sole."


@pytest.fixture
def model_version(db):
    return ModelVersion.objects.create(
        artifact_uri="test",
        checksum="0" * 64,
        encoder="test-encoder",
        label_count=12,
        is_active=True,
        metrics={
            "micro_p": 0.8, "micro_r": 0.6, "micro_f1": 0.686, "macro_f1": 0.4, "p@1": 0.9, "labels": 12,
            "groups": {"high": {"micro_f1": 0.9, "labels": 2}, "rare": {"micro_f1": 0.1, "labels": 5}},
        },
    )


def make_product(seller, category, external_id, title, description=""):
    return Product.objects.create(
        seller=seller, category=category, external_id=external_id, title=title, description=description
    )


def suggest(product, value, version, score):
    return Suggestion.objects.create(product=product, value=value, model_version=version, score=score)


@pytest.fixture
def sneaker(taxonomy, seller_a):
    return make_product(
        seller_a, taxonomy.category("Shoes", "Men's shoes", "Sneakers"), "A-1", SNEAKER_TITLE, SNEAKER_DESCRIPTION
    )


@pytest.fixture
def sneaker_suggestions(sneaker, taxonomy, model_version):
    """Named suggestions on Alice's sneaker: red 0.93, blue 0.55, size 26.0 0.81, size 25.0 0.30."""
    return {
        "red": suggest(sneaker, taxonomy.value("Color", "red"), model_version, 0.93),
        "blue": suggest(sneaker, taxonomy.value("Color", "blue"), model_version, 0.55),
        "26": suggest(sneaker, taxonomy.value("Shoe size (cm)", "26.0"), model_version, 0.81),
        "25": suggest(sneaker, taxonomy.value("Shoe size (cm)", "25.0"), model_version, 0.30),
    }


@pytest.fixture
def bobs_tv(taxonomy, seller_b, model_version):
    tv = make_product(seller_b, taxonomy.category("TVs"), "B-1", "Bob's 55 inch TV", "A big black TV.")
    suggest(tv, taxonomy.value("Screen size", "55 inch"), model_version, 0.97)
    return tv
