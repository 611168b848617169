"""How the model turns probabilities into suggested labels.

Thresholds are tuned on a validation slice of the training products. ``global``: the one
threshold with the best micro-F1 on the slice. ``attribute``: then, for every attribute with at
least ``min_attribute_positives`` gold labels on the slice, the threshold with the best F1 over
that attribute's labels; other attributes keep the global one.

Single-valued attributes: an attribute that (almost) never carries two values on one training
product (a shoe has one size, a shirt one colour) is suggested with at most one value per
product, its best relevant one, when that clears the threshold. Thresholds are tuned under the
same rule, so the two are chosen together.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .labels import LabelSpace


class Thresholds:
    """The decision rule: one global threshold, optional per-attribute thresholds, and the
    single-valued attributes that get at most their best value."""

    def __init__(self, global_: float = 0.5, attribute: dict[str, float] | None = None, strategy: str = "fixed",
                 single_valued: Iterable[str] = ()):
        self.global_ = float(global_)
        self.attribute = dict(attribute or {})
        self.strategy = strategy
        self.single_valued = sorted(single_valued)

    def per_label(self, space: LabelSpace) -> np.ndarray:
        t = np.full(len(space), self.global_, dtype=np.float32)
        for a, v in self.attribute.items():
            if a in space.attributes:
                t[space.label_attribute == space.attributes.index(a)] = v
        return t

    def label_single_valued(self, space: LabelSpace) -> np.ndarray:
        """[L] bool: the label's attribute is single-valued."""
        known = [space.attributes.index(a) for a in self.single_valued if a in space.attributes]
        return np.isin(space.label_attribute, known)

    def to_dict(self) -> dict:
        return {"strategy": self.strategy, "global": self.global_, "attribute": self.attribute,
                "single_valued": self.single_valued}

    @classmethod
    def from_dict(cls, d: dict) -> Thresholds:
        return cls(d["global"], d.get("attribute"), d.get("strategy", "fixed"), d.get("single_valued", ()))


GRID = np.round(np.arange(0.02, 0.951, 0.01), 2)  # candidate thresholds


