import io

import pytest

from catalog.exporting import export_products
from catalog.importing import import_products
from catalog.labels import add_label
from catalog.models import LabelSource, Product
from taxonomy.exporting import export_taxonomy
from taxonomy.importing import import_taxonomy
from taxonomy.models import Attribute, Category

from ..conftest import jsonl_file

pytestmark = pytest.mark.django_db

LINES = [
    {"id": "A-2", "category": ["Shoes", "Men's shoes", "Sneakers"], "title": "Sneaker „Ｒｅｄ“", "description": "軽量 rubber sole",
     "labels": [["Shoe size (cm)", "26.0"], ["Color", "red"]], "seller": "shop-a"},
    {"id": "A-1", "category": ["TVs"], "title": "TV", "description": "", "labels": [], "seller": "shop-a"},
    {"id": "B-1", "category": ["Shoes", "Women's shoes"], "title": "Boot", "description": "",
     "labels": [["Material", "leather"]], "seller": "shop-b"},
]


def _export_products() -> str:
    out = io.StringIO()
    export_products(out)
    return out.getvalue()


def _export_taxonomy() -> str:
    out = io.StringIO()
    export_taxonomy(out)
    return out.getvalue()


def test_it_writes_the_formats_lines_sorted(taxonomy):
    import_products(jsonl_file(*LINES))
    lines = _export_products().splitlines()
    assert [line[:14] for line in lines] == ['{"id": "A-1", ', '{"id": "A-2", ', '{"id": "B-1", ']
    assert '"labels": [["Color", "red"], ["Shoe size (cm)", "26.0"]]' in lines[1]


def test_it_round_trips_export_import_export(taxonomy):
    import_products(jsonl_file(*LINES))
    add_label(Product.objects.get(external_id="A-1"), taxonomy.value("Color", "black"), source=LabelSource.SELLER)
    products, categories = _export_products(), _export_taxonomy()
    Product.objects.all().delete()
    Category.objects.all().delete()
    Attribute.objects.all().delete()

    import_taxonomy(io.BytesIO(categories.encode()))
    import_products(io.BytesIO(products.encode()))

    assert _export_taxonomy() == categories
    assert _export_products() == products


def test_it_exports_one_seller(taxonomy):
    import_products(jsonl_file(*LINES))
    out = io.StringIO()
    assert export_products(out, Product.objects.filter(seller__slug="shop-b")) == 1
