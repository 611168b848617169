"""Scoring products with the active model version: what the `inference` queue does.

Activation fans the whole catalogue out in chunks (`send_catalogue_chunks`); products created
or changed are scored once their transaction commits (`score_products_on_commit`); products
of categories whose relevant labels a taxonomy edit changed are scored again after it
(`rescore_changed_categories`); a worker scores one chunk with `score_chunk` and writes its
suggestions (ml/suggestions.py). The version scores today's taxonomy, not only the one it was
trained with: values added since are scored by its label-text head (ml/xmc/model.py,
`for_taxonomy`), removed ones are never suggested. The Celery
tasks (ml/tasks.py) only retry a chunk that could not be scored, with the delays below.
"""
import logging
import traceback

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from catalog.models import Product
from taxonomy.models import Category
from taxonomy.names import split_path_key
from taxonomy.relevance import relevance_index

from . import outbox
from .inference import load_model_for_current_taxonomy, product_document
from .models import ModelVersion, ScoredCategory, ScoringChunk
from .paging import in_pk_batches
from .suggestions import apply_predictions

log = logging.getLogger(__name__)

# A chunk that cannot be scored (the active artifact is corrupted or unreadable) is tried
# again this many times, with exponential backoff from SCORING_RETRY_DELAY seconds; the error
# stays on the version's row for staff to see (versions page, API).
SCORING_RETRIES = 5
SCORING_RETRY_DELAY = 30
# A chunk whose database connection dropped (the server restarted, failed over, or ended the
# session) is tried again sooner: the database is usually back within seconds. The chunk's
# writes are one transaction and an upsert on (product, value), so a retry duplicates nothing.
DATABASE_RETRY_DELAY = 5


class ModelUnavailable(Exception):
    """The version's artifact could not be loaded; the cause is recorded on the version."""


def send_catalogue_chunks(version_id: int) -> int:
    """Send the whole catalogue to the inference queue in chunks, for the active version."""
    if not ModelVersion.objects.filter(pk=version_id, is_active=True).exists():
        return 0
    # The whole catalogue is scored against today's taxonomy: later edits are measured from here.
    record_scored_categories(_digests(relevance_index(), Category.objects.values_list("pk", flat=True)))
    chunks = 0
    product_ids = Product.objects.values_list("pk", flat=True)
    for ids in in_pk_batches(product_ids, settings.ZOKUSEI_SCORING_CHUNK_SIZE):
        # Recorded before it is sent, so the chunk counts as to do until a worker has scored it;
        # sent again (this task redelivered), it is the same row.
        ScoringChunk.objects.bulk_create(
            [ScoringChunk(version_id=version_id, first_product_id=ids[0], size=len(ids))], ignore_conflicts=True
        )
        outbox.send("ml.tasks.score_products", version_id, ids)
        chunks += 1
    return chunks


def scoring_progress(version_id: int) -> dict:
    """How far the catalogue scoring of an activation has come: chunks and products, done and in all."""
    chunks = ScoringChunk.objects.filter(version_id=version_id)
    total = chunks.aggregate(n=Count("pk"), products=Sum("size"))
    done = chunks.filter(done_at__isnull=False).aggregate(n=Count("pk"), products=Sum("size"))
    return {
        "chunks_done": done["n"], "chunks_total": total["n"],
        "products_done": done["products"] or 0, "products_total": total["products"] or 0,
        "finished": total["n"] > 0 and done["n"] == total["n"],
    }


def score_chunk(version_id: int, product_ids: list[int], try_number: int = 0) -> int:
    """Score these products with the version if it is still active; the suggestions written."""
    version = ModelVersion.objects.filter(pk=version_id, is_active=True).first()
    if version is None:
        return 0  # a newer version became active; its own catalogue scoring covers these
    products = list(Product.objects.filter(pk__in=product_ids).only("pk", "seller_id", "category_id", "title", "description"))
    if not products:
        return 0
    paths = dict(Category.objects.filter(pk__in={p.category_id for p in products}).values_list("pk", "path_key"))
    try:
        model = load_model_for_current_taxonomy(version)
    except Exception as error:  # noqa: BLE001 - a missing, altered or unreadable artifact: say so, retry
        _record_scoring_error(version, error, try_number)
        raise ModelUnavailable(str(error)) from error
    if version.scoring_error:
        ModelVersion.objects.filter(pk=version.pk).update(scoring_error="", scoring_error_at=None)
    documents = [product_document(p, split_path_key(paths[p.category_id])) for p in products]
    predictions = list(model.predict(documents, on_unknown="skip"))
    written = apply_predictions(version, products, predictions)
    # Only a chunk of the activation's own fan-out is counted (products changed later are
    # scored in chunks of their own); done once, however often the task runs.
    ScoringChunk.objects.filter(version_id=version.pk, first_product_id=product_ids[0], done_at=None).update(
        done_at=timezone.now()
    )
    return written


