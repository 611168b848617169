"""The staff catalogue overview: counts, acceptance rates, completeness per category.

Each figure is one aggregate query (GROUP BY in the database), never a loop over products;
but over a marketplace's catalogue they read every product, label, suggestion and decision
(12 s at 1M products, docs/benchmarks.md "Scale"). So they are computed in the background
(`refresh_overview`: the beat task catalog.tasks.refresh_overview, every
ZOKUSEI_OVERVIEW_REFRESH_SECONDS, or staff's "recompute now") and stored as one
CatalogueSummary row, which the page reads (`current_overview`). The page says how old they
are. A small catalogue that has never been summarised is computed during the request; a
larger one is sent to the worker, and the page says it is being computed: at 1M products the
first computation took 18 s in the request, and at 2M it would outlast gunicorn's timeout.
"""
import time
from collections import defaultdict

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from catalog.models import (
    CatalogueSummary,
    Decision,
    DecisionAction,
    Product,
    ProductLabel,
    Suggestion,
    SuggestionStatus,
)
from taxonomy.models import Category
from taxonomy.names import split_path_key
from taxonomy.relevance import relevance_index

# Rows the page shows of the per-attribute and per-category tables: those with the most
# decisions, and the least complete categories (the most products first among equals). A
# marketplace has thousands of each; the page states how many there are in all.
ROWS_SHOWN = 100
# Up to this many products, a first overview is computed in the request (well under a second);
# beyond, in the background.
COMPUTED_IN_REQUEST_UP_TO = 20_000


def _rate(part, whole):
    return None if not whole else 100.0 * part / whole


def acceptance_rows(key, label_of):
    """Decisions grouped by `key`: how many, how many accepted, the acceptance rate in %."""
    rows = (
        Decision.objects.standing().values(key)
        .annotate(
            total=Count("id"),
            accepted=Count("id", filter=Q(action=DecisionAction.ACCEPT)),
            rejected=Count("id", filter=Q(action=DecisionAction.REJECT)),
            corrected=Count("id", filter=Q(action=DecisionAction.CORRECT)),
        )
        .order_by(key)
    )
    return [
        {**row, "label": label_of(row[key]), "rate": _rate(row["accepted"], row["total"])}
        for row in rows
    ]


def completeness_rows():
    """Per category with products: the share of (product, relevant attribute) pairs with a value."""
    index = relevance_index()
    products = dict(Product.objects.values_list("category_id").annotate(n=Count("id")).order_by())
    filled = defaultdict(dict)
    for category_id, attribute, n in (
        ProductLabel.objects.values_list("product__category_id", "value__attribute__name")
        .annotate(n=Count("product_id", distinct=True))
        .order_by()
    ):
        filled[category_id][attribute] = n
    names = dict(Category.objects.filter(pk__in=products).values_list("pk", "path_key"))
    rows = []
    for category_id, count in products.items():
        attributes = {index.names[v][0] for v in index.value_ids(category_id) if v in index.names}
        have = sum(n for attribute, n in filled[category_id].items() if attribute in attributes)
        possible = count * len(attributes)
        rows.append(
            {
                "category": " › ".join(split_path_key(names.get(category_id, ""))),
                "products": count,
                "attributes": len(attributes),
                "filled": have,
                "rate": _rate(have, possible),
            }
        )
    # Least complete first (no relevant attribute: last), the most products first among equals.
    return sorted(rows, key=lambda row: (row["rate"] is None, row["rate"] or 0.0, -row["products"], row["category"]))


LEARNING_VERSIONS = 50  # newest model versions on the learning chart


def learning_rows() -> list[dict]:
    """Per model version (oldest first, the newest LEARNING_VERSIONS): the decisions sellers had
    made when its training data was frozen, and its F1 on its run's held-out products."""
    from ml.models import ModelVersion  # ml depends on catalog, not the other way round at import

    versions = list(
        ModelVersion.objects.filter(run__snapshot__isnull=False)
        .order_by("-created_at")
        .values_list("pk", "created_at", "metrics", "run__snapshot__last_decision_id")[:LEARNING_VERSIONS]
    )
    rows = []
    for pk, created_at, metrics, last_decision_id in reversed(versions):
        metrics = metrics or {}
        rows.append({
            "version": pk, "created_at": created_at.isoformat(),
            "decisions": Decision.objects.standing().filter(pk__lte=last_decision_id or 0).count(),
            "micro_f1": metrics.get("micro_f1"), "macro_f1": metrics.get("macro_f1"),
        })
    return rows


def compute_overview() -> dict:
    """Every figure of the overview, as JSON-ready data."""
    by_status = dict(Suggestion.objects.values_list("status").annotate(n=Count("id")).order_by())
    attribute_names = dict(
        Decision.objects.standing().values_list("suggestion__value__attribute_id", "suggestion__value__attribute__name").distinct()
    )
    by_attribute = acceptance_rows("suggestion__value__attribute_id", lambda pk: attribute_names.get(pk, pk))
    by_attribute.sort(key=lambda row: (-row["total"], str(row["label"])))
    completeness = completeness_rows()
    return {
        "product_count": Product.objects.count(),
        "labelled_count": Product.objects.filter(labels__isnull=False).distinct().count(),
        "suggestions": {status: by_status.get(status, 0) for status in SuggestionStatus.values},
        "suggestion_total": sum(by_status.values()),
        "by_attribute": by_attribute[:ROWS_SHOWN],
        "attribute_total": len(by_attribute),
        "by_version": acceptance_rows("model_version_id", lambda pk: pk),
        "completeness": completeness[:ROWS_SHOWN],
        "category_total": len(completeness),
        "learning": learning_rows(),
    }


def refresh_overview() -> CatalogueSummary:
    """Compute the overview and keep it as the current one. Safe to run twice at once: each
    run stores its own row and the newest stays."""
    started = time.monotonic()
    figures = compute_overview()
    with transaction.atomic():
        summary = CatalogueSummary.objects.create(
            computed_at=timezone.now(), seconds=round(time.monotonic() - started, 3), figures=figures
        )
        CatalogueSummary.objects.filter(computed_at__lt=summary.computed_at).delete()
    return summary


def current_overview() -> CatalogueSummary | None:
    """The newest stored overview. If there has never been one: computed now on a small
    catalogue, None on a larger one (the caller has it computed in the background)."""
    summary = CatalogueSummary.objects.order_by("-computed_at", "-pk").first()
    if summary is not None:
        return summary
    # A capped count: counting a marketplace's products whole would itself take a while.
    if Product.objects.all()[: COMPUTED_IN_REQUEST_UP_TO + 1].count() <= COMPUTED_IN_REQUEST_UP_TO:
        return refresh_overview()
    return None
