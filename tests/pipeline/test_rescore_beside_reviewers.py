"""A re-score writing suggestions while a seller decides one of them: neither waits for the
other, and the seller's decision is never overwritten.

Needs real row locks, so the concurrent case runs on PostgreSQL only (SQLite serialises writers).
"""
import threading

import pytest
from django.db import connection, transaction

from catalog import review
from catalog.models import Suggestion, SuggestionStatus
from ml import suggestions as writing

pytestmark = pytest.mark.django_db(transaction=True)


def _predictions(product, **scores):
    return [{
        "id": str(product.pk),
        "scores": [["Color", value, score] for value, score in scores.items()],
        "predicted": [["Color", value] for value in scores],
    }]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_a_rescore_skips_the_suggestion_a_seller_is_deciding_instead_of_waiting(
    alice, sneaker, sneaker_suggestions, model_version
):
    red, blue = sneaker_suggestions["red"], sneaker_suggestions["blue"]
    seller_holds_red, rescore_done = threading.Event(), threading.Event()
    order = []

    def seller_decides_red():
        try:
            with transaction.atomic():
                # What review.accept does first: lock the suggestion it decides.
                Suggestion.objects.select_for_update().get(pk=red.pk)
                seller_holds_red.set()
                # Held until the re-score has finished: if it waited for this row, it never would.
                order.append("rescore finished first" if rescore_done.wait(10) else "seller gave up waiting")
        finally:
            connection.close()

    seller = threading.Thread(target=seller_decides_red)
    seller.start()
    assert seller_holds_red.wait(10)
    # The new model suggests red and blue with new scores, and no longer the two sizes.
    written = writing.apply_predictions(
        model_version, [sneaker], _predictions(sneaker, red=0.2, blue=0.7), thresholds=(0.5, {})
    )
    rescore_done.set()
    seller.join(30)

    assert order == ["rescore finished first"]
    assert written == 1  # blue; red was left to the seller
    stored = {s.pk: (s.status, s.score) for s in Suggestion.objects.all()}
    assert stored[red.pk] == (SuggestionStatus.PENDING, 0.93)
    assert stored[blue.pk] == (SuggestionStatus.PENDING, 0.7)
    assert stored[sneaker_suggestions["26"].pk][0] == SuggestionStatus.WITHDRAWN
    assert stored[sneaker_suggestions["25"].pk][0] == SuggestionStatus.WITHDRAWN
    withdrawn_at = Suggestion.objects.get(pk=sneaker_suggestions["26"].pk).updated_at
    assert withdrawn_at > sneaker_suggestions["26"].updated_at  # stamped when the re-score withdrew it
    # The seller's decision goes through afterwards as usual.
    review.accept(alice, red.pk)
    assert Suggestion.objects.get(pk=red.pk).status == SuggestionStatus.ACCEPTED


def test_a_chunk_written_in_several_transactions_stores_what_one_would(
    monkeypatch, taxonomy, sneaker, seller_a, model_version
):
    from tests.conftest import make_product

    products = [sneaker] + [
        make_product(seller_a, sneaker.category, f"A-{n}", f"Red sneaker {n}", "") for n in range(2, 6)
    ]
    predictions = [row for product in products for row in _predictions(product, red=0.9, blue=0.6)]

    def stored():
        return sorted(Suggestion.objects.values_list("product_id", "value__name", "score", "status"))

    monkeypatch.setattr(writing, "WRITE_BATCH_PRODUCTS", 100)
    assert writing.apply_predictions(model_version, products, predictions, thresholds=(0.5, {})) == 10
    in_one = stored()
    Suggestion.objects.all().delete()
    monkeypatch.setattr(writing, "WRITE_BATCH_PRODUCTS", 2)
    assert writing.apply_predictions(model_version, products, predictions, thresholds=(0.5, {})) == 10
    assert stored() == in_one
