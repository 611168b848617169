"""Fitting the attributes to the requested sizes, and what a leaf may be labelled with.

The hand-written attributes are trimmed to --attributes and --labels when those ask for fewer;
when they ask for more, synthetic attributes are made and assigned to middle categories and
leaves until leaves have about --relevant-labels relevant labels.
"""
from __future__ import annotations

import math
from collections import Counter

from .. import lexicon


def fit_base_attributes(spec, attributes, categories, leaf_paths):
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


def synthetic_attributes(spec, attributes, sentences):
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


def assign_synthetic(spec, rng, synthetic, attributes, categories, leaf_paths):
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
    return sum(len(values) for values in relevant_labels(path, categories, attributes).values())


def relevant_labels(path, categories, attributes):
    """attribute -> the values a category at path may take, in the attribute's order: what
    the category and its ancestors assign ("*" for all values), as docs/formats.md says."""
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
