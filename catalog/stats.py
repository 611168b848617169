"""Catalogue statistics in the form of the seed paper's Table 2.

Tokens are whitespace-separated words (`str.split()`), which reproduces the figures of the
benchmark folders' stats.txt. Relevant labels per product come from counts of products per
category times the size of that category's relevant set, not from a loop over products.
"""
from dataclasses import asdict, dataclass

from django.db.models import Count

from taxonomy.models import Attribute, AttributeValue, Category
from taxonomy.relevance import relevance_index

from .models import Product, ProductLabel

# Rows fetched per round trip while counting tokens.
CHUNK_SIZE = 5000


@dataclass
class CatalogStats:
    products: int
    top_categories: int
    leaf_categories: int
    attributes: int
    labels: int
    avg_tokens_per_title: float
    avg_tokens_per_description: float
    avg_positive_labels: float
    avg_relevant_labels: float
    avg_irrelevant_labels: float

    def as_dict(self) -> dict:
        return asdict(self)

    def lines(self) -> list[str]:
        return [
            f"products: {self.products}",
            f"top categories: {self.top_categories}",
            f"leaf categories: {self.leaf_categories}",
            f"attributes: {self.attributes}",
            f"labels (attribute-value pairs): {self.labels}",
            f"avg tokens per title: {self.avg_tokens_per_title:.2f}",
            f"avg tokens per description: {self.avg_tokens_per_description:.2f}",
            f"avg positive labels: {self.avg_positive_labels:.2f}",
            f"avg relevant labels: {self.avg_relevant_labels:.2f}",
            f"avg irrelevant labels: {self.avg_irrelevant_labels:.2f}",
        ]


def catalog_stats(products=None) -> CatalogStats:
    """Statistics of these products (a queryset; default: the whole catalogue)."""
    products = Product.objects.all() if products is None else products
    count = products.count()
    labels = AttributeValue.objects.count()
    title_tokens, description_tokens = _token_counts(products)
    index = relevance_index()
    relevant = sum(
        row["n"] * len(index.value_ids(row["category_id"]))
        for row in products.order_by().values("category_id").annotate(n=Count("id"))
    )
    positives = ProductLabel.objects.filter(product__in=products).count()
    avg_relevant = relevant / count if count else 0.0
    return CatalogStats(
        products=count,
        top_categories=Category.objects.filter(parent__isnull=True).count(),
        leaf_categories=Category.objects.filter(children__isnull=True).count(),
        attributes=Attribute.objects.count(),
        labels=labels,
        avg_tokens_per_title=title_tokens / count if count else 0.0,
        avg_tokens_per_description=description_tokens / count if count else 0.0,
        avg_positive_labels=positives / count if count else 0.0,
        avg_relevant_labels=avg_relevant,
        avg_irrelevant_labels=labels - avg_relevant if count else 0.0,
    )


def _token_counts(products) -> tuple[int, int]:
    titles = descriptions = 0
    for title, description in products.order_by().values_list("title", "description").iterator(chunk_size=CHUNK_SIZE):
        titles += len(title.split())
        descriptions += len(description.split())
    return titles, descriptions
