"""Named product lines: a line's name implies some labels that the product's text then
does not write, so the model has to learn them from the name."""
from __future__ import annotations

from dataclasses import dataclass

from .. import lexicon
from ..lexicon import BRAND


@dataclass
class Line:
    """A product line: its name implies `implied` labels, which the text does not write."""

    name: str
    implied: tuple[tuple[str, str], ...]


# Attributes a product-line name may imply (the rest are always written).
_NOT_IMPLIED = {BRAND, "カラー", "サイズ", "靴のサイズ(cm)", "内容量"}


def make_lines(rng, leaves, spec):
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
