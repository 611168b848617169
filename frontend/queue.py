"""The seller's review queue: products with suggestions to review, one page at a time.

The queue is a GROUP BY over suggestion rows (one row per product with its least certain and
most confident suggestion), never over products, so a product without suggestions costs
nothing. Pages are fetched with LIMIT/OFFSET on that grouped query plus one extra row to know
whether a next page exists; there is no COUNT(*) over the whole queue, which on a large
catalogue would cost as much as the page itself again.

Sorting by "newest" walks products in id order and checks for matching suggestions with an
EXISTS per product (index `catalog_sugg_product_status`), so it stops after one page.
"""
import unicodedata
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q
from django.db.models.functions import Abs

from catalog.models import Suggestion, SuggestionStatus
from catalog.review import visible_products, visible_suggestions
from taxonomy.names import PATH_SEPARATOR

SORTS = ("uncertain", "confident", "newest")
PAGE_SIZE = 25


@dataclass
class QueueFilters:
    sort: str = "uncertain"
    category: object = None  # a taxonomy.Category or None
    attribute_id: int | None = None
    min_score: float | None = None
    max_score: float | None = None
    status: str = SuggestionStatus.PENDING
    search: str = ""


@dataclass
class QueuePage:
    number: int
    rows: list = field(default_factory=list)  # dicts: product, uncertainty, confidence, count
    has_next: bool = False

    @property
    def has_previous(self):
        return self.number > 1


def _matching_suggestions(user, filters: QueueFilters):
    suggestions = visible_suggestions(user)
    if filters.status:
        suggestions = suggestions.filter(status=filters.status)
    if filters.attribute_id:
        suggestions = suggestions.filter(value__attribute_id=filters.attribute_id)
    if filters.min_score is not None:
        suggestions = suggestions.filter(score__gte=filters.min_score)
    if filters.max_score is not None:
        suggestions = suggestions.filter(score__lte=filters.max_score)
    return suggestions


def _product_filter(filters: QueueFilters, prefix=""):
    condition = Q()
    if filters.category is not None:
        # The category and its whole subtree, through the unique path_key index.
        condition &= Q(**{f"{prefix}category__path_key": filters.category.path_key}) | Q(
            **{f"{prefix}category__path_key__startswith": filters.category.path_key + PATH_SEPARATOR}
        )
    if filters.search:
        matches = Q()
        for variant in search_variants(filters.search):
            matches |= Q(**{f"{prefix}title__icontains": variant})
        condition &= matches
    return condition


# ASCII "!" to "~" and their full-width forms (U+FF01 to U+FF5E) are 0xFEE0 apart.
_FULL_WIDTH = {code: code + 0xFEE0 for code in range(0x21, 0x7F)}


def search_variants(text: str) -> list[str]:
    """The query as typed, NFKC-normalised, and with ASCII in full-width form.

    Titles are stored as the seller wrote them; Japanese titles often spell Latin letters and
    digits full-width ("ＲＥＤ"), so "red" must find "ＲＥＤ" and "ＲＥＤ" must find "RED".
    """
    typed = text.strip()
    normalized = unicodedata.normalize("NFKC", typed)
    return sorted({typed, normalized, normalized.translate(_FULL_WIDTH)} - {""})


def queue_page(user, filters: QueueFilters, number: int = 1, size: int = PAGE_SIZE) -> QueuePage:
    number = max(1, number)
    offset = (number - 1) * size
    suggestions = _matching_suggestions(user, filters)
    if filters.sort == "newest":
        matching = suggestions.filter(product_id=OuterRef("pk"))
        products = (
            visible_products(user)
            .filter(_product_filter(filters))
            .filter(Exists(matching))
            .order_by("-id")
            .values_list("id", flat=True)
        )
        ids = list(products[offset : offset + size + 1])
        keyed = {row["product_id"]: row for row in _summaries(suggestions.filter(product_id__in=ids[:size]))}
        rows = [keyed[pk] for pk in ids[:size] if pk in keyed]
        has_next = len(ids) > size
    else:
        grouped = _summaries(suggestions.filter(_product_filter(filters, prefix="product__")))
        if filters.sort == "confident":
            grouped = grouped.order_by("-confidence", "product_id")
        else:
            grouped = grouped.order_by("uncertainty", "product_id")
        rows = list(grouped[offset : offset + size + 1])
        has_next = len(rows) > size
        rows = rows[:size]
    products = visible_products(user).select_related("category", "seller").in_bulk([row["product_id"] for row in rows])
    for row in rows:
        row["product"] = products[row["product_id"]]
    return QueuePage(number=number, rows=rows, has_next=has_next)


def _summaries(suggestions):
    return suggestions.values("product_id").annotate(
        uncertainty=Min(Abs(F("score") - 0.5)), confidence=Max("score"), count=Count("id")
    )


def next_product_id(user, filters: QueueFilters, exclude_id):
    """The product the `n` key goes to: the head of the queue, leaving out the current one."""
    page = queue_page(user, filters, 1, size=2)
    for row in page.rows:
        if row["product_id"] != exclude_id:
            return row["product_id"]
    return None
