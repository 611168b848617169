"""Export products as JSONL (docs/formats.md, "Products") or CSV (catalog/csvfiles.py), streaming
in chunks.

Each product carries every label it holds, whatever its source, sorted by attribute then
value, and always its seller, so that export -> import -> export gives the same file.
"""
import json
from collections import defaultdict
from collections.abc import Iterator

from taxonomy.names import PATH_SEPARATOR

from . import csvfiles
from .models import Product, ProductLabel

# Products per round of queries while streaming.
CHUNK_SIZE = 2000
FORMATS = ("jsonl", "csv")


def product_records(products=None) -> Iterator[dict]:
    """Yield one docs/formats.md product dict per product of the queryset, ordered by seller and id."""
    products = Product.objects.all() if products is None else products
    rows = products.order_by("seller__slug", "external_id").values_list(
        "id", "external_id", "category__path_key", "title", "description", "seller__slug"
    )
    chunk = []
    for row in rows.iterator(chunk_size=CHUNK_SIZE):
        chunk.append(row)
        if len(chunk) == CHUNK_SIZE:
            yield from _records(chunk)
            chunk = []
    yield from _records(chunk)


def product_lines(products=None, file_format="jsonl") -> Iterator[str]:
    """Yield the export file line by line (each with its newline)."""
    products = Product.objects.all() if products is None else products
    if file_format == "csv":
        attributes = ProductLabel.objects.filter(product__in=products).values_list("value__attribute__name", flat=True)
        yield from csvfiles.csv_lines(product_records(products), sorted(set(attributes)))
        return
    for record in product_records(products):
        yield json.dumps(record, ensure_ascii=False) + "\n"


def export_products(out, products=None, file_format="jsonl") -> int:
    """Write the products to a text stream; return how many were written."""
    count = 0
    for line in product_lines(products, file_format):
        out.write(line)
        count += 1
    return count - (file_format == "csv")  # the CSV header is no product


def _records(chunk):
    if not chunk:
        return
    labels = defaultdict(list)
    for product_id, attribute, value in ProductLabel.objects.filter(product_id__in=[row[0] for row in chunk]).values_list(
        "product_id", "value__attribute__name", "value__name"
    ):
        labels[product_id].append([attribute, value])
    for product_id, external_id, path_key, title, description, seller in chunk:
        yield {
            "id": external_id,
            "category": path_key.split(PATH_SEPARATOR),
            "title": title,
            "description": description,
            "labels": sorted(labels[product_id]),
            "seller": seller,
        }
