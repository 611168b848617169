"""Decision thresholds tuned on a validation slice of the training products.

``global``: the one threshold with the best micro-F1 on the slice. ``attribute``: then, for
every attribute with at least ``min_attribute_positives`` gold labels on the slice, the
threshold with the best F1 over that attribute's labels; other attributes keep the global one.
"""
from __future__ import annotations

import numpy as np

from .labels import LabelSpace

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


def collect(batches, enc, space: LabelSpace) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(label index, probability, gold) of every relevant (product, label) pair."""
    L = len(space)
    gold_keys = np.concatenate([i * L + np.asarray(p, dtype=np.int64) for i, p in enumerate(enc.positives)]
                               + [np.zeros(0, dtype=np.int64)])
    labs, probs, keys = [], [], []
    for b, col_labels, pr, mask in batches:
        r, c = np.nonzero(mask)
        lab = c if col_labels is None else col_labels[c]
        labs.append(lab)
        probs.append(pr[r, c])
        keys.append(np.asarray(b)[r] * L + lab)
    labs, probs, keys = (np.concatenate(x) for x in (labs, probs, keys))
    return labs, probs, np.isin(keys, gold_keys)


def tune_thresholds(batches, enc, space: LabelSpace, config):
    from .model import Thresholds
    labs, probs, gold = collect(batches, enc, space)
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
    th = Thresholds(g, per_attr, config.threshold_strategy)
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
                  "global_threshold": g, "attribute_thresholds": len(per_attr)}
    return th, validation
