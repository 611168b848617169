"""One product at a time: its leaf, true labels, withheld labels, title and description.

Product i draws everything from its own random generator, seeded by (seed, i), so it does
not depend on the products before it.
"""
from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Iterator

from .. import lexicon
from ..lexicon import BRAND
from ..surface import vary_width
from .spec import CatalogSpec
from .taxonomy import Taxonomy


def iter_products(taxonomy: Taxonomy, spec: CatalogSpec, start: int = 0) -> Iterator[dict]:
    """Products start, start+1, ... as dicts: the docs/formats.md fields with `labels` holding
    every true label, plus `withheld` (the true labels left out of the import) and `implied`
    (the true labels only the product line's name gives away)."""
    for index in range(start, spec.products):
        yield make_product(taxonomy, spec, index)


def make_product(taxonomy: Taxonomy, spec: CatalogSpec, index: int) -> dict:
    rng = random.Random(spec.seed * 1_000_000_007 + index)
    leaf = taxonomy.leaves[bisect.bisect(taxonomy.leaf_cumulative, rng.random() * taxonomy.leaf_cumulative[-1])]
    labels, line = _draw_labels(rng, leaf, spec)
    title, description = _render(rng, taxonomy, spec, leaf, labels, line)
    truth = sorted(labels)
    withheld = _withhold(rng, truth, spec.withheld_fraction)
    seller_slug = taxonomy.sellers[index % len(taxonomy.sellers)][0]
    return {
        "id": f"P{index + 1:07d}",
        "category": list(leaf.path),
        "title": title,
        "description": description,
        "labels": [list(pair) for pair in truth],
        "withheld": [list(pair) for pair in withheld],
        "implied": [list(pair) for pair in sorted(line.implied)] if line else [],
        "seller": seller_slug,
    }


def _draw_labels(rng, leaf, spec):
    """The product's true labels: a brand, a product line and what it implies, and values of
    attributes drawn by weight; one value per attribute."""
    labels: dict[str, str] = {}
    wanted = 1 + sum(rng.random() < (spec.positive_labels - 1) / 8 for _ in range(8))
    brands = leaf.relevant.get(BRAND)
    if brands and rng.random() < spec.brand_rate:
        labels[BRAND] = _zipf_choice(rng, brands)
    line = None
    if leaf.lines and rng.random() < spec.line_rate:
        line = rng.choice(leaf.lines)
        labels.update(line.implied)
    tries = 0
    while len(labels) < wanted and tries < 4 * wanted + 8:
        tries += 1
        name = leaf.choosable[bisect.bisect(leaf.cumulative, rng.random() * leaf.cumulative[-1])] \
            if leaf.choosable else None
        if name is None:
            break
        if name not in labels:
            labels[name] = _zipf_choice(rng, leaf.relevant[name])
    return set(labels.items()), line


def _zipf_choice(rng, values):
    cumulative = _zipf_cumulative(len(values))
    return values[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


_ZIPF = {}


def _zipf_cumulative(size):
    # A few values of each attribute are common and the rest rarer, as in real catalogues.
    if size not in _ZIPF:
        _ZIPF[size] = list(itertools.accumulate(1.0 / (rank + 1) ** 0.6 for rank in range(size)))
    return _ZIPF[size]


def _withhold(rng, truth, fraction):
    if fraction <= 0 or len(truth) < 2:
        return []
    count = min(len(truth) - 1, max(1, int(fraction * len(truth) + rng.random())))
    return sorted(rng.sample(truth, count))


def _render(rng, taxonomy, spec, leaf, labels, line):
    """Title and description: every label not implied by the line is written once, through
    its canonical name or an alias, in the title or in a description sentence."""
    implied = set(line.implied) if line else set()
    written = [pair for pair in sorted(labels) if pair not in implied]
    rng.shuffle(written)

    def surface(name, value):
        forms = [value] + taxonomy.attributes[name][value]
        return vary_width(rng.choice(forms), rng, spec.full_width_rate, spec.half_width_rate)

    title = [rng.choice(lexicon.OPENERS)]
    brand = next((value for name, value in written if name == BRAND), None)
    if brand is not None:
        title.append(surface(BRAND, brand))
    if line is not None:
        title.append(vary_width(line.name, rng, spec.full_width_rate, 0.0))
    title.append(vary_width(rng.choice(leaf.nouns), rng, 0.0, spec.half_width_rate))
    sentences = []
    in_title = rng.randint(1, 3)
    for name, value in written:
        if name == BRAND and rng.random() < 0.8:
            continue
        text = surface(name, value)
        if in_title > 0 and name != BRAND:
            title.append(text)
            in_title -= 1
        else:
            sentences.append(rng.choice(taxonomy.sentences[name]).format(v=text))
    if rng.random() < spec.confuser_rate and "カラー" in leaf.relevant:
        own = {value for name, value in labels if name == "カラー"}
        others = [value for value in leaf.relevant["カラー"] if value not in own]
        if others:
            sentences.append(f"{surface('カラー', rng.choice(others))}のアイテムとのコーディネートもおすすめ。")
    sentences.append(rng.choice(lexicon.FILLERS))
    rng.shuffle(sentences)
    return " ".join(part for part in title if part), " ".join(part for part in sentences if part)
