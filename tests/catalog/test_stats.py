import io

import pytest
from django.core.management import call_command

from catalog.importing import import_products
from catalog.stats import catalog_stats
from taxonomy.importing import import_taxonomy

from ..conftest import VIDEOAVE_DIR, jsonl_file

pytestmark = pytest.mark.django_db


def test_it_counts_the_table_2_figures(taxonomy):
    import_products(jsonl_file(
        {"id": "1", "category": ["Shoes", "Men's shoes", "Sneakers"], "title": "red  sneaker 26", "description": "a b c d",
         "labels": [["Color", "red"], ["Shoe size (cm)", "26.0"]]},
        {"id": "2", "category": ["TVs"], "title": "tv", "labels": [["Screen size", "55 inch"]]},
    ), default_seller="shop-a")

    stats = catalog_stats()

    assert (stats.products, stats.top_categories, stats.leaf_categories, stats.attributes, stats.labels) == (2, 2, 3, 4, 10)
    assert (stats.avg_tokens_per_title, stats.avg_tokens_per_description) == (2.0, 2.0)
    assert stats.avg_positive_labels == 1.5
    assert stats.avg_relevant_labels == (5 + 3) / 2
    assert stats.avg_irrelevant_labels == 10 - 4


def test_it_reports_zeros_for_an_empty_catalogue(taxonomy):
    assert catalog_stats().avg_relevant_labels == 0.0


@pytest.mark.slow
@pytest.mark.skipif(not VIDEOAVE_DIR.exists(), reason="needs ../shared/data/videoave")
def test_it_reproduces_the_videoave_stats(db):
    with open(VIDEOAVE_DIR / "taxonomy.json", "rb") as file:
        import_taxonomy(file)
    for name in ("train.jsonl", "test.jsonl"):
        with open(VIDEOAVE_DIR / name, "rb") as file:
            import_products(file, default_seller="videoave")
    out = io.StringIO()

    call_command("catalog_stats", stdout=out)

    # stats.txt also names the dataset, splits the product count and gives frequency groups.
    expected = [line.split(" (train")[0] for line in (VIDEOAVE_DIR / "stats.txt").read_text().splitlines()[1:-1]]
    assert out.getvalue().splitlines() == expected
