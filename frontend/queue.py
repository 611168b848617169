"""The seller's review queue: products with suggestions to review, one page at a time.

Products are ranked by their best matching suggestion: "uncertain" by the smallest
|score - threshold| (the suggestion closest to the cut-off it was decided with, its
attribute's tuned threshold, catalog.Suggestion.threshold), "confident" by the highest score,
"newest" by product id. A product's rank is where its first suggestion appears when the
suggestions are read in that order, so the queue reads suggestion rows in index order, a
chunk at a time, and keeps the first occurrence of each product until the page is full:
the work grows with the page number, not with the size of the catalogue. One extra product
tells whether a next page exists. The totals (products and suggestions matching the filter)
are counted through the same indexes up to a cap (`totals`), so that a large seller's page
does not count a million rows.

Each row shows its product's most relevant matching suggestion for the sort (closest to its
cut-off, or highest score) and how many more there are: one query for the page's summaries
(the top suggestion's id a correlated subquery), one for those suggestions.

Indexes this relies on (catalog.Suggestion, see the report of issue 5): (status,
abs(score - threshold), id) and (status, score DESC, id). Without them the database sorts the
seller's matching suggestions once per chunk: correct, but slow on a large catalogue.
"newest" walks the product primary key backwards with an EXISTS per product
(index catalog_sugg_product_status), which needs nothing more.
"""
import unicodedata
from dataclasses import dataclass, field

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.lookups import DataContains
from django.db import connection
from django.db.models import Count, Exists, F, Func, Max, Min, OuterRef, Q, Subquery, TextField, Value
from django.db.models.functions import Abs, Substr, Upper

from accounts.roles import is_staff_member
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
    seller_id: int | None = None  # staff only: ignored for anyone else (queue_page)
    # The first SUBQUERY_PROBE + 1 products the category and search match, looked up once for
    # this request (`_product_condition`); not a filter anyone sets.
    probed: dict = field(default_factory=dict, repr=False, compare=False)


@dataclass
class QueuePage:
    number: int
    # dicts: product, uncertainty, confidence, count, top (the row's suggestion), more
    rows: list = field(default_factory=list)
    has_next: bool = False

    @property
    def has_previous(self):
        return self.number > 1


def _chosen_seller(user, filters: QueueFilters) -> int | None:
    return filters.seller_id if filters.seller_id and is_staff_member(user) else None


def _products_in_view(user, filters: QueueFilters):
    """The products the user may see, of the seller staff chose if any."""
    products = visible_products(user)
    if seller_id := _chosen_seller(user, filters):
        products = products.filter(seller_id=seller_id)
    return products


def _matching_suggestions(user, filters: QueueFilters):
    suggestions = visible_suggestions(user)
    if _chosen_seller(user, filters):
        # A seller's own queue is their products already; a seller id from a seller is
        # ignored, so the answer says nothing about other sellers.
        suggestions = suggestions.filter(seller_id=filters.seller_id)
    if filters.status:
        suggestions = suggestions.filter(status=filters.status)
    if filters.attribute_id:
        suggestions = suggestions.filter(value__attribute_id=filters.attribute_id)
    if filters.min_score is not None:
        suggestions = suggestions.filter(score__gte=filters.min_score)
    if filters.max_score is not None:
        suggestions = suggestions.filter(score__lte=filters.max_score)
    return suggestions


def matching_suggestions(user, filters: QueueFilters):
    """Every suggestion the queue's filter matches, on any page: what "accept ≥ X across this
    filter" acts on (catalog.review.accept_across) and what the totals count."""
    return _matching_suggestions(user, filters).filter(_product_condition(user, filters, prefix="product__"))


# The totals are counted up to these many; beyond, the page says "at least" (docs/benchmarks.md
# "Scale": counting a large seller's million pending suggestions took 1.2-1.5 s a page, while
# counting up to a cap reads at most that many index entries).
TOTAL_PRODUCTS_CAP = 1_000
TOTAL_SUGGESTIONS_CAP = 1_000


