"""Writing the active model's suggestions, and withdrawing those that no longer apply.

A suggestion is written only for a label that is relevant to the product's category now (and
in the model's own label space), not already on the product, and never rejected before for
that product. Pending suggestions the model no longer makes are withdrawn.
"""
from collections import defaultdict

from django.db import connection, transaction
from django.utils import timezone

from catalog.models import DECIDED_STATUSES, ProductLabel, Suggestion, SuggestionStatus
from taxonomy.relevance import relevance_index

from .inference import decision_thresholds

# A chunk writes its products' suggestions in transactions of this many products, so that the
# row locks a write takes are held for a few milliseconds, not for the whole chunk's writes: a
# reviewer deciding one of these suggestions waits at most that long (docs/benchmarks.md,
# "The queue while a re-score runs").
WRITE_BATCH_PRODUCTS = 128


def apply_predictions(version, products, predictions, thresholds=None) -> int:
    """Store the predictions (ml.xmc predictions-format dicts) of one chunk of products.

    Each suggestion keeps the cut-off it was decided with (its attribute's threshold in the
    version, `thresholds` = (global, {attribute: threshold}) or read from the version's
    artifact), so that the queue ranks by the distance to it. Returns how many suggestions
    are pending for these products afterwards, as written by this call. Safe to run twice:
    the second run writes the same rows again.

    Reviewers are never made to wait for a whole chunk: the products are written in short
    transactions of WRITE_BATCH_PRODUCTS, and a suggestion that someone holds locked right now
    (a seller deciding it) is skipped (`SKIP LOCKED`), not waited for. That seller's decision
    settles it; a suggestion skipped while its decision is undone keeps its earlier score
    until the next re-score.
    """
    global_threshold, attribute_thresholds = thresholds or decision_thresholds(version)
    by_id = {str(product.pk): product for product in products}
    index = relevance_index()
    names = index.ids  # (attribute, value) names → label id, for the current taxonomy
    wanted: dict[int, dict[int, tuple[float, float]]] = {}
    for prediction in predictions:
        product = by_id[prediction["id"]]
        scores = {(a, v): s for a, v, s in prediction["scores"]}
        chosen = {}
        for attribute, value in prediction.get("predicted", []):
            value_id = names.get((attribute, value))
            if value_id is not None:
                chosen[value_id] = (
                    float(scores.get((attribute, value), 0.0)),
                    attribute_thresholds.get(attribute, global_threshold),
                )
        wanted[product.pk] = chosen
    # Every suggestion row of the chunk, read once without locks: a row that is here but that a
    # batch below cannot lock is held by someone else right now.
    stored = {
        pk: (product_id, value_id)
        for pk, product_id, value_id in Suggestion.objects.filter(product_id__in=list(wanted)).values_list(
            "pk", "product_id", "value_id"
        )
    }
    return sum(
        _write_suggestions(version, products[start : start + WRITE_BATCH_PRODUCTS], wanted, stored, index)
        for start in range(0, len(products), WRITE_BATCH_PRODUCTS)
    )


