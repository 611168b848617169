"""Calibrated scores: the probability shown to a seller should be the share of such
suggestions that are right.

Platt scaling on the validation slice: p = sigmoid(a * logit + b), with (a, b) fitted by
minimising the log loss over the scores a seller can be shown: each product's TOP_K best
relevant labels (predictions carry them; suggestions are those above a threshold among them).
Fitting on every relevant pair instead would let the hundreds of near-zero scores per product
decide, and leave the scores near the thresholds as they were. Two numbers, saved
with the model (xmc_config.json "calibration"); the map is monotonic, so it changes no ranking,
and thresholds are tuned on the calibrated scores afterwards. Expected calibration error (ECE)
is measured with equal-width bins.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ECE_BINS = 15
TOP_K = 20  # the scores a prediction carries per product (XmcModel.predict's top_k)
# Fewer gold pairs than this on the validation slice: too few to fit two numbers; not calibrated.
MIN_GOLD_PAIRS = 20
MAX_SCALE = 20.0
_EPS = 1e-6


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.log(p) - np.log1p(-p)


@dataclass
class Calibration:
    scale: float = 1.0   # a
    shift: float = 0.0   # b

    @property
    def identity(self) -> bool:
        return self.scale == 1.0 and self.shift == 0.0

    def apply(self, probs: np.ndarray) -> np.ndarray:
        if self.identity:
            return probs
        z = self.scale * _logit(probs.astype(np.float64)) + self.shift
        return (0.5 * (1.0 + np.tanh(0.5 * z))).astype(np.float32)  # sigmoid without overflow

    def to_dict(self) -> dict:
        return {"method": "platt", "scale": self.scale, "shift": self.shift}

    @classmethod
    def from_dict(cls, d: dict | None) -> Calibration:
        if not d:
            return cls()
        return cls(float(d["scale"]), float(d["shift"]))

    @classmethod
    def fit(cls, probs: np.ndarray, gold: np.ndarray, iterations: int = 50) -> Calibration:
        """Newton's method on the log loss of sigmoid(a * logit(p) + b) against Platt's smoothed
        targets ((n+ + 1) / (n+ + 2) and 1 / (n- + 2) instead of 1 and 0), which keep a finite
        when the slice is separable (a small one often is)."""
        positives = int(gold.sum())
        negatives = len(gold) - positives
        if positives < MIN_GOLD_PAIRS or negatives < MIN_GOLD_PAIRS:
            return cls()
        x = _logit(probs.astype(np.float64))
        y = np.where(gold, (positives + 1) / (positives + 2), 1 / (negatives + 2))
        a, b = 1.0, 0.0
        for _ in range(iterations):
            q = 0.5 * (1.0 + np.tanh(0.5 * (a * x + b)))
            g = q - y
            w = q * (1 - q) + 1e-12
            grad = np.array([np.dot(g, x), g.sum()])
            hess = np.array([[np.dot(w, x * x), np.dot(w, x)], [np.dot(w, x), w.sum()]]) + 1e-9 * np.eye(2)
            step = np.linalg.solve(hess, grad)
            a, b = a - step[0], b - step[1]
            if np.abs(step).max() < 1e-9:
                break
        if not np.isfinite([a, b]).all() or not 0 < a <= MAX_SCALE:  # a must keep the ranking
            return cls()
        return cls(float(a), float(b))


def expected_calibration_error(probs: np.ndarray, gold: np.ndarray, bins: int = ECE_BINS) -> float:
    """Sum over equal-width bins of (share of pairs in the bin) * |mean score - share gold|."""
    if len(probs) == 0:
        return 0.0
    which = np.minimum((probs * bins).astype(np.int64), bins - 1)
    mean_p = np.bincount(which, weights=probs, minlength=bins)
    mean_g = np.bincount(which, weights=gold.astype(np.float64), minlength=bins)
    return float(np.abs(mean_p - mean_g).sum() / len(probs))


def top_pairs(batches, positives, k: int = TOP_K) -> tuple[np.ndarray, np.ndarray]:
    """(probability, gold) of each product's k best relevant labels, over score_batches output;
    ``positives`` [n] gold label indices per product position."""
    probs, gold = [], []
    for b, col_labels, pr, mask in batches:
        ranked = np.where(mask, pr, -1.0)
        kk = min(k, ranked.shape[1])
        top = np.argpartition(-ranked, kk - 1, axis=1)[:, :kk]
        for r, i in enumerate(b):
            cols = top[r][ranked[r, top[r]] >= 0]
            labels = cols if col_labels is None else col_labels[cols]
            probs.append(pr[r, cols])
            gold.append(np.isin(labels, positives[i]))
    if not probs:
        return np.zeros(0, np.float32), np.zeros(0, bool)
    return np.concatenate(probs), np.concatenate(gold)
