"""The taxonomy in memory (attributes, categories, leaves, sellers) and how it is built.

`build_taxonomy` chooses the leaf categories (categories.py), fits the attributes to the
requested sizes (attributes.py) and names product lines (product_lines.py); the taxonomy
stays small whatever the number of products.
"""
from __future__ import annotations

import itertools
import random
import unicodedata
from dataclasses import dataclass, field

from .. import lexicon
from ..lexicon import BRAND
from .attributes import assign_synthetic, fit_base_attributes, relevant_labels, synthetic_attributes
from .categories import choose_leaves
from .product_lines import Line, make_lines
from .spec import CatalogSpec


@dataclass
class Leaf:
    path: tuple[str, ...]
    nouns: list[str]
    # attribute -> allowed values (ordered): the leaf's relevant labels, grouped.
    relevant: dict[str, tuple[str, ...]]
    lines: list[Line] = field(default_factory=list)
    # Attributes other than the brand, and the cumulative weights to draw them with.
    choosable: list[str] = field(default_factory=list)
    cumulative: list[float] = field(default_factory=list)

    @property
    def relevant_count(self) -> int:
        return sum(len(values) for values in self.relevant.values())


@dataclass
class Taxonomy:
    attributes: dict[str, dict[str, list[str]]]   # attribute -> value -> aliases
    sentences: dict[str, list[str]]               # attribute -> description sentences
    # path -> {attribute: "*" or [values]}: own assignments of every category, tops first.
    categories: dict[tuple[str, ...], dict]
    leaves: list[Leaf]
    leaf_cumulative: list[float]
    sellers: list[tuple[str, str]]

    @property
    def label_count(self) -> int:
        return sum(len(values) for values in self.attributes.values())

    def to_json(self) -> dict:
        """taxonomy.json of docs/formats.md."""
        attributes = []
        for name, values in self.attributes.items():
            entries = []
            for value, aliases in values.items():
                entry = {"name": value}
                if aliases:
                    entry["aliases"] = list(aliases)
                entries.append(entry)
            attributes.append({"name": name, "values": entries})
        categories = [{"path": list(path), "attributes": own} for path, own in self.categories.items()]
        return {"attributes": attributes, "categories": categories}


def build_taxonomy(spec: CatalogSpec) -> Taxonomy:
    rng = random.Random(f"taxonomy:{spec.seed}")
    attributes = {name: {value: _dedupe(aliases, value) for value, aliases in values.items()}
                  for name, values in lexicon.ATTRIBUTES.items()}
    sentences = {name: list(lines) for name, lines in lexicon.SENTENCES.items()}
    brands = {}
    for top_brands in lexicon.BRANDS.values():
        for value, aliases in top_brands.items():
            brands.setdefault(value, _dedupe(aliases, value))
    attributes[BRAND] = brands
    sentences[BRAND] = list(lexicon.BRAND_SENTENCES)

    categories: dict[tuple[str, ...], dict] = {}
    leaf_paths = choose_leaves(spec, categories)
    leaf_nouns = {}
    for path in leaf_paths:
        base = path[-1].split("(")[0]
        leaf_nouns[path] = lexicon.LEAF_NOUNS.get(base, [path[-1]])

    fit_base_attributes(spec, attributes, categories, leaf_paths)
    synthetic = synthetic_attributes(spec, attributes, sentences)
    if synthetic:
        assign_synthetic(spec, rng, synthetic, attributes, categories, leaf_paths)

    leaves = []
    for path in leaf_paths:
        relevant = relevant_labels(path, categories, attributes)
        leaf = Leaf(path=path, nouns=leaf_nouns[path], relevant=relevant)
        _weigh_attributes(leaf)
        leaves.append(leaf)
    make_lines(rng, leaves, spec)

    weights = [1.0 / (rank + 1) ** spec.leaf_skew for rank in range(len(leaves))]
    rng.shuffle(weights)
    sellers = list(lexicon.SELLERS[: spec.sellers])
    sellers += [(f"seller-{number:04d}", f"ショップ{number}") for number in range(len(sellers) + 1, spec.sellers + 1)]
    return Taxonomy(attributes, sentences, categories, leaves, list(itertools.accumulate(weights)), sellers)


def _dedupe(aliases, value):
    # Aliases are compared after NFKC like the names; keep one of each, never the value itself.
    seen, kept = {_nfkc(value)}, []
    for alias in aliases:
        if _nfkc(alias) not in seen:
            seen.add(_nfkc(alias))
            kept.append(alias)
    return kept


def _nfkc(text):
    return unicodedata.normalize("NFKC", text)


# Attributes a product names more often than others (weight when drawing its labels).
_ATTRIBUTE_WEIGHTS = {"カラー": 4.0, "サイズ": 2.5, "靴のサイズ(cm)": 2.5, "素材": 2.0, "内容量": 2.0}


def _weigh_attributes(leaf):
    leaf.choosable = [name for name in leaf.relevant if name != BRAND]
    weights = [_ATTRIBUTE_WEIGHTS.get(name, 1.0) for name in leaf.choosable]
    leaf.cumulative = list(itertools.accumulate(weights))
