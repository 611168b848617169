"""CSV export neutralises cells a spreadsheet would run as formulas; CSV import undoes it, so
export -> import keeps every product as it was."""
import copy
import csv
import io

import pytest

from catalog.csvfiles import neutralised, unneutralised
from catalog.exporting import export_products
from catalog.importing import import_products
from catalog.models import Product
from taxonomy.importing import import_taxonomy

from ..conftest import SMALL_TAXONOMY, jsonl_file, taxonomy_file

pytestmark = pytest.mark.django_db

RISKY = ["=1+1", "+1", "-10", "@SUM(A1)", "\tx", "\rx", "'=1+1", "''-1", "a\rb"]


@pytest.fixture
def formula_taxonomy(db):
    document = copy.deepcopy(SMALL_TAXONOMY)
    document["attributes"].append({"name": "=cmd", "values": [{"name": "-10"}, {"name": "+5"}]})
    document["categories"].append({"path": ["@home"], "attributes": {"=cmd": "*", "Color": "*"}})
    import_taxonomy(taxonomy_file(document))


def _products():
    return [
        {"id": f"+{i}", "category": ["@home"], "title": title, "description": title,
         "labels": [["=cmd", "-10"], ["=cmd", "+5"], ["Color", "red"]], "seller": "-shop"}
        for i, title in enumerate(RISKY)
    ]


def _stored():
    return sorted(
        (p.seller.slug, p.external_id, p.category.path_key, p.title, p.description,
         sorted((l.value.attribute.name, l.value.name) for l in p.labels.all()))
        for p in Product.objects.select_related("seller", "category")
    )


def test_no_exported_csv_cell_starts_like_a_formula(formula_taxonomy):
    import_products(jsonl_file(*_products()))
    out = io.StringIO()
    export_products(out, file_format="csv")

    cells = [cell for row in csv.reader(io.StringIO(out.getvalue(), newline="")) for cell in row]
    assert cells and not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "'=cmd" in cells and "'=1+1" in cells and "''=1+1" in cells


def test_csv_export_then_import_keeps_every_product_unchanged(formula_taxonomy):
    import_products(jsonl_file(*_products()))
    before = _stored()
    out = io.StringIO()
    export_products(out, file_format="csv")
    Product.objects.all().delete()

    import_products(io.BytesIO(out.getvalue().encode()), file_format="csv")

    assert _stored() == before


@pytest.mark.parametrize("cell", [*RISKY, "", "a=b", "'", "'a", "-"])
def test_neutralising_is_undone_exactly(cell):
    assert unneutralised(neutralised(cell)) == cell
