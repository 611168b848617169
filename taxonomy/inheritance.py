"""Which labels a category allows: its own pairs and those of every ancestor (docs/formats.md,
"Taxonomy").

Django-free, so that the database's relevance index (taxonomy/relevance.py) and the model's
label space (ml/xmc/labels.py, which never imports Django) compute label masking's sets with
this one function; tests/taxonomy/test_relevance.py checks that the two agree.
"""
from collections.abc import Hashable, Mapping

_EMPTY = frozenset()


def inherit_relevance(parents: Mapping[Hashable, Hashable | None],
                      own: Mapping[Hashable, set]) -> dict[Hashable, frozenset]:
    """Each category's own labels united with those of its ancestors.

    `parents` maps every category to its parent (None at the top); `own` a category to the
    labels assigned to it (categories without any may be left out). A category that adds no
    label of its own shares its parent's frozenset object, so deep trees cost little memory.
    """
    by_category = {}
    for category in parents:
        # Walk up to the nearest category already done, then down again giving each its set
        # (a loop in `parents`, which the database cannot hold, would end the walk).
        chain, current = [], category
        while current is not None and current not in by_category and current not in chain:
            chain.append(current)
            current = parents.get(current)
        inherited = by_category.get(current, _EMPTY)
        for member in reversed(chain):
            own_labels = own.get(member)
            if own_labels and not own_labels <= inherited:
                inherited = frozenset(inherited | own_labels)
            by_category[member] = inherited
    return by_category
