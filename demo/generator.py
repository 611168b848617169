"""A synthetic Japanese product catalogue: a taxonomy and products in the formats of FORMATS.md.

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
"""
from __future__ import annotations

import bisect
import itertools
import json
import math
import random
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import lexicon
from .surface import vary_width

BRAND = "ブランド"


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


@dataclass
class Line:
    """A product line: its name implies `implied` labels, which the text does not write."""

    name: str
    implied: tuple[tuple[str, str], ...]


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
        """taxonomy.json of FORMATS.md."""
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


# -- the taxonomy ---------------------------------------------------------------------------

def build_taxonomy(spec: CatalogSpec) -> Taxonomy:
    rng = random.Random(f"taxonomy:{spec.seed}")
    attributes = {name: {value: _dedupe(aliases, value) for value, aliases in values.items()}
                  for name, values in lexicon.ATTRIBUTES.items()}
    sentences = {name: list(lines) for name, lines in lexicon.SENTENCES.items()}
    brands = {}
    for top, top_brands in lexicon.BRANDS.items():
        for value, aliases in top_brands.items():
            brands.setdefault(value, _dedupe(aliases, value))
    attributes[BRAND] = brands
    sentences[BRAND] = ["ブランド:{v}", "{v}の人気モデル。", "メーカー:{v}"]

    categories: dict[tuple[str, ...], dict] = {}
    leaf_paths = _choose_leaves(spec, categories)
    leaf_nouns = {}
    for path in leaf_paths:
        base = path[-1].split("(")[0]
        leaf_nouns[path] = lexicon.LEAF_NOUNS.get(base, [path[-1]])

    _fit_base_attributes(spec, attributes, categories, leaf_paths)
    synthetic = _synthetic_attributes(spec, attributes, sentences)
    if synthetic:
        _assign_synthetic(spec, rng, synthetic, attributes, categories, leaf_paths)

    leaves = []
    for path in leaf_paths:
        relevant = _relevant(path, categories, attributes)
        leaf = Leaf(path=path, nouns=leaf_nouns[path], relevant=relevant)
        _weigh_attributes(leaf)
        leaves.append(leaf)
    _make_lines(rng, leaves, spec)

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


def _tops(spec):
    base = list(lexicon.TREE)
    wanted = spec.top_categories or len(base)
    if spec.leaf_categories is not None:
        wanted = min(wanted, spec.leaf_categories)
    return (base + lexicon.EXTRA_TOPS)[:wanted]


def _base_leaves(top):
    tree = lexicon.TREE.get(top, {})
    return [(top, middle, leaf) for middle, leaves in tree.items() if middle != "_" for leaf in leaves if leaf != "_"]


def _synthetic_leaves(top):
    """Endless leaves for one top category beyond the hand-written ones: variants of its
    leaves, or made-up middle and leaf categories for the tops the lexicon only names."""
    base = _base_leaves(top)
    for number in itertools.count(1):
        for modifier in lexicon.SYNTHETIC_MODIFIERS:
            suffix = modifier if number == 1 else f"{modifier}{number}"
            if base:
                for _, middle, leaf in base:
                    yield (top, middle, f"{leaf}({suffix})")
            else:
                middle = f"{top}・{modifier}"
                yield (top, middle, f"{middle}{number}" if number > 1 else f"{modifier}{top}")


def _base_leaf_count():
    return sum(len(_base_leaves(top)) for top in lexicon.TREE)


def _choose_leaves(spec, categories):
    """Leaves round-robin over the top categories, and the categories' own assignments."""
    tops = _tops(spec)
    wanted = spec.leaf_categories or _base_leaf_count()
    # Hand-written leaves first, round-robin over the tops so that each has some, then
    # synthetic ones the same way.
    chosen = []
    for streams in ([iter(_base_leaves(top)) for top in tops], [_synthetic_leaves(top) for top in tops]):
        while len(chosen) < wanted and streams:
            for stream in list(streams):
                leaf = next(stream, None) if len(chosen) < wanted else None
                if leaf is None:
                    streams.remove(stream)
                else:
                    chosen.append(leaf)
    chosen.sort(key=lambda path: (tops.index(path[0]), path))
    for top, middle, leaf in chosen:
        tree = lexicon.TREE.get(top, {})
        categories.setdefault((top,), dict(tree.get("_", {})))
        brands = lexicon.BRANDS.get(top)
        if brands:
            categories[(top,)][BRAND] = list(brands)
        if top not in lexicon.TREE:
            categories[(top,)].setdefault("カラー", lexicon.ALL)
        middle_tree = tree.get(middle, {})
        categories.setdefault((top, middle), dict(middle_tree.get("_", {})))
        base_leaf = leaf.split("(")[0]
        categories[(top, middle, leaf)] = dict(middle_tree.get(base_leaf, {}))
    return [path for path in categories if len(path) == 3]