def totals(user, filters: QueueFilters) -> dict:
    """{"products": n, "suggestions": n, "products_capped": bool, "suggestions_capped": bool}
    matching the filter: exact up to the caps, else the cap itself with `*_capped` set."""
    matching = matching_suggestions(user, filters).order_by()
    suggestions = matching.values("id")[: TOTAL_SUGGESTIONS_CAP + 1].count()
    if not _product_filter(filters):
        # The distinct product ids of the matching suggestions, read in order along index
        # suggestion_seller_product (or (status, product) for staff's whole queue), stop at
        # the cap after a few thousand entries: under a millisecond for any seller of the 1M
        # catalogue. Through the products, PostgreSQL misjudged how many have a pending
        # suggestion and hashed all of a seller's, 6-45 ms (docs/benchmarks.md, "Seventh pass").
        products = matching.values("product_id").distinct()[: TOTAL_PRODUCTS_CAP + 1].count()
    else:
        # A category or search: the products it matches first, each with an EXISTS on its
        # suggestions (walking the suggestions in product order would test each one's product
        # against the filter until a thousand matched).
        having = _matching_suggestions(user, filters).filter(product_id=OuterRef("pk"))
        products = (
            _products_in_view(user, filters).filter(_product_condition(user, filters)).filter(Exists(having))
            .order_by().values("id")[: TOTAL_PRODUCTS_CAP + 1].count()
        )
    return {
        "products": min(products, TOTAL_PRODUCTS_CAP),
        "products_capped": products > TOTAL_PRODUCTS_CAP,
        "suggestions": min(suggestions, TOTAL_SUGGESTIONS_CAP),
        "suggestions_capped": suggestions > TOTAL_SUGGESTIONS_CAP,
    }


def _sort_key(sort):
    """(expression, ascending) of the queue's order; the expressions are those of the indexes."""
    if sort == "confident" or sort == "newest":
        return F("score"), False
    return Abs(F("score") - F("threshold")), True


# A category or search that matches at most PRODUCT_PROBE of the user's products is applied as
# the list of those products, found first through the category and trigram indexes. PostgreSQL
# cannot tell how many products a search matches (a title's words are not in its statistics):
# as a condition on the product joined to each suggestion, it walked a large seller's whole
# queue order, 630,000 suggestions and 3.5 s, to find a search's few products
# (docs/benchmarks.md, "Scale"). One that matches up to SUBQUERY_PROBE is applied, where
# suggestions are walked ("uncertain", "confident", the totals), as a subquery of the matching
# products: the walk then checks each suggestion against a hashed set of them, not against its
# product's title (a large seller's page for a word in 0.7% of its titles: 470-650 ms walking,
# 45-50 ms with the subquery). A filter that matches more finds its products at once in the
# walk, and the subquery would read all of them (a word in 8% of a large seller's titles:
# 120-170 ms walking, 190-215 ms with the subquery).
PRODUCT_PROBE = 1_000
SUBQUERY_PROBE = 2_500


def _product_condition(user, filters: QueueFilters, prefix=""):
    """The category and search as a condition on products (prefix "") or on suggestions
    (prefix "product__"): the matching products' ids where they are few, a subquery of them
    where they are not many more, else the filter."""
    condition = _product_filter(filters)
    if not condition:
        return condition
    matching = _products_in_view(user, filters).filter(condition).order_by().values_list("id", flat=True)
    if "ids" not in filters.probed:
        filters.probed["ids"] = list(matching[: SUBQUERY_PROBE + 1])
    ids = filters.probed["ids"]
    in_products = "id__in" if not prefix else "product_id__in"
    if len(ids) <= PRODUCT_PROBE:
        return Q(**{in_products: ids})
    if len(ids) <= SUBQUERY_PROBE and prefix:
        # Only for a walk of suggestions: a walk of the products themselves ("newest") tests
        # each one's own title, with no join to save (and was slower with the subquery).
        return Q(**{in_products: matching})
    return _product_filter(filters, prefix)


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
            match = Q(**{f"{prefix}title__icontains": variant})
            if not prefix and len(variant) == 2 and connection.vendor == "postgresql":
                match &= _has_title_bigram(variant)
            matches |= match
        condition &= matches
    return condition


