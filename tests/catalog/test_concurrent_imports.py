"""Two imports of one file at the same moment: both succeed, one after the other, and the
database ends as after one import (no duplicate rows, no IntegrityError).

Needs real concurrent transactions, so it runs on PostgreSQL only (SQLite serialises writers).
"""
import threading

import pytest
from django.db import connection

from catalog.importing import import_products
from catalog.models import Product, ProductLabel, Seller
from taxonomy.importing import import_taxonomy
from taxonomy.models import Attribute, AttributeValue, Category, CategoryAttribute
from taxonomy.problems import FileRefused
from tests.conftest import SMALL_TAXONOMY, jsonl_file, taxonomy_file

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"),
]


def products_document():
    lines = []
    for number in range(40):
        lines.append({"seller": "shop-new", "id": f"P-{number:03d}", "category": ["Shoes", "Men's shoes", "Sneakers"],
                      "title": f"Canvas sneaker {number}", "labels": [["Color", "red"], ["Shoe size (cm)", "26.0"]]})
    return lines


def side_by_side(monkeypatch, module, step, work, *, wait_before_step=False):
    """Run work() twice at once; both threads finish `step` of `module` (or reach it, with
    wait_before_step) before either goes on."""
    ready = threading.Barrier(2, timeout=30)
    real = getattr(module, step)

    def step_and_wait(*args, **kwargs):
        if wait_before_step:
            ready.wait()
        result = real(*args, **kwargs)
        if not wait_before_step:
            ready.wait()
        return result

    monkeypatch.setattr(module, step, step_and_wait)
    outcomes = []

    def run():
        try:
            outcomes.append(work())
        except Exception as error:  # noqa: BLE001 - the failure is what the test looks for
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def test_two_simultaneous_imports_of_one_products_file_both_succeed_and_write_each_row_once(taxonomy, monkeypatch):
    import catalog.importing

    lines = products_document()
    # Both are inside their transactions, their first batch checked, before either locks its seller.
    outcomes = side_by_side(monkeypatch, catalog.importing, "lock_names",
                            lambda: import_products(jsonl_file(*lines)), wait_before_step=True)

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    # one import created everything; the other, after it, found every line unchanged
    assert sorted((o.created, o.unchanged, o.labels_added) for o in outcomes) == [(0, 40, 0), (40, 0, 80)]
    assert Seller.objects.filter(slug="shop-new").count() == 1
    assert Product.objects.count() == 40
    assert ProductLabel.objects.count() == 80


def test_two_imports_meeting_two_sellers_in_opposite_orders_end_with_one_written_and_one_told_to_try_again(
    taxonomy, monkeypatch
):
    import catalog.importing

    monkeypatch.setattr(catalog.importing, "BATCH_SIZE", 1)
    first = [{**line, "seller": seller} for line, seller in zip(products_document()[:2], ["shop-1", "shop-2"])]
    second = list(reversed(first))
    # Each import locks its first seller, then both ask for the other's.
    ready, real = threading.Barrier(2, timeout=30), catalog.importing.lock_names
    calls = threading.local()

    def lock_then_meet(*names):
        real(*names)
        calls.count = getattr(calls, "count", 0) + 1
        if calls.count == 1:
            ready.wait()

    monkeypatch.setattr(catalog.importing, "lock_names", lock_then_meet)
    files = iter([first, second])
    outcomes = side_by_side(monkeypatch, catalog.importing, "_Reader", lambda: import_products(jsonl_file(*next(files))))

    refused = [o for o in outcomes if isinstance(o, FileRefused)]
    assert len(refused) == 1 and "try again" in refused[0].problems[0].reason, outcomes
    assert [o.created for o in outcomes if not isinstance(o, Exception)] == [2]
    assert sorted(Product.objects.values_list("seller__slug", flat=True)) == ["shop-1", "shop-2"]


def test_two_simultaneous_imports_of_one_taxonomy_file_both_succeed_and_write_each_row_once(db, monkeypatch):
    import taxonomy.importing

    outcomes = side_by_side(monkeypatch, taxonomy.importing, "validate_taxonomy",
                            lambda: import_taxonomy(taxonomy_file(SMALL_TAXONOMY)))

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sorted(o.changed for o in outcomes) == [False, True]
    assert Attribute.objects.count() == len(SMALL_TAXONOMY["attributes"])
    assert AttributeValue.objects.count() == sum(len(a["values"]) for a in SMALL_TAXONOMY["attributes"])
    assert Category.objects.count() == 5  # Shoes, Men's shoes, Sneakers, Women's shoes, TVs
    assert CategoryAttribute.objects.count() == len(SMALL_TAXONOMY["categories"]) + 1
