"""The label space: (attribute, value) labels, categories, and which labels each category allows.

Relevance follows docs/formats.md: the relevant labels of a category are its own pairs and those of
all its ancestors; every prefix of a listed path is a category. Relevance is stored as CSR
(``indptr``/``indices`` over sorted label indices), so that the batch mask is built with tensor
indexing and never with a Python loop over labels.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

# The two Django-free modules of the taxonomy app that hold the rules this library shares
# with the database: how names compare, and which labels a category inherits.
from taxonomy.inheritance import inherit_relevance
from taxonomy.names import normalize_name

from .errors import DataError, TaxonomyError, UnknownCategoryError

Label = tuple[str, str]
Path = tuple[str, ...]



def normalize_path(path: Sequence[str]) -> Path:
    return tuple(normalize_name(p) for p in path)


def _label_key(label: Sequence[str]) -> Label:
    if not isinstance(label, (list, tuple)) or len(label) != 2:
        raise DataError(f"a label must be a pair [attribute, value], got {label!r}")
    return normalize_name(label[0]), normalize_name(label[1])


@dataclass
class LabelSpace:
    """Sorted labels, sorted categories and the CSR relevance matrix between them."""

    labels: list[Label]                       # index -> (attribute, value), sorted
    categories: list[Path]                    # index -> category path, sorted
    indptr: np.ndarray                        # [C+1] CSR row pointers into ``indices``
    indices: np.ndarray                       # [nnz] sorted label indices relevant per category
    aliases: dict = field(default_factory=dict)  # label index -> other surface forms of its value
    _label_index: dict = field(default=None, repr=False)
    _category_index: dict = field(default=None, repr=False)
    _dense: torch.Tensor = field(default=None, repr=False)

    def __post_init__(self):
        self.indptr = np.asarray(self.indptr, dtype=np.int64)
        self.indices = np.asarray(self.indices, dtype=np.int64)
        self._label_index = {l: i for i, l in enumerate(self.labels)}
        self._category_index = {c: i for i, c in enumerate(self.categories)}
        attrs = sorted({a for a, _ in self.labels})
        self.attributes: list[str] = attrs
        attr_index = {a: i for i, a in enumerate(attrs)}
        self.label_attribute = np.array([attr_index[a] for a, _ in self.labels], dtype=np.int64)

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def from_taxonomy(cls, taxonomy: dict) -> LabelSpace:
        """Build from a parsed taxonomy.json; raises TaxonomyError on anything malformed."""
        if not isinstance(taxonomy, dict) or "attributes" not in taxonomy or "categories" not in taxonomy:
            raise TaxonomyError("taxonomy must be a dict with 'attributes' and 'categories'")
        values: dict[str, list[str]] = {}
        aliases: dict[Label, list[str]] = {}
        for a in taxonomy["attributes"]:
            name = normalize_name(a["name"])
            values[name] = [normalize_name(v["name"]) for v in a.get("values", [])]
            for v in a.get("values", []):
                if v.get("aliases"):
                    aliases[(name, normalize_name(v["name"]))] = [normalize_name(x) for x in v["aliases"]]
        own: dict[Path, set[Label]] = {}
        for c in taxonomy["categories"]:
            path = normalize_path(c.get("path") or ())
            if not path:
                raise TaxonomyError(f"a category has an empty path: {c!r}")
            pairs = own.setdefault(path, set())
            for attr, vs in (c.get("attributes") or {}).items():
                attr = normalize_name(attr)
                if attr not in values:
                    raise TaxonomyError(f"category {'/'.join(path)} uses unknown attribute {attr!r}")
                if vs == "*":
                    vs = values[attr]
                else:
                    vs = [normalize_name(v) for v in vs]
                    unknown = [v for v in vs if v not in set(values[attr])]
                    if unknown:
                        raise TaxonomyError(
                            f"category {'/'.join(path)}: attribute {attr!r} has no value {unknown[0]!r}")
                pairs.update((attr, v) for v in vs)
        # Every prefix of a listed path is a category.
        for path in list(own):
            for k in range(1, len(path)):
                own.setdefault(path[:k], set())
        categories = sorted(own)
        relevant = inherit_relevance({path: path[:-1] or None for path in categories}, own)
        labels = sorted(set().union(*relevant.values())) if relevant else []
        if not labels:
            raise TaxonomyError("empty label space: no category allows any attribute value")
        space = cls.from_relevance(labels, categories, [relevant[c] for c in categories])
        space.aliases = {space._label_index[l]: forms for l, forms in aliases.items() if l in space._label_index}
        return space

    @classmethod
    def from_relevance(cls, labels: list[Label], categories: list[Path],
                       relevant: list[Iterable[Label]]) -> LabelSpace:
        index = {l: i for i, l in enumerate(labels)}
        indptr, indices = [0], []
        for rel in relevant:
            idx = sorted(index[l] for l in rel)
            indices.extend(idx)
            indptr.append(len(indices))
        return cls(list(labels), list(categories), np.array(indptr), np.array(indices))

    # -- lookups --------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.labels)

    @property
    def num_categories(self) -> int:
        return len(self.categories)

    def label_index(self, label: Sequence[str]) -> int | None:
        return self._label_index.get(_label_key(label))

    def category_index(self, path: Sequence[str], *, exact: bool = False) -> int:
        """Index of a category; an unknown path falls back to its deepest known ancestor
        (its relevant labels in this label space are then exactly that ancestor's), unless
        ``exact``. Raises UnknownCategoryError when no prefix is known."""
        p = normalize_path(path or ())
        stop = len(p) if exact else 0
        for k in range(len(p), max(stop, 1) - 1, -1):
            i = self._category_index.get(p[:k])
            if i is not None:
                return i
        raise UnknownCategoryError(f"category {'/'.join(p) or '(empty)'!r} is not in the label space")

    def relevant(self, category: int) -> np.ndarray:
        return self.indices[self.indptr[category]:self.indptr[category + 1]]

    def dense_mask(self) -> torch.Tensor:
        """[C, L] bool relevance matrix (cached); index it with a batch's category ids."""
        if self._dense is None:
            m = torch.zeros(self.num_categories, len(self.labels), dtype=torch.bool)
            rows = np.repeat(np.arange(self.num_categories), np.diff(self.indptr))
            m[torch.from_numpy(rows), torch.from_numpy(self.indices)] = True
            self._dense = m
        return self._dense

    def gathered(self, category_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Columns and mask for the gathered path (only labels relevant to some product of the
        batch): returns ``columns`` [U] sorted label indices and ``mask`` [B, U] bool."""
        cats = category_ids.cpu().numpy()
        starts, ends = self.indptr[cats], self.indptr[cats + 1]
        lengths = ends - starts
        # positions of every (row, relevant label) pair, flattened without a loop over labels
        offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
        flat = self.indices[np.arange(lengths.sum()) + offsets]
        rows = np.repeat(np.arange(len(cats)), lengths)
        columns, inverse = np.unique(flat, return_inverse=True)
        mask = torch.zeros(len(cats), len(columns), dtype=torch.bool)
        mask[torch.from_numpy(rows), torch.from_numpy(inverse.reshape(-1))] = True
        return torch.from_numpy(columns), mask

    def categories_under(self, top: Path) -> list[int]:
        return [i for i, c in enumerate(self.categories) if c[:len(top)] == top]

    def leaves(self) -> list[int]:
        cats = set(self.categories)
        return [i for i, c in enumerate(self.categories)
                if not any(o[:len(c)] == c and len(o) > len(c) for o in cats)]

    # -- products ---------------------------------------------------------------------------
    def encode_labels(self, product: dict, category: int, key: str = "labels") -> list[int]:
        """Label indices of a product's ``labels`` (or ``negatives``); refuses unknown labels and
        labels irrelevant to its category with a DataError naming the product."""
        out = []
        rel = self.relevant(category)
        for lab in product.get(key) or []:
            i = self.label_index(lab)
            pid = product.get("id", "?")
            if i is None:
                raise DataError(f"product {pid!r}: unknown label {list(lab)!r} (not in the taxonomy's label space)")
            j = np.searchsorted(rel, i)
            if j >= len(rel) or rel[j] != i:
                raise DataError(f"product {pid!r}: label {list(lab)!r} is not relevant to its category "
                                f"{'/'.join(self.categories[category])!r}")
            out.append(i)
        return sorted(set(out))

    # -- serialisation -------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {
            "labels": [list(l) for l in self.labels],
            "categories": [{"path": list(c), "relevant": self.relevant(i).tolist()}
                           for i, c in enumerate(self.categories)],
            "aliases": {str(i): forms for i, forms in sorted(self.aliases.items())},
        }

    @classmethod
    def from_dict(cls, d: dict) -> LabelSpace:
        labels = [tuple(l) for l in d["labels"]]
        cats = [tuple(c["path"]) for c in d["categories"]]
        indptr = np.cumsum([0] + [len(c["relevant"]) for c in d["categories"]])
        indices = np.array([i for c in d["categories"] for i in c["relevant"]], dtype=np.int64)
        if len(indices) and (indices.min() < 0 or indices.max() >= len(labels)):
            raise TaxonomyError("label space: a relevant label index is out of range")
        aliases = {int(i): list(forms) for i, forms in (d.get("aliases") or {}).items()}
        return cls(labels, cats, indptr, indices, aliases)

    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(self.to_dict(), ensure_ascii=False).encode()).hexdigest()[:16]
