"""The paper's metrics, with the definitions of the reference scorer (shared/bench/score.py).

Micro P/R/F1 over all (product, label) decisions; macro P and R averaged over every label of the
label space (a label never predicted has precision 0) and macro F1 = harmonic mean of macro P
and macro R; P@1/3/5 over the product's relevant labels ranked by score; frequency groups by a
label's count in the training products: high >= 1e4, med [1e3, 1e4), low [1e2, 1e3), rare < 1e2.
Relevance comes from the taxonomy with docs/formats.md's semantics (inheritance, "*"), which agree
with the reference scorer on flat taxonomies that list values explicitly (such as VideoAVE).
"""
from __future__ import annotations

import collections
from collections.abc import Iterable, Mapping

from .labels import LabelSpace, normalize_name, normalize_path

GROUPS = ("high", "med", "low", "rare")


def _f1(p, r):
    return 2 * p * r / (p + r) if p + r else 0.0


def micro_prf(true_positives: int, predicted: int, gold: int) -> tuple[float, float, float]:
    """Micro precision, recall and F1 from summed counts (0 where a denominator is 0)."""
    p = true_positives / predicted if predicted else 0.0
    r = true_positives / gold if gold else 0.0
    return p, r, _f1(p, r)


def _key(label) -> tuple[str, str]:
    return normalize_name(label[0]), normalize_name(label[1])


def label_frequency(products: Iterable[dict]) -> collections.Counter:
    return collections.Counter(_key(l) for p in products for l in p.get("labels") or [])


def score(test_products: list[dict], predictions: Iterable[dict], taxonomy: dict | LabelSpace,
          train_products_or_label_freq, threshold: float = 0.5) -> dict:
    """Same keys as score.py --json: micro_p, micro_r, micro_f1, macro_p, macro_r, macro_f1,
    labels, p@1, p@3, p@5, groups {high|med|low|rare: the same block}. A prediction carrying
    "predicted" is decided by it; otherwise a label is predicted when its score > threshold."""
    space = taxonomy if isinstance(taxonomy, LabelSpace) else LabelSpace.from_taxonomy(taxonomy)
    if isinstance(train_products_or_label_freq, Mapping):
        freq = {_key(k): v for k, v in train_products_or_label_freq.items()}
    else:
        freq = label_frequency(train_products_or_label_freq)
    preds, decided = {}, {}
    for row in predictions:
        preds[row["id"]] = {_key((a, v)): float(s) for a, v, s in row["scores"]}
        if "predicted" in row:
            decided[row["id"]] = {_key(l) for l in row["predicted"]}
    rel_cache: dict = {}
    tp, fp, fn = collections.Counter(), collections.Counter(), collections.Counter()
    patk = {1: 0.0, 3: 0.0, 5: 0.0}
    for p in test_products:
        path = normalize_path(p["category"])
        if path not in rel_cache:
            c = space.category_index(path, exact=True)
            rel_cache[path] = {space.labels[i] for i in space.relevant(c)}
        rel = rel_cache[path]
        gold = {_key(l) for l in p["labels"]}
        s = {l: v for l, v in preds.get(p["id"], {}).items() if l in rel}
        pred = (decided[p["id"]] & rel) if p["id"] in decided else {l for l, v in s.items() if v > threshold}
        for l in pred & gold:
            tp[l] += 1
        for l in pred - gold:
            fp[l] += 1
        for l in gold - pred:
            fn[l] += 1
        ranked = sorted(s, key=lambda l: (-s[l], l))
        for k in patk:
            patk[k] += len(set(ranked[:k]) & gold) / k

    def block(ls):
        T, F, N = (sum(c[l] for l in ls) for c in (tp, fp, fn))
        mp, mr, micro_f1 = micro_prf(T, T + F, T + N)
        ps = [tp[l] / (tp[l] + fp[l]) if tp[l] + fp[l] else 0.0 for l in ls]
        rs = [tp[l] / (tp[l] + fn[l]) if tp[l] + fn[l] else 0.0 for l in ls]
        Mp = sum(ps) / len(ps) if ls else 0.0
        Mr = sum(rs) / len(rs) if ls else 0.0
        return {"micro_p": mp, "micro_r": mr, "micro_f1": micro_f1,
                "macro_p": Mp, "macro_r": Mr, "macro_f1": _f1(Mp, Mr), "labels": len(ls)}

    labels = list(space.labels)
    out = block(labels)
    out.update({f"p@{k}": v / max(len(test_products), 1) for k, v in patk.items()})
    groups = collections.defaultdict(list)
    for l in labels:
        c = freq.get(l, 0)
        groups["high" if c >= 1e4 else "med" if c >= 1e3 else "low" if c >= 1e2 else "rare"].append(l)
    out["groups"] = {g: block(ls) for g, ls in groups.items()}
    return out


def table4_row(name: str, r: dict) -> str:
    """A Markdown row in the layout of the paper's Table 4 (percentages)."""
    f = lambda x: f"{100 * x:.2f}"
    return (f"| {name} | {f(r['micro_p'])} | {f(r['micro_r'])} | {f(r['micro_f1'])} | {f(r['macro_p'])} | "
            f"{f(r['macro_r'])} | {f(r['macro_f1'])} | {f(r['p@1'])} | {f(r['p@3'])} | {f(r['p@5'])} |")


TABLE4_HEADER = ("| Model | micro P | micro R | micro F1 | macro P | macro R | macro F1 | P@1 | P@3 | P@5 |\n"
                 "|---|---|---|---|---|---|---|---|---|---|")


def table5_rows(name: str, r: dict) -> list[str]:
    f = lambda x: f"{100 * x:.2f}"
    out = []
    for g in GROUPS:
        if g in r["groups"]:
            b = r["groups"][g]
            out.append(f"| {name} | {g} ({b['labels']} labels) | {f(b['micro_p'])} | {f(b['micro_r'])} | "
                       f"{f(b['micro_f1'])} | {f(b['macro_p'])} | {f(b['macro_r'])} | {f(b['macro_f1'])} |")
    return out


TABLE5_HEADER = ("| Model | group | micro P | micro R | micro F1 | macro P | macro R | macro F1 |\n"
                 "|---|---|---|---|---|---|---|---|")
