import io
import json

import pytest

from catalog.models import Product
from taxonomy.exporting import export_taxonomy, taxonomy_document
from taxonomy.importing import import_taxonomy
from taxonomy.models import Attribute, Category

from ..conftest import SMALL_TAXONOMY, VIDEOAVE_DIR

pytestmark = pytest.mark.django_db


def _export() -> str:
    out = io.StringIO()
    export_taxonomy(out)
    return out.getvalue()


def test_it_exports_what_was_imported(taxonomy):
    assert taxonomy_document() == SMALL_TAXONOMY


def test_it_round_trips_through_an_empty_database(taxonomy):
    first = _export()
    assert not Product.objects.exists()
    Category.objects.all().delete()
    Attribute.objects.all().delete()

    import_taxonomy(io.BytesIO(first.encode()))

    assert _export() == first


def test_it_lists_leaves_without_pairs(db):
    import_taxonomy(io.BytesIO(json.dumps({"attributes": [], "categories": [{"path": ["A", "B"]}]}).encode()))
    assert taxonomy_document()["categories"] == [{"path": ["A", "B"], "attributes": {}}]


@pytest.mark.skipif(not VIDEOAVE_DIR.exists(), reason="needs ../shared/data/videoave")
def test_it_exports_the_videoave_taxonomy_as_given(db):
    with open(VIDEOAVE_DIR / "taxonomy.json", "rb") as file:
        import_taxonomy(file)
    assert taxonomy_document() == json.loads((VIDEOAVE_DIR / "taxonomy.json").read_text())