def _record_scoring_error(version: ModelVersion, error: Exception, try_number: int) -> None:
    log.error("model version %s cannot score products (try %d of %d): %s", version.pk, try_number + 1,
              SCORING_RETRIES + 1, error)
    detail = "".join(traceback.format_exception_only(type(error), error)).strip()
    ModelVersion.objects.filter(pk=version.pk).update(
        scoring_error=f"{detail} (try {try_number + 1} of {SCORING_RETRIES + 1})"[:4000], scoring_error_at=timezone.now()
    )


def score_products_on_commit(product_ids) -> None:
    """Score created or changed products with the active version once their transaction commits."""
    ids = sorted(set(int(pk) for pk in product_ids))
    if not ids:
        return

    def enqueue():
        version_id = ModelVersion.objects.filter(is_active=True).values_list("pk", flat=True).first()
        if version_id is None:
            return
        chunk_size = settings.ZOKUSEI_SCORING_CHUNK_SIZE
        for start in range(0, len(ids), chunk_size):
            outbox.send("ml.tasks.score_products", version_id, ids[start : start + chunk_size])

    transaction.on_commit(enqueue)


def _digests(index, category_ids) -> dict[int, str]:
    # Categories without pairs of their own share their parent's set: digest each set once.
    by_set: dict[int, str] = {}
    out = {}
    for category_id in category_ids:
        labels = index.value_ids(category_id)
        if id(labels) not in by_set:
            by_set[id(labels)] = index.digest(category_id)
        out[category_id] = by_set[id(labels)]
    return out


def record_scored_categories(digests: dict[int, str]) -> None:
    """Remember the categories' relevant labels (their digests, `_digests`) as scored now."""
    ScoredCategory.objects.bulk_create(
        [ScoredCategory(category_id=pk, digest=digest) for pk, digest in digests.items()],
        update_conflicts=True, unique_fields=["category"], update_fields=["digest", "scored_at"], batch_size=1000,
    )


def rescore_changed_categories() -> int:
    """After a taxonomy edit: send the products of every category whose relevant labels changed
    since its products were last scored (a value added, removed or renamed here or in an
    ancestor; a new category) to the inference queue for the active version. Returns how many
    products were sent. Safe to run twice: the second run finds nothing changed.

    With nothing recorded yet (no activation since this was added), today's labels are recorded
    and nothing is sent: what changed before cannot be known, and a full re-score is what
    activating a version does."""
    version_id = ModelVersion.objects.filter(is_active=True).values_list("pk", flat=True).first()
    index = relevance_index()
    category_ids = list(Category.objects.values_list("pk", flat=True))
    current = _digests(index, category_ids)
    with transaction.atomic():
        recorded = dict(ScoredCategory.objects.select_for_update().values_list("category_id", "digest"))
        if version_id is None or not recorded:
            record_scored_categories(current)
            return 0
        changed = [pk for pk, digest in current.items() if recorded.get(pk) != digest]
        if not changed:
            return 0
        record_scored_categories({pk: current[pk] for pk in changed})
        sent = 0
        products = Product.objects.filter(category_id__in=changed).values_list("pk", flat=True)
        for ids in in_pk_batches(products, settings.ZOKUSEI_SCORING_CHUNK_SIZE):
            outbox.send_on_commit("ml.tasks.score_products", version_id, ids)
            sent += len(ids)
    log.info("taxonomy changed: %d products of %d categories sent to be scored again", sent, len(changed))
    return sent
