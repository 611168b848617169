"""manage.py generate_catalog: the files, and --load through the real imports."""
import json

import pytest
from django.core.management import call_command

from catalog.models import LabelSource, Product, ProductLabel, Seller
from taxonomy.models import Attribute, AttributeValue, Category

pytestmark = pytest.mark.django_db


def generate(out, **options):
    call_command("generate_catalog", out=out, no_progress=True, stdout=open("/dev/null", "w"), **options)


def test_it_writes_the_files(tmp_path):
    generate(tmp_path, products=50)
    assert {p.name for p in tmp_path.iterdir()} == {"taxonomy.json", "products.jsonl", "truth.jsonl", "stats.txt"}
    assert len((tmp_path / "products.jsonl").read_text(encoding="utf-8").splitlines()) == 50


def test_its_output_is_deterministic(tmp_path):
    generate(tmp_path / "a", products=80, seed=3)
    generate(tmp_path / "b", products=80, seed=3)
    for name in ("taxonomy.json", "products.jsonl", "truth.jsonl", "stats.txt"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_it_loads_cleanly_and_twice_changes_nothing(tmp_path):
    generate(tmp_path, products=200, load=True)
    products = [json.loads(line) for line in (tmp_path / "products.jsonl").read_text(encoding="utf-8").splitlines()]
    assert Product.objects.count() == 200
    assert ProductLabel.objects.filter(source=LabelSource.IMPORT).count() == sum(len(p["labels"]) for p in products)
    assert Seller.objects.get(slug="sakura-shoten").name == "さくら商店"
    taxonomy = json.loads((tmp_path / "taxonomy.json").read_text(encoding="utf-8"))
    assert Attribute.objects.count() == len(taxonomy["attributes"])
    assert AttributeValue.objects.count() == sum(len(a["values"]) for a in taxonomy["attributes"])
    counts = (Category.objects.count(), ProductLabel.objects.count())

    generate(tmp_path, products=200, load=True)
    assert Product.objects.count() == 200
    assert (Category.objects.count(), ProductLabel.objects.count()) == counts


def test_a_scaled_catalogue_loads_too(tmp_path):
    generate(tmp_path, products=100, leaf_categories=60, top_categories=12, attributes=60, labels=400,
             relevant_labels=80, sellers=3, load=True)
    assert Product.objects.count() == 100
    assert Category.objects.filter(children__isnull=True).distinct().count() == 60
    assert AttributeValue.objects.count() == 400
