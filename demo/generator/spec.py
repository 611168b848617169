"""What to generate: sizes, rates and the seed, as one frozen value."""
from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class CatalogSpec:
    products: int = 15000                # products to generate (the demo catalogue)
    top_categories: int | None = None    # None: the hand-written tree's (8)
    leaf_categories: int | None = None   # None: the hand-written tree's (41); more are synthesised
    attributes: int | None = None        # None: those the chosen leaves use; more are synthesised
    labels: int | None = None            # attribute-value pairs in all; None: as the attributes have
    relevant_labels: float | None = None  # mean relevant labels per product to aim for (synthetic
                                          # attributes are assigned until leaves reach it)
    positive_labels: float = 4.5         # mean true labels per product (paper: 4.42)
    withheld_fraction: float = 0.25      # of each product's true labels, left out of the import
    line_rate: float = 0.5               # products that belong to a named product line
    brand_rate: float = 0.85             # products whose brand is known and written
    confuser_rate: float = 0.05          # products whose description names another colour
    full_width_rate: float = 0.12        # surface forms written in full-width characters
    half_width_rate: float = 0.08        # surface forms written in half-width katakana
    leaf_skew: float = 0.3               # Zipf exponent of leaf popularity (0 = uniform)
    sellers: int = 2
    seed: int = 0


# The seed paper's Table 2 (its Japanese e-commerce data set).
PAPER_SCALE = CatalogSpec(
    products=2_000_000, top_categories=38, leaf_categories=6796, attributes=1300, labels=7979,
    relevant_labels=489, positive_labels=4.42, withheld_fraction=0.0, sellers=200, leaf_skew=0.8,
)


def spec_with(base: CatalogSpec, **options) -> CatalogSpec:
    """base with the options that are not None replaced."""
    return replace(base, **{name: value for name, value in options.items() if value is not None})
