"""The relevant labels of each category: the set label masking is built on.

A category's relevant labels are its own assigned pairs and those of all its ancestors; an
assignment with `all_values` ("*") covers every value of the attribute, including values
added after the assignment. docs/formats.md, "Taxonomy".

The whole taxonomy is indexed at once (a handful of queries, however many categories) and
the index is kept in-process, keyed by the TaxonomyRevision row that every taxonomy change
bumps (taxonomy/signals.py); each call costs one small query to check that the index is still
fresh. Code that writes taxonomy rows with bulk operations or update() (which send no
signals) must call taxonomy.signals.bump_revision() in the same transaction, as the
taxonomy import does. Call sites:

    relevant_value_ids(category_id)          -> frozenset of AttributeValue ids
    relevant_value_ids_for(category_ids)     -> {category_id: frozenset}
    relevant_pairs(category_id)              -> frozenset of (attribute name, value name)
    relevance_index()                        -> the RelevanceIndex itself, for bulk work
"""
import hashlib
import json
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from .inheritance import inherit_relevance
from .models import AttributeValue, Category, CategoryAttribute, TaxonomyRevision

_EMPTY = frozenset()


@dataclass
class RelevanceIndex:
    """Relevant labels of every category of one taxonomy revision. Read-only once built."""

    # (revision, changed_at) of the TaxonomyRevision row this index was built from.
    key: tuple
    # category id -> relevant AttributeValue ids. A category without own pairs shares its
    # parent's frozenset object, so deep trees cost little memory.
    by_category: dict[int, frozenset[int]]
    # AttributeValue id -> (attribute name, value name), for every label of the taxonomy.
    names: dict[int, tuple[str, str]]
    # (attribute name, value name) -> AttributeValue id: the reverse of `names`.
    ids: dict[tuple[str, str], int] = field(default_factory=dict)
    # AttributeValue id -> its Attribute id.
    attribute_of: dict[int, int] = field(default_factory=dict)

    def value_ids(self, category_id: int) -> frozenset[int]:
        return self.by_category.get(category_id, _EMPTY)

    def value_ids_of_attributes(self, category_id: int, attribute_ids: Iterable[int]) -> list[int]:
        """The category's relevant values of these attributes."""
        wanted = set(attribute_ids)
        return [value_id for value_id in self.value_ids(category_id) if self.attribute_of[value_id] in wanted]

    def pairs(self, category_id: int) -> frozenset[tuple[str, str]]:
        return frozenset(self.names[value_id] for value_id in self.value_ids(category_id))

    def digest(self, category_id: int) -> str:
        """A fingerprint of the category's relevant labels by name: changes when a value is
        added, removed or renamed (a model scores labels by their names)."""
        pairs = sorted(self.pairs(category_id))
        return hashlib.blake2b(json.dumps(pairs, ensure_ascii=False).encode(), digest_size=16).hexdigest()


def build_index(key=None) -> RelevanceIndex:
    """Compute the index of the whole taxonomy from the database (five queries)."""
    names, attribute_of = {}, {}
    values_of_attribute = defaultdict(set)
    for value_id, attribute_id, attribute_name, value_name in AttributeValue.objects.values_list(
        "id", "attribute_id", "attribute__name", "name"
    ):
        names[value_id] = (attribute_name, value_name)
        attribute_of[value_id] = attribute_id
        values_of_attribute[attribute_id].add(value_id)

    own = defaultdict(set)
    subset_assignments = {}
    for assignment_id, category_id, attribute_id, all_values in CategoryAttribute.objects.values_list(
        "id", "category_id", "attribute_id", "all_values"
    ):
        if all_values:
            own[category_id] |= values_of_attribute[attribute_id]
        else:
            subset_assignments[assignment_id] = category_id
    through = CategoryAttribute.values.through.objects.values_list("categoryattribute_id", "attributevalue_id")
    for assignment_id, value_id in through:
        if assignment_id in subset_assignments:
            own[subset_assignments[assignment_id]].add(value_id)

    parents = dict(Category.objects.values_list("id", "parent_id"))
    by_category = inherit_relevance(parents, own)
    ids = {pair: value_id for value_id, pair in names.items()}
    return RelevanceIndex(key=key, by_category=by_category, names=names, ids=ids, attribute_of=attribute_of)


_lock = threading.Lock()
_cached: RelevanceIndex | None = None


def _current_key() -> tuple:
    row = TaxonomyRevision.objects.filter(pk=1).values_list("revision", "changed_at").first()
    # changed_at as well as the counter: a revision number reached inside a transaction that
    # was rolled back could be reached again by a different change.
    return tuple(row) if row else (0, None)


def relevance_index() -> RelevanceIndex:
    """The index for the current taxonomy; rebuilt only when the taxonomy has changed."""
    global _cached
    key = _current_key()
    index = _cached
    if index is not None and index.key == key:
        return index
    with _lock:
        if _cached is None or _cached.key != key:
            _cached = build_index(key)
        return _cached


def relevant_value_ids(category_id: int) -> frozenset[int]:
    """The AttributeValue ids (labels) relevant to products of this category."""
    return relevance_index().value_ids(category_id)


def relevant_value_ids_for(category_ids: Iterable[int]) -> dict[int, frozenset[int]]:
    index = relevance_index()
    return {category_id: index.value_ids(category_id) for category_id in category_ids}


def relevant_pairs(category_id: int) -> frozenset[tuple[str, str]]:
    """The relevant labels as (attribute name, value name) pairs."""
    return relevance_index().pairs(category_id)


def clear_cache():
    global _cached
    with _lock:
        _cached = None
