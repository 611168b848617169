"""A worker writes a chunk's suggestions on a thread of its own while it predicts the next batch
(ml/scoring.py, `_predict_and_write`): the rows are those that predicting and writing one
after the other gives, and a failed write fails the chunk.

Outside a test's transaction, as a worker runs: the writer thread has its own connection, which
would not see a test transaction's rows.
"""
import threading

import pytest
from django.db import transaction

from catalog.models import Suggestion
from ml import scoring
from ml.models import ScoringChunk

pytestmark = pytest.mark.django_db(transaction=True)


def _stored():
    return sorted(Suggestion.objects.values_list("product_id", "value_id", "status", "score", "threshold"))


@pytest.fixture
def writes_seen(monkeypatch):
    """The thread each write batch ran on, and its products."""
    seen = []
    write = scoring.apply_predictions

    def recorded(version, products, predictions, thresholds=None):
        seen.append((threading.current_thread().name, [p.pk for p in products]))
        return write(version, products, predictions, thresholds)

    monkeypatch.setattr(scoring, "apply_predictions", recorded)
    return seen


def test_a_chunk_written_in_batches_on_the_writer_thread_stores_what_one_inline_write_does(
        active_version, catalogue, writes_seen, monkeypatch):
    ids = sorted(p.pk for p in catalogue.products)
    Suggestion.objects.all().delete()
    # Written inline inside a transaction, batch after batch.
    with transaction.atomic():
        inline_written = scoring.score_chunk(active_version.pk, ids)
    inline = _stored()
    assert inline and writes_seen[-1][0] == threading.main_thread().name

    Suggestion.objects.all().delete()
    writes_seen.clear()
    monkeypatch.setattr(scoring, "WRITE_BATCH_PRODUCTS", 3)
    threaded_written = scoring.score_chunk(active_version.pk, ids)

    assert _stored() == inline
    assert threaded_written == inline_written
    threads = {name for name, _ in writes_seen}
    assert len(threads) == 1 and threads.pop().startswith("scoring-writer")
    # In the products' order, three at a time, each once.
    assert [pk for _, batch in writes_seen for pk in batch] == ids
    assert all(len(batch) <= 3 for _, batch in writes_seen)


def test_a_write_that_fails_fails_the_chunk_which_stays_to_do(active_version, catalogue, monkeypatch):
    ids = sorted(p.pk for p in catalogue.products)
    # The activation's own chunk of these products, to do again.
    chunk = ScoringChunk.objects.get(version=active_version, first_product_id=ids[0])
    ScoringChunk.objects.filter(pk=chunk.pk).update(done_at=None)
    monkeypatch.setattr(scoring, "WRITE_BATCH_PRODUCTS", 3)
    batches = []
    write = scoring.apply_predictions

    def second_batch_fails(version, products, predictions, thresholds=None):
        batches.append(len(batches))
        if len(batches) == 2:
            raise RuntimeError("the database refused the batch")
        return write(version, products, predictions, thresholds)

    monkeypatch.setattr(scoring, "apply_predictions", second_batch_fails)
    with pytest.raises(RuntimeError, match="refused the batch"):
        scoring.score_chunk(active_version.pk, ids)
    assert ScoringChunk.objects.get(pk=chunk.pk).done_at is None
    assert len(batches) >= 2