def _has_title_bigram(text):
    """The first 1,000 characters of the product's title hold these two, as a condition the
    GIN index of migration catalog 0012 answers (PostgreSQL); the LIKE beside it still decides.
    A trigram index cannot serve two characters, and without this such a search scanned all of
    a large seller's titles. Titles imported today are at most 1,000 characters long."""
    bigrams = ArrayField(TextField())
    return DataContains(
        Func(Upper("title"), function="zk_title_bigrams", output_field=bigrams),
        Func(Upper(Value(text)), template="ARRAY[%(expressions)s]", output_field=bigrams),
    )


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
    key, ascending = _sort_key(sort)
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


def _ranked_product_ids(user, filters: QueueFilters, suggestions, offset: int, count: int) -> list[int]:
    """The ids of the products at positions offset .. offset + count - 1 of the queue."""
    if filters.sort != "newest":
        ranked = _products_in_order(
            suggestions.filter(_product_condition(user, filters, prefix="product__")), filters.sort, offset + count
        )
        return ranked[offset:]
    matching = suggestions.filter(product_id=OuterRef("pk"))
    products = (
        visible_products(user)
        .filter(_product_condition(user, filters))
        .filter(Exists(matching))
        .order_by("-id")
        .values_list("id", flat=True)
    )
    return list(products[offset : offset + count])


def queue_page(user, filters: QueueFilters, number: int = 1, size: int = PAGE_SIZE) -> QueuePage:
    number = max(1, number)
    suggestions = _matching_suggestions(user, filters)
    ids = _ranked_product_ids(user, filters, suggestions, (number - 1) * size, size + 1)
    has_next = len(ids) > size
    ids = ids[:size]
    keyed = {row["product_id"]: row for row in _summaries(suggestions.filter(product_id__in=ids), filters.sort)}
    # A product whose last suggestion was decided since its id was read is left out.
    rows = [keyed[pk] for pk in ids if pk in keyed]
    # A row shows 90 characters of the title: read only those, never a stored title or
    # description of megabytes (older rows may predate catalog/limits.py).
    products = (
        visible_products(user)
        .select_related("category", "seller")
        .defer("title", "description")
        .annotate(title_start=Substr("title", 1, TITLE_CHARS_SHOWN + 1))
        .in_bulk([row["product_id"] for row in rows])
    )
    tops = Suggestion.objects.select_related("value__attribute").in_bulk([row["top_id"] for row in rows])
    for row in rows:
        row["product"] = products[row["product_id"]]
        row["top"] = tops.get(row["top_id"])
        row["more"] = row["count"] - 1
    return QueuePage(number=number, rows=rows, has_next=has_next)


def _summaries(suggestions, sort):
    key, ascending = _sort_key(sort)
    top = (
        suggestions.filter(product_id=OuterRef("product_id"))
        .annotate(sort_key=key)
        .order_by("sort_key" if ascending else "-sort_key", "id")
        .values("id")[:1]
    )
    return suggestions.values("product_id").annotate(
        uncertainty=Min(Abs(F("score") - F("threshold"))), confidence=Max("score"), count=Count("id"),
        top_id=Subquery(top),
    )


def next_product_id(user, filters: QueueFilters, exclude_id, exclude=()):
    """The product the `n` key goes to: the head of the queue, leaving out the current one
    and those in `exclude` (the products already seen in this pass, frontend/review_pass.py)."""
    excluded = {exclude_id, *exclude}
    # The head of the queue long enough to hold every excluded product and one more: only the
    # ids, not the rows a page shows (this runs on every product page).
    ids = _ranked_product_ids(user, filters, _matching_suggestions(user, filters), 0, len(excluded) + 1)
    return next((pk for pk in ids if pk not in excluded), None)
