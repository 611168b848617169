"""The seed paper's Table 2 figures of a catalogue, gathered while its products stream past."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .spec import CatalogSpec
from .taxonomy import Taxonomy


@dataclass
class CatalogStats:
    """Running figures of the seed paper's Table 2, gathered while products stream past."""

    products: int = 0
    positives: int = 0
    imported: int = 0
    relevant: int = 0
    title_chars: int = 0
    description_chars: int = 0
    label_counts: Counter = field(default_factory=Counter)

    def add(self, product, relevant_count):
        self.products += 1
        self.positives += len(product["labels"])
        self.imported += len(product["labels"]) - len(product["withheld"])
        self.relevant += relevant_count
        self.title_chars += len(product["title"])
        self.description_chars += len(product["description"])
        self.label_counts.update(tuple(pair) for pair in product["labels"])

    def lines(self, taxonomy: Taxonomy, spec: CatalogSpec) -> list[str]:
        n = max(1, self.products)
        groups = Counter(_frequency_group(count) for count in self.label_counts.values())
        return [
            "dataset: zokusei synthetic Japanese catalogue",
            f"seed: {spec.seed}",
            f"products: {self.products}",
            f"top categories: {len({leaf.path[0] for leaf in taxonomy.leaves})}",
            f"leaf categories: {len(taxonomy.leaves)}",
            f"attributes: {len(taxonomy.attributes)}",
            f"labels (attribute-value pairs): {taxonomy.label_count}",
            f"avg characters per title: {self.title_chars / n:.2f}",
            f"avg characters per description: {self.description_chars / n:.2f}",
            f"avg positive labels (true): {self.positives / n:.2f}",
            f"avg positive labels (imported): {self.imported / n:.2f}",
            f"withheld labels: {self.positives - self.imported}",
            f"avg relevant labels: {self.relevant / n:.2f}",
            f"avg irrelevant labels: {taxonomy.label_count - self.relevant / n:.2f}",
            f"labels never positive: {taxonomy.label_count - len(self.label_counts)}",
            f"label frequency groups (high>=1e4, med>=1e3, low>=1e2, rare): {dict(sorted(groups.items()))}",
        ]


def _frequency_group(count):
    return "high" if count >= 10_000 else "med" if count >= 1000 else "low" if count >= 100 else "rare"