def _f1_curve(probs: np.ndarray, gold: np.ndarray, n_gold: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Micro P, R, F1 at every GRID threshold (predicted = prob > t)."""
    order = np.argsort(-probs, kind="stable")
    p_sorted, g_sorted = probs[order], gold[order]
    cum_tp = np.concatenate(([0], np.cumsum(g_sorted)))
    # number of entries with prob > t, for every t (p_sorted is descending)
    n_pred = np.searchsorted(-p_sorted, -GRID, side="left")
    tp = cum_tp[n_pred]
    prec = np.where(n_pred > 0, tp / np.maximum(n_pred, 1), 0.0)
    rec = tp / max(n_gold, 1)
    f1 = np.where(prec + rec > 0, 2 * prec * rec / np.maximum(prec + rec, 1e-12), 0.0)
    return prec, rec, f1


def _best(f1: np.ndarray, prefer: float) -> float:
    best = np.flatnonzero(f1 >= f1.max() - 1e-12)
    return float(GRID[best[np.argmin(np.abs(GRID[best] - prefer))]])


# An attribute is single-valued when at least MIN_SINGLE_VALUE_PRODUCTS training products carry
# it and at most MAX_MULTI_VALUE_SHARE of them carry two or more of its values.
MIN_SINGLE_VALUE_PRODUCTS = 10
MAX_MULTI_VALUE_SHARE = 0.01


def single_valued_attributes(space: LabelSpace, positives) -> list[str]:
    """Attributes that at most MAX_MULTI_VALUE_SHARE of their training products carry twice."""
    A = len(space.attributes)
    carrying, multi = np.zeros(A, dtype=np.int64), np.zeros(A, dtype=np.int64)
    for p in positives:
        if len(p):
            counts = np.bincount(space.label_attribute[np.asarray(p, dtype=np.int64)], minlength=A)
            carrying += counts > 0
            multi += counts > 1
    ok = (carrying >= MIN_SINGLE_VALUE_PRODUCTS) & (multi <= MAX_MULTI_VALUE_SHARE * carrying)
    return [space.attributes[a] for a in np.flatnonzero(ok)]


def best_of_attribute(probs: np.ndarray, mask: np.ndarray, column_attribute: np.ndarray,
                      column_single_valued: np.ndarray) -> np.ndarray:
    """[b, K] bool: False where the column's attribute is single-valued and another relevant
    column of the same attribute scores higher in that row (ties keep the lower column)."""
    allowed = np.ones(probs.shape, dtype=bool)
    cols = np.flatnonzero(column_single_valued)
    if not len(cols) or not probs.size:
        return allowed
    # per row, sort the single-valued columns by (attribute, -probability): the first of each
    # attribute's run is its best value
    ranked = np.where(mask[:, cols], probs[:, cols], -1.0)
    attr = column_attribute[cols]
    order = np.lexsort((np.broadcast_to(cols, ranked.shape), -ranked, np.broadcast_to(attr, ranked.shape)), axis=1)
    sorted_attr = attr[order]
    first = np.ones(order.shape, dtype=bool)
    first[:, 1:] = sorted_attr[:, 1:] != sorted_attr[:, :-1]
    best = np.zeros(order.shape, dtype=bool)
    np.put_along_axis(best, order, first, axis=1)
    allowed[:, cols] = best
    return allowed


def decide(probs: np.ndarray, mask: np.ndarray, labels: np.ndarray, label_threshold: np.ndarray,
           label_single_valued: np.ndarray, space: LabelSpace) -> np.ndarray:
    """[b, K] bool suggested: relevant, above the label's threshold, and the best value of its
    attribute when that attribute is single-valued. ``labels`` maps columns to label indices."""
    above = mask & (probs > label_threshold[labels])
    if label_single_valued[labels].any():
        above &= best_of_attribute(probs, mask, space.label_attribute[labels], label_single_valued[labels])
    return above


def collect(batches, enc, space: LabelSpace, label_single_valued: np.ndarray | None = None
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(label index, probability, gold) of every relevant (product, label) pair; a value that
    loses to a better one of its single-valued attribute gets probability 0 (never suggested)."""
    L = len(space)
    gold_keys = np.concatenate([i * L + np.asarray(p, dtype=np.int64) for i, p in enumerate(enc.positives)]
                               + [np.zeros(0, dtype=np.int64)])
    labs, probs, keys = [], [], []
    for b, col_labels, pr, mask in batches:
        if label_single_valued is not None:
            columns = np.arange(pr.shape[1]) if col_labels is None else col_labels
            pr = np.where(best_of_attribute(pr, mask, space.label_attribute[columns],
                                            label_single_valued[columns]), pr, 0.0)
        r, c = np.nonzero(mask)
        lab = c if col_labels is None else col_labels[c]
        labs.append(lab)
        probs.append(pr[r, c])
        keys.append(np.asarray(b)[r] * L + lab)
    labs, probs, keys = (np.concatenate(x) for x in (labs, probs, keys))
    return labs, probs, np.isin(keys, gold_keys)


def precision_curve(probs: np.ndarray, gold: np.ndarray) -> list[list[float]]:
    """[[score, precision, count], ...] over GRID: of the suggestions (pairs above their
    thresholds) scoring at least ``score``, the share that is gold and how many there are.
    Bulk accept reads it to turn a target precision into a score (catalog/review.py); scores
    with no suggestion at or above them are left out."""
    order = np.argsort(-probs, kind="stable")
    p_sorted, g_sorted = probs[order], gold[order]
    cum_tp = np.concatenate(([0], np.cumsum(g_sorted)))
    n_at_least = np.searchsorted(-p_sorted, -GRID, side="right")  # entries with prob >= t
    return [[float(t), round(float(cum_tp[n]) / n, 4), int(n)] for t, n in zip(GRID, n_at_least) if n > 0]


def tune_thresholds(batches, enc, space: LabelSpace, config, single_valued: list[str] = ()):
    sv = Thresholds(single_valued=single_valued).label_single_valued(space)
    labs, probs, gold = collect(batches, enc, space, sv if sv.any() else None)
    n_gold = int(sum(len(p) for p in enc.positives))
    prec, rec, f1 = _f1_curve(probs, gold, n_gold)
    g = _best(f1, 0.5)
    per_attr = {}
    if config.threshold_strategy == "attribute":
        attr_of = space.label_attribute[labs]
        for a in np.unique(attr_of[gold]):
            sel = attr_of == a
            n = int(gold[sel].sum())
            if n >= config.min_attribute_positives:
                per_attr[space.attributes[a]] = _best(_f1_curve(probs[sel], gold[sel], n)[2], g)
    th = Thresholds(g, per_attr, config.threshold_strategy, single_valued)
    t_lab = th.per_label(space)[labs]
    pred = probs > t_lab
    tp = int((pred & gold).sum())
    P = tp / max(int(pred.sum()), 1)
    R = tp / max(n_gold, 1)
    i05 = int(np.argmin(np.abs(GRID - 0.5)))
    L = len(space)
    ltp = np.bincount(labs[pred & gold], minlength=L)
    lfp = np.bincount(labs[pred & ~gold], minlength=L)
    lfn = np.bincount(labs[~pred & gold], minlength=L)
    mp = float(np.mean(np.where(ltp + lfp > 0, ltp / np.maximum(ltp + lfp, 1), 0.0)))
    mr = float(np.mean(np.where(ltp + lfn > 0, ltp / np.maximum(ltp + lfn, 1), 0.0)))
    validation = {"products": len(enc), "gold": n_gold,
                  "macro_p": mp, "macro_r": mr, "macro_f1": 2 * mp * mr / (mp + mr) if mp + mr else 0.0,
                  "micro_f1_at_0.5": float(f1[i05]), "micro_f1_global": float(f1.max()),
                  "micro_p": P, "micro_r": R, "micro_f1": 2 * P * R / (P + R) if P + R else 0.0,
                  "global_threshold": g, "attribute_thresholds": len(per_attr),
                  "single_valued_attributes": len(single_valued),
                  "precision_curve": precision_curve(probs[pred], gold[pred])}
    return th, validation