def _fit_base_attributes(spec, attributes, categories, leaf_paths):
    """Drop the hand-written attributes no chosen category uses, then trim to --attributes
    and --labels when those ask for fewer than the hand-written taxonomy has."""
    used = Counter(name for own in categories.values() for name in own)
    for name in list(attributes):
        if name not in used:
            del attributes[name]
    if spec.attributes is not None and spec.attributes < len(attributes):
        keep = {name for name, _ in used.most_common(spec.attributes)}
        for name in list(attributes):
            if name not in keep:
                del attributes[name]
        for own in categories.values():
            for name in list(own):
                if name not in keep:
                    del own[name]
    if spec.labels is not None:
        # Trim values of the largest attributes first, keeping at least two per attribute.
        while sum(len(values) for values in attributes.values()) > spec.labels:
            name = max(attributes, key=lambda n: (len(attributes[n]), n))
            if len(attributes[name]) <= 2:
                break
            dropped = list(attributes[name])[-1]
            del attributes[name][dropped]
            for own in categories.values():
                allowed = own.get(name)
                if isinstance(allowed, list) and dropped in allowed:
                    allowed.remove(dropped)
                    if not allowed:
                        del own[name]


def _synthetic_attributes(spec, attributes, sentences):
    """Attributes beyond the hand-written ones, to reach --attributes and --labels."""
    count = (spec.attributes or 0) - len(attributes)
    if count <= 0:
        return []
    labels_left = (spec.labels or 0) - sum(len(values) for values in attributes.values())
    per_attribute = max(2, labels_left // count) if spec.labels else 6
    extra = labels_left - per_attribute * count if spec.labels else 0
    names = []
    for index in range(count):
        aspect = lexicon.SYNTHETIC_ASPECTS[index % len(lexicon.SYNTHETIC_ASPECTS)]
        name = f"{aspect}{index // len(lexicon.SYNTHETIC_ASPECTS) + 1}"
        size = per_attribute + (1 if index < extra else 0)
        attributes[name] = {
            f"{name}-{_letters(k)}": [f"{name} {_letters(k)}型", f"{aspect[:2]}{index}{_letters(k)}"]
            for k in range(size)
        }
        sentences[name] = [f"{name}:{{v}}", "{v}" + "仕様。"]
        names.append(name)
    return names


def _letters(k):
    text = ""
    k += 1
    while k:
        k, rest = divmod(k - 1, 26)
        text = chr(65 + rest) + text
    return text


def _assign_synthetic(spec, rng, synthetic, attributes, categories, leaf_paths):
    """Give the synthetic attributes to middle categories (shared by their leaves) and to
    leaves, from a window of attributes per top category, until leaves have about
    --relevant-labels relevant labels."""
    tops = sorted({path[0] for path in leaf_paths}, key=lambda top: next(i for i, p in enumerate(leaf_paths) if p[0] == top))
    middles = sorted({path[:2] for path in leaf_paths})
    mean_size = sum(len(attributes[name]) for name in synthetic) / len(synthetic)
    base_mean = sum(_relevant_size(path, categories, attributes) for path in leaf_paths) / len(leaf_paths)
    target = spec.relevant_labels or base_mean + 3 * mean_size
    per_middle = max(1, round((target - base_mean - mean_size) / mean_size))
    stride = len(synthetic) / len(tops)
    window = max(math.ceil(stride), math.ceil(per_middle * 1.5) + 1)
    for top_index, top in enumerate(tops):
        start = int(top_index * stride)
        pool = [synthetic[(start + offset) % len(synthetic)] for offset in range(min(window, len(synthetic)))]
        top_middles = [middle for middle in middles if middle[0] == top]
        # The first middle of each top takes the window in order, so every attribute is used.
        for number, middle in enumerate(top_middles):
            chosen = pool[:per_middle] if number == 0 else rng.sample(pool, min(per_middle, len(pool)))
            for name in chosen:
                categories[middle].setdefault(name, lexicon.ALL)
        leftovers = pool[per_middle:]
        for number, path in enumerate(path for path in leaf_paths if path[0] == top):
            name = leftovers[number % len(leftovers)] if leftovers else rng.choice(pool)
            categories[path].setdefault(name, lexicon.ALL)


def _relevant_size(path, categories, attributes):
    return sum(len(values) for values in _relevant(path, categories, attributes).values())


def _relevant(path, categories, attributes):
    allowed: dict[str, set | None] = {}
    for depth in range(1, len(path) + 1):
        for name, values in categories.get(path[:depth], {}).items():
            if name not in attributes:
                continue
            if values == lexicon.ALL or allowed.get(name, set()) is None:
                allowed[name] = None
            else:
                allowed.setdefault(name, set()).update(values)
    relevant = {}
    for name, values in allowed.items():
        ordered = tuple(v for v in attributes[name] if values is None or v in values)
        if ordered:
            relevant[name] = ordered
    return relevant


# Attributes a product names more often than others (weight when drawing its labels).
_ATTRIBUTE_WEIGHTS = {"カラー": 4.0, "サイズ": 2.5, "靴のサイズ(cm)": 2.5, "素材": 2.0, "内容量": 2.0}
# Attributes a product-line name may imply (the rest are always written).
_NOT_IMPLIED = {BRAND, "カラー", "サイズ", "靴のサイズ(cm)", "内容量"}


def _weigh_attributes(leaf):
    leaf.choosable = [name for name in leaf.relevant if name != BRAND]
    weights = [_ATTRIBUTE_WEIGHTS.get(name, 1.0) for name in leaf.choosable]
    leaf.cumulative = list(itertools.accumulate(weights))


def _make_lines(rng, leaves, spec):
    """Three named product lines per hand-written leaf, each implying one or two values."""
    names = [f"{word} {code}" for word in lexicon.LINE_WORDS for code in lexicon.LINE_CODES]
    rng.shuffle(names)
    taken = 0
    for leaf in leaves:
        if "(" in leaf.path[-1] or leaf.path[0] not in lexicon.TREE:
            continue
        impliable = [name for name in leaf.choosable if name not in _NOT_IMPLIED]
        if not impliable:
            continue
        for _ in range(3):
            if taken >= len(names):
                return
            picked = rng.sample(impliable, min(len(impliable), rng.choice((1, 2))))
            implied = tuple((name, rng.choice(leaf.relevant[name])) for name in sorted(picked))
            leaf.lines.append(Line(names[taken], implied))
            taken += 1


# -- products -------------------------------------------------------------------------------

def iter_products(taxonomy: Taxonomy, spec: CatalogSpec, start: int = 0) -> Iterator[dict]:
    """Products start, start+1, ... as dicts: the FORMATS.md fields with `labels` holding
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


# -- files ----------------------------------------------------------------------------------

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


def write_catalog(out_dir: Path, spec: CatalogSpec, progress=None) -> CatalogStats:
    """taxonomy.json, products.jsonl (true labels minus the withheld ones), truth.jsonl (all
    true labels, and which were withheld) and stats.txt under out_dir."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    taxonomy = build_taxonomy(spec)
    _write_json(out_dir / "taxonomy.json", taxonomy.to_json())
    relevant_counts = {leaf.path: leaf.relevant_count for leaf in taxonomy.leaves}
    stats = CatalogStats()
    with open(out_dir / "products.jsonl.part", "w", encoding="utf-8") as products, \
            open(out_dir / "truth.jsonl.part", "w", encoding="utf-8") as truth:
        for product in iter_products(taxonomy, spec):
            withheld = product["withheld"]
            imported = dict(product, labels=[pair for pair in product["labels"] if pair not in withheld])
            del imported["withheld"], imported["implied"]
            products.write(json.dumps(imported, ensure_ascii=False) + "\n")
            truth.write(json.dumps(product, ensure_ascii=False) + "\n")
            stats.add(product, relevant_counts[tuple(product["category"])])
            if progress is not None and stats.products % 10_000 == 0:
                progress(stats.products, spec.products)
    # Renamed only when complete, so a present products.jsonl is never a half-written one.
    (out_dir / "products.jsonl.part").replace(out_dir / "products.jsonl")
    (out_dir / "truth.jsonl.part").replace(out_dir / "truth.jsonl")
    (out_dir / "stats.txt").write_text("\n".join(stats.lines(taxonomy, spec)) + "\n", encoding="utf-8")
    return stats


def _write_json(path, data):
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=1)
        handle.write("\n")


def spec_with(base: CatalogSpec, **options) -> CatalogSpec:
    """base with the options that are not None replaced."""
    return replace(base, **{name: value for name, value in options.items() if value is not None})
