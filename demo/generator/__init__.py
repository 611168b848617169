"""A synthetic Japanese product catalogue: a taxonomy and products in the formats of docs/formats.md.

No Django here: `build_taxonomy(spec)` makes the taxonomy (small, held in memory whatever the
size), `iter_products(taxonomy, spec)` yields products one at a time, and `write_catalog`
streams them to files, so memory stays flat from a few thousand products to the seed paper's
two million.

Every product has a set of *true* labels. Each is visible in its text (the canonical value or
one of its aliases, sometimes in full-width or half-width characters) or implied by the name
of the product line it belongs to. Some true labels are withheld from the file that is
imported (`products.jsonl`); `truth.jsonl` has all of them and says which were withheld, so
the demo can measure how many withheld labels the model finds.

Product i depends only on (seed, i) and the taxonomy, so a run is reproducible, and a larger
run begins with the products of a smaller one.

The modules, in the order a catalogue is made:
    spec.py           CatalogSpec (the sizes and rates), PAPER_SCALE, spec_with
    taxonomy.py       Taxonomy and Leaf, build_taxonomy (which calls the next three)
    categories.py     which leaf categories exist, and each category's own attributes
    attributes.py     trimming and synthesising attributes, and a leaf's relevant labels
    product_lines.py  named product lines whose name implies some of a product's labels
    products.py       one product: its true labels, withheld labels, title and description
    stats.py          the seed paper's Table 2 figures, gathered while products stream past
    files.py          write_catalog: taxonomy.json, products.jsonl, truth.jsonl, stats.txt
The words themselves are in demo/lexicon.py, the width variants in demo/surface.py.
"""
from ..lexicon import BRAND
from .files import write_catalog
from .product_lines import Line
from .products import iter_products, make_product
from .spec import PAPER_SCALE, CatalogSpec, spec_with
from .stats import CatalogStats
from .taxonomy import Leaf, Taxonomy, build_taxonomy

__all__ = [
    "BRAND", "PAPER_SCALE", "CatalogSpec", "CatalogStats", "Leaf", "Line", "Taxonomy",
    "build_taxonomy", "iter_products", "make_product", "spec_with", "write_catalog",
]
