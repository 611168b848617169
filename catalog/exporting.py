"""Export products as JSONL (FORMATS.md, "Products"), streaming in chunks.

Each line carries every label the product holds, whatever its source, sorted by attribute
then value, and always its seller, so that export -> import -> export gives the same lines.
"""
import json
from collections import defaultdict
from collections.abc import Iterator

from taxonomy.names import PATH_SEPARATOR

from .models import Product, ProductLabel

# Products per round of queries while streaming.
CHUNK_SIZE = 2000


def product_lines(products=None) -> Iterator[str]:
    """Yield one JSON line (with its newline) per product of the queryset, ordered by seller and id."""
    products = Product.objects.all() if products is None else products
    rows = products.order_by("seller__slug", "external_id").values_list(
        "id", "external_id", "category__path_key", "title", "description", "seller__slug"
    )
    chunk = []
    for row in rows.iterator(chunk_size=CHUNK_SIZE):
        chunk.append(row)
        if len(chunk) == CHUNK_SIZE:
            yield from _lines(chunk)
            chunk = []
    yield from _lines(chunk)


def export_products(out, products=None) -> int:
    """Write the products to a text stream; return how many were written."""
    count = 0
    for line in product_lines(products):
        out.write(line)
        count += 1
    return count


def _lines(chunk):
    if not chunk:
        return
    labels = defaultdict(list)
    for product_id, attribute, value in ProductLabel.objects.filter(product_id__in=[row[0] for row in chunk]).values_list(
        "product_id", "value__attribute__name", "value__name"
    ):
        labels[product_id].append([attribute, value])
    for product_id, external_id, path_key, title, description, seller in chunk:
        line = {
            "id": external_id,
            "category": path_key.split(PATH_SEPARATOR),
            "title": title,
            "description": description,
            "labels": sorted(labels[product_id]),
            "seller": seller,
        }
        yield json.dumps(line, ensure_ascii=False) + "\n"