def _write_suggestions(version, products, wanted, stored, index) -> int:
    """One short transaction: the suggestions of a few products, as `wanted` says. `stored`
    maps the suggestion rows read before: id → (product id, value id); `index` is the
    relevance index the chunk's predictions were read with."""
    product_ids = [product.pk for product in products]
    with transaction.atomic():
        # The rows nobody else holds, locked and read with their status and scores as of now.
        mine = list(
            Suggestion.objects.select_for_update(skip_locked=True).filter(product_id__in=product_ids).values_list(
                "pk", "product_id", "value_id", "status", "score", "threshold", "model_version_id"
            )
        )
        mine_pks = {row[0] for row in mine}
        # Rows someone holds (a decision in progress) are left to that decision. A row created
        # since `stored` was read is either ours now or another write's of the same chunk (a
        # task delivered twice), which the upsert below waits for.
        in_batch = set(product_ids)
        busy = {pair for pk, pair in stored.items() if pair[0] in in_batch and pk not in mine_pks}
        labels = defaultdict(set)
        for product_id, value_id in ProductLabel.objects.filter(product_id__in=product_ids).values_list(
            "product_id", "value_id"
        ):
            labels[product_id].add(value_id)
        # Decided suggestions are never reopened by a re-score: a rejection is final for that
        # product, and an accepted one is already a label.
        untouchable = busy | {(p, v) for _, p, v, status, *_ in mine if status in DECIDED_STATUSES}
        rows = []  # (product id, seller id, value id, score, threshold), as UPSERT_COLUMNS
        for product in products:
            relevant = index.value_ids(product.category_id)
            for value_id, (score, threshold) in wanted.get(product.pk, {}).items():
                if value_id in relevant and value_id not in labels[product.pk] and (product.pk, value_id) not in untouchable:
                    rows.append((product.pk, product.seller_id, value_id, score, threshold))
        keep = {(product_id, value_id) for product_id, _seller_id, value_id, _score, _threshold in rows}
        stale = [pk for pk, p, v, status, *_ in mine if status == SuggestionStatus.PENDING and (p, v) not in keep]
        if stale:
            Suggestion.objects.filter(pk__in=stale).update(status=SuggestionStatus.WITHDRAWN, updated_at=timezone.now())
        # A pending row that already has this version's score and cut-off is left as it is: a
        # chunk scored twice (a retry, a redelivery, a re-score after a taxonomy edit that did
        # not change these products' scores) rewrites nothing, and updated_at keeps its meaning.
        unchanged = {(p, v, score, threshold) for _, p, v, status, score, threshold, model_version_id in mine
                     if status == SuggestionStatus.PENDING and model_version_id == version.pk}
        changed = [row for row in rows if (row[0], row[2], row[3], row[4]) not in unchanged]
        # Existing rows among these are ones this transaction holds, so the upsert waits for
        # nobody; a row that appeared since (the same chunk delivered twice) is updated in turn.
        _upsert_pending(version, changed)
    return len(rows)


UPSERT_COLUMNS = ("product_id", "seller_id", "value_id", "score", "threshold")


def _upsert_pending(version, rows) -> None:
    """Write these suggestions as pending ones of `version`: new rows inserted, existing ones
    (same product and value) given the new score, cut-off and version.

    On PostgreSQL one INSERT … SELECT FROM unnest(arrays) … ON CONFLICT: a re-score writes
    about 3,000 suggestions a chunk, and the ORM's bulk upsert spent a third of the write
    building model instances and their 27,000 parameters (docs/benchmarks.md, "Scale",
    "Sixth pass"). Elsewhere (SQLite) the ORM's bulk upsert.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        Suggestion.objects.bulk_create(
            [
                Suggestion(**dict(zip(UPSERT_COLUMNS, row, strict=True)), model_version=version,
                           status=SuggestionStatus.PENDING)
                for row in rows
            ],
            update_conflicts=True,
            unique_fields=["product", "value"],
            update_fields=["score", "threshold", "model_version", "status", "updated_at"],
            batch_size=1000,
        )
        return
    table = Suggestion._meta.db_table
    now = timezone.now()  # what auto_now_add and auto_now would set
    columns = list(zip(*rows, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (product_id, seller_id, value_id, score, threshold, model_version_id, status, "
            "created_at, updated_at) "
            "SELECT r.product_id, r.seller_id, r.value_id, r.score, r.threshold, %s, %s, %s, %s "
            "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::float8[], %s::float8[]) "
            "AS r(product_id, seller_id, value_id, score, threshold) "
            "ON CONFLICT (product_id, value_id) DO UPDATE SET score = EXCLUDED.score, threshold = EXCLUDED.threshold, "
            "model_version_id = EXCLUDED.model_version_id, status = EXCLUDED.status, updated_at = EXCLUDED.updated_at",
            [version.pk, SuggestionStatus.PENDING, now, now, *(list(column) for column in columns)],
        )


def withdraw_irrelevant_suggestions() -> int:
    """Pending suggestions whose label the taxonomy no longer allows for the product's category."""
    withdrawn = 0
    category_ids = (
        Suggestion.objects.filter(status=SuggestionStatus.PENDING)
        .values_list("product__category_id", flat=True)
        .distinct()
    )
    index = relevance_index()
    for category_id in list(category_ids):
        relevant = index.value_ids(category_id)
        withdrawn += (
            Suggestion.objects.filter(status=SuggestionStatus.PENDING, product__category_id=category_id)
            .exclude(value_id__in=list(relevant))
            .update(status=SuggestionStatus.WITHDRAWN, updated_at=timezone.now())
        )
    return withdrawn

