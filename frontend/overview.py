"""The staff catalogue overview: counts, acceptance rates, completeness per category.

Each figure is one aggregate query (GROUP BY in the database), never a loop over products.
"""
from collections import defaultdict

from django.db.models import Count, Q

from catalog.models import Decision, DecisionAction, Product, ProductLabel, Suggestion, SuggestionStatus
from taxonomy.models import Category
from taxonomy.names import split_path_key
from taxonomy.relevance import relevance_index


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
    return sorted(rows, key=lambda row: row["category"])


def catalogue_overview() -> dict:
    by_status = dict(Suggestion.objects.values_list("status").annotate(n=Count("id")).order_by())
    attribute_names = dict(
        Decision.objects.standing().values_list("suggestion__value__attribute_id", "suggestion__value__attribute__name").distinct()
    )
    return {
        "product_count": Product.objects.count(),
        "labelled_count": Product.objects.filter(labels__isnull=False).distinct().count(),
        "suggestions": {status: by_status.get(status, 0) for status in SuggestionStatus.values},
        "suggestion_total": sum(by_status.values()),
        "by_attribute": acceptance_rows("suggestion__value__attribute_id", lambda pk: attribute_names.get(pk, pk)),
        "by_version": acceptance_rows("model_version_id", lambda pk: pk),
        "completeness": completeness_rows(),
    }
