"""Which leaf categories a catalogue has, and the attributes each category assigns itself.

The hand-written tree of demo/lexicon.py comes first; beyond its 41 leaves, variants of its
leaves and made-up categories under the extra top categories are synthesised.
"""
from __future__ import annotations

import itertools

from .. import lexicon
from ..lexicon import BRAND


def choose_leaves(spec, categories):
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
        categories.setdefault((top,), _own(tree.get("_", {})))
        brands = lexicon.BRANDS.get(top)
        if brands:
            categories[(top,)][BRAND] = list(brands)
        if top not in lexicon.TREE:
            categories[(top,)].setdefault("カラー", lexicon.ALL)
        middle_tree = tree.get(middle, {})
        categories.setdefault((top, middle), _own(middle_tree.get("_", {})))
        base_leaf = leaf.split("(")[0]
        categories[(top, middle, leaf)] = _own(middle_tree.get(base_leaf, {}))
    return [path for path in categories if len(path) == 3]


def _own(assignments):
    # The category's own copies of the lexicon's value lists: trimming to --labels removes
    # values from them, and a shared list would carry that into the lexicon and so into every
    # taxonomy built in the same process, before or after this one.
    return {name: values if values == lexicon.ALL else list(values) for name, values in assignments.items()}


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
