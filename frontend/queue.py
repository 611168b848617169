"""The seller's review queue: products with suggestions to review, one page at a time.

Products are ranked by their best matching suggestion: "uncertain" by the smallest
|score - 0.5| (the model's least certain call first), "confident" by the highest score,
"newest" by product id. A product's rank is where its first suggestion appears when the
suggestions are read in that order, so the queue reads suggestion rows in index order, a
chunk at a time, and keeps the first occurrence of each product until the page is full:
the work grows with the page number, not with the size of the catalogue. Without a COUNT(*)
over the whole queue, one extra product tells whether a next page exists.

Indexes this relies on (catalog.Suggestion, see the report of issue 5): (status,
abs(score - 0.5), id) and (status, score DESC, id). Without them the database sorts the
seller's matching suggestions once per chunk: correct, but slow on a large catalogue.
"newest" walks the product primary key backwards with an EXISTS per product
(index catalog_sugg_product_status), which needs nothing more.
"""
import unicodedata
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q
from django.db.models.functions import Abs, Substr

from catalog.models import SuggestionStatus
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


# Suggestion rows read by the first query while filling a page: a few pages' worth, so that
# a page usually costs one small index range scan. Later queries read twice as many as the
# one before, so a product with many suggestions never costs more than a few round trips.
CHUNK = 500
# Characters of a title a queue row shows (the template truncates to this).
TITLE_CHARS_SHOWN = 90


def _products_in_order(suggestions, sort, needed):
    """Distinct product ids in the order of their best suggestion, at most `needed` of them."""
    if sort == "confident":
        key, ascending = F("score"), False
    else:
        key, ascending = Abs(F("score") - 0.5), True
    rows = suggestions.annotate(sort_key=key).order_by("sort_key" if ascending else "-sort_key", "id")
    rows = rows.values_list("product_id", "sort_key", "id")
    found = {}
    after = None
    chunk_size = max(CHUNK, 2 * needed)
    while len(found) < needed:
        chunk = rows
        if after is not None:
            beyond = Q(sort_key__gt=after[0]) if ascending else Q(sort_key__lt=after[0])
            chunk = chunk.filter(beyond | Q(sort_key=after[0], id__gt=after[1]))
        batch = list(chunk[:chunk_size])
        for product_id, _key, _id in batch:
            found.setdefault(product_id, None)
        if len(batch) < chunk_size:
            break
        after = batch[-1][1:]
        chunk_size *= 2
    return list(found)[:needed]


def queue_page(user, filters: QueueFilters, number: int = 1, size: int = PAGE_SIZE) -> QueuePage:
    number = max(1, number)
    offset = (number - 1) * size
    suggestions = _matching_suggestions(user, filters)
    if filters.sort != "newest":
        ranked = _products_in_order(
            suggestions.filter(_product_filter(filters, prefix="product__")), filters.sort, offset + size + 1
        )
        ids = ranked[offset : offset + size]
        keyed = {row["product_id"]: row for row in _summaries(suggestions.filter(product_id__in=ids))}
        rows = [keyed[pk] for pk in ids]
        has_next = len(ranked) > offset + size
    else:
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
    # A row shows 90 characters of the title: read only those, never a stored title or
    # description of megabytes (older rows may predate catalog/limits.py).
    products = (
        visible_products(user)
        .select_related("category", "seller")
        .defer("title", "description")
        .annotate(title_start=Substr("title", 1, TITLE_CHARS_SHOWN + 1))
        .in_bulk([row["product_id"] for row in rows])
    )
    for row in rows:
        row["product"] = products[row["product_id"]]
    return QueuePage(number=number, rows=rows, has_next=has_next)


def _summaries(suggestions):
    return suggestions.values("product_id").annotate(
        uncertainty=Min(Abs(F("score") - 0.5)), confidence=Max("score"), count=Count("id")
    )


def next_product_id(user, filters: QueueFilters, exclude_id, exclude=()):
    """The product the `n` key goes to: the head of the queue, leaving out the current one
    and those in `exclude` (the products already seen in this pass, frontend/review_pass.py)."""
    excluded = {exclude_id, *exclude}
    # One page long enough to hold every excluded product and one more: the queue's own order.
    page = queue_page(user, filters, 1, size=len(excluded) + 1)
    for row in page.rows:
        if row["product_id"] not in excluded:
            return row["product_id"]
    return None
