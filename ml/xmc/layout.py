"""Which head rows a batch computes, which labels they stand for, and the batch's mask.

``shared``: one head row per label (the paper's model and the unmasked baseline).
``leaf`` / ``top``: the per-category baseline: one classifier per category group (each leaf
category, or each top category), i.e. its own head rows for the labels relevant to the group;
the encoder is shared and every batch holds products of one group.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .errors import DataError
from .labels import LabelSpace


@dataclass
class BatchColumns:
    rows: torch.Tensor | None        # [K] head rows to compute; None = all (dense path)
    labels: np.ndarray | None        # [K] label index of each column; None = identity
    mask: torch.Tensor | None        # [B, K] bool relevance; None = every column counts
    column_of: np.ndarray | None     # [L] label -> column (-1 = not computed); None = identity

    @property
    def width(self) -> int | None:
        return None if self.labels is None else len(self.labels)


class HeadLayout:
    def __init__(self, kind: str, space: LabelSpace, group_categories: list[tuple] | None = None):
        self.kind = kind
        self.space = space
        if kind == "shared":
            self.group_categories: list[tuple] = []
            self.group_labels: list[np.ndarray] = []
            self.offsets = np.zeros(1, dtype=np.int64)
            self.num_outputs = len(space)
            return
        if kind not in ("leaf", "top"):
            raise ValueError(f"unknown head layout {kind!r}")
        if group_categories is None:
            if kind == "top":
                group_categories = sorted({c[:1] for c in space.categories})
            else:
                group_categories = [space.categories[i] for i in space.leaves()]
        self.group_categories = [tuple(g) for g in group_categories]
        labels = []
        for g in self.group_categories:
            cats = space.categories_under(g) if kind == "top" else [space.category_index(g, exact=True)]
            labels.append(np.unique(np.concatenate([space.relevant(c) for c in cats])))
        self.group_labels = labels
        self.offsets = np.concatenate(([0], np.cumsum([len(l) for l in labels]))).astype(np.int64)
        self.num_outputs = int(self.offsets[-1])
        self._group_index = {g: i for i, g in enumerate(self.group_categories)}

    @property
    def grouped(self) -> bool:
        return self.kind != "shared"

    def groups_of(self, categories: np.ndarray) -> np.ndarray:
        """[n] category ids -> [n] group ids (all 0 for the shared head)."""
        if not self.grouped:
            return np.zeros(len(categories), dtype=np.int64)
        out = np.empty(len(categories), dtype=np.int64)
        for i, c in enumerate(categories):
            path = self.space.categories[c]
            key = path[:1] if self.kind == "top" else path
            g = self._group_index.get(key)
            if g is None:
                raise DataError(f"no per-{self.kind} classifier for category {'/'.join(path)!r}")
            out[i] = g
        return out

    def row_labels(self) -> np.ndarray:
        """[N] label index of every head row."""
        if not self.grouped:
            return np.arange(len(self.space))
        return np.concatenate(self.group_labels) if self.group_labels else np.zeros(0, dtype=np.int64)

    def row_attribute(self):
        """[N] attribute index of every head row (torch, for the value-match bonus)."""
        import torch
        return torch.from_numpy(self.space.label_attribute[self.row_labels()])

    def row_groups(self) -> np.ndarray:
        if not self.grouped:
            return np.zeros(len(self.space), dtype=np.int64)
        return np.repeat(np.arange(len(self.group_labels)), [len(l) for l in self.group_labels])

    def columns(self, categories: torch.Tensor, *, masking: bool, gathered: bool,
                group: int | None = None) -> BatchColumns:
        """The columns a batch computes and its relevance mask."""
        space = self.space
        if self.grouped:
            lab = self.group_labels[group]
            rows = torch.arange(self.offsets[group], self.offsets[group + 1])
            mask = space.dense_mask()[categories][:, torch.from_numpy(lab)] if masking else None
            column_of = np.full(len(space), -1, dtype=np.int64)
            column_of[lab] = np.arange(len(lab))
            return BatchColumns(rows, lab, mask, column_of)
        if gathered:
            cols, mask = space.gathered(categories)
            column_of = np.full(len(space), -1, dtype=np.int64)
            column_of[cols.numpy()] = np.arange(len(cols))
            return BatchColumns(cols, cols.numpy(), mask if masking else None, column_of)
        mask = space.dense_mask()[categories] if masking else None
        return BatchColumns(None, None, mask, None)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "groups": [list(g) for g in self.group_categories],
                "num_outputs": self.num_outputs}

    @classmethod
    def from_dict(cls, d: dict, space: LabelSpace) -> HeadLayout:
        layout = cls(d["kind"], space, [tuple(g) for g in d.get("groups", [])] if d["kind"] != "shared" else None)
        if layout.num_outputs != d["num_outputs"]:
            raise ValueError(f"head layout: {layout.num_outputs} outputs rebuilt, {d['num_outputs']} saved")
        return layout
