"""Writing the active model's suggestions, and withdrawing those that no longer apply.

A suggestion is written only for a label that is relevant to the product's category now (and
in the model's own label space), not already on the product, and never rejected before for
that product. Pending suggestions the model no longer makes are withdrawn.
"""
from collections import defaultdict

from django.db import transaction

from catalog.models import DECIDED_STATUSES, ProductLabel, Suggestion, SuggestionStatus
from taxonomy.relevance import relevance_index

from .inference import decision_thresholds

# Decided suggestions are never reopened by a re-score: a rejection is final for that
# product, and an accepted one is already a label.


def apply_predictions(version, products, predictions, thresholds=None) -> int:
    """Store the predictions (ml.xmc predictions-format dicts) of one chunk of products.

    Each suggestion keeps the cut-off it was decided with (its attribute's threshold in the
    version, `thresholds` = (global, {attribute: threshold}) or read from the version's
    artifact), so that the queue ranks by the distance to it. Returns how many suggestions
    are pending for these products afterwards. Safe to run twice: the second run writes the
    same rows again.
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
    with transaction.atomic():
        # Lock the chunk's suggestions: a seller deciding one right now must not be overwritten.
        existing = list(
            Suggestion.objects.select_for_update().filter(product_id__in=list(wanted)).values_list(
                "pk", "product_id", "value_id", "status"
            )
        )
        labels = defaultdict(set)
        for product_id, value_id in ProductLabel.objects.filter(product_id__in=list(wanted)).values_list(
            "product_id", "value_id"
        ):
            labels[product_id].add(value_id)
        decided = {(p, v) for _, p, v, status in existing if status in DECIDED_STATUSES}
        rows = []
        for product in products:
            relevant = index.value_ids(product.category_id)
            for value_id, (score, threshold) in wanted.get(product.pk, {}).items():
                if value_id in relevant and value_id not in labels[product.pk] and (product.pk, value_id) not in decided:
                    rows.append(
                        Suggestion(
                            product_id=product.pk, seller_id=product.seller_id, value_id=value_id, model_version=version,
                            score=score, threshold=threshold, status=SuggestionStatus.PENDING,
                        )
                    )
        keep = {(row.product_id, row.value_id) for row in rows}
        stale = [pk for pk, p, v, status in existing if status == SuggestionStatus.PENDING and (p, v) not in keep]
        if stale:
            Suggestion.objects.filter(pk__in=stale).update(status=SuggestionStatus.WITHDRAWN)
        Suggestion.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["product", "value"],
            update_fields=["score", "threshold", "model_version", "status", "updated_at"],
            batch_size=1000,
        )
    return len(rows)


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
            .update(status=SuggestionStatus.WITHDRAWN)
        )
    return withdrawn

