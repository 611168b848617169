#!/usr/bin/env python
"""What the test-time mask removes from a model's decisions: the labels its category does not allow.

    .venv/bin/python bench/xmc/irrelevant_scores.py --model var/xmc-bench/unmasked \\
        --bench ../shared/data/videoave

Label masking changes an unmasked model at two points: in training (the loss also pushes down
every label the product's category does not allow) and at test time (those labels are
discarded, as the paper did). This script scores the test products over *all* labels and
reports how many of the model's decisions (probability above its own thresholds) and of its
top-ranked labels fall outside the product's category, and the micro P/R/F1 with and without
discarding them. If an unmasked model rarely puts an irrelevant label above its threshold,
it has learned from the text which labels a category allows, and masking has little left to
give on that data.
"""
from __future__ import annotations

import argparse
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, REPO)
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402


def count_decisions(model, products: list[dict], batch_size: int = 64) -> dict:
    """Score ``products`` over all labels and count the decisions, top-ranked labels and hits
    inside and outside each product's category."""
    from tqdm import tqdm

    from ml.xmc.runtime import token_ids
    from ml.xmc.scoring import score_batches
    from ml.xmc.thresholds import decide
    space = model.label_space
    enc = model.encode(products)
    threshold = model.thresholds.per_label(space)
    single_valued = model.thresholds.label_single_valued(space)
    all_labels = np.arange(len(space))
    counts = dict(gold=0, irrelevant_gold=0, tp_masked=0, pred_masked=0, tp_all=0, pred_all=0,
                  products_with_irrelevant_decision=0, irrelevant_decisions=0,
                  top1_irrelevant=0, top5_irrelevant=0, relevant=0)
    with tqdm(total=len(products), desc="scoring", unit="product") as bar:
        for batch, columns, probs, mask in score_batches(
                model.network, model.layout, enc, batch_size=batch_size, device=model.device,
                bf16=False, gathered=False, calibration=model.calibration,
                **token_ids(model.tokenizer, model.network)):
            if columns is not None:
                raise ValueError("the model scores gathered columns only; this needs a dense head")
            # the model's own decision rule, inside the category and over every label
            decided_in_category = decide(probs, mask, all_labels, threshold, single_valued, space)
            decided_anywhere = decide(probs, np.ones_like(mask), all_labels, threshold, single_valued, space)
            for r, i in enumerate(batch):
                relevant = mask[r]
                gold = {space.label_index(label) for label in products[i].get("labels", [])} - {None}
                gold_relevant = {g for g in gold if relevant[g]}
                decided_all = set(np.flatnonzero(decided_anywhere[r]).tolist())
                decided_masked = set(np.flatnonzero(decided_in_category[r]).tolist())
                counts["gold"] += len(gold_relevant)
                counts["irrelevant_gold"] += len(gold) - len(gold_relevant)
                counts["relevant"] += int(relevant.sum())
                counts["tp_masked"] += len(decided_masked & gold_relevant)
                counts["pred_masked"] += len(decided_masked)
                counts["tp_all"] += len(decided_all & gold_relevant)
                counts["pred_all"] += len(decided_all)
                n_irrelevant = sum(1 for d in decided_all if not relevant[d])
                counts["irrelevant_decisions"] += n_irrelevant
                counts["products_with_irrelevant_decision"] += n_irrelevant > 0
                top5 = np.argsort(-probs[r])[:5]
                counts["top1_irrelevant"] += not relevant[top5[0]]
                counts["top5_irrelevant"] += int((~relevant[top5]).sum())
            bar.update(len(batch))
    return counts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="model folder (python -m ml.xmc train / bench)")
    parser.add_argument("--bench", required=True, help="benchmark folder with test.jsonl")
    parser.add_argument("--limit", type=int, help="only the first N test products")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, help="CPU threads for torch")
    args = parser.parse_args(argv)

    import torch

    from ml.xmc.data import read_jsonl
    from ml.xmc.metrics import micro_prf
    from ml.xmc.model import XmcModel
    if args.threads:
        torch.set_num_threads(args.threads)
    model = XmcModel.load(args.model, device="cpu")
    products = read_jsonl(os.path.join(args.bench, "test.jsonl"))[:args.limit]
    counts = count_decisions(model, products, args.batch_size)

    n = len(products)
    space = model.label_space
    masked = micro_prf(counts["tp_masked"], counts["pred_masked"], counts["gold"])
    unmasked = micro_prf(counts["tp_all"], counts["pred_all"], counts["gold"])
    print(f"model {args.model} (label_masking={model.config.label_masking}); {n} test products of {args.bench}")
    print(f"labels {len(space)}, relevant per product {counts['relevant'] / n:.1f}; "
          f"gold labels outside the category (not counted): {counts['irrelevant_gold']}")
    print()
    print("| | value |")
    print("|---|---|")
    print(f"| decisions (above the model's thresholds) on irrelevant labels | {counts['irrelevant_decisions']} "
          f"of {counts['pred_all']} ({100 * counts['irrelevant_decisions'] / max(counts['pred_all'], 1):.2f}%) |")
    print(f"| products with at least one such decision | {counts['products_with_irrelevant_decision']} "
          f"({100 * counts['products_with_irrelevant_decision'] / n:.2f}%) |")
    print(f"| top-1 label irrelevant | {100 * counts['top1_irrelevant'] / n:.2f}% of products |")
    print(f"| irrelevant labels in the top 5 | {100 * counts['top5_irrelevant'] / (5 * n):.2f}% |")
    print(f"| micro P / R / F1, irrelevant labels discarded | "
          f"{100 * masked[0]:.2f} / {100 * masked[1]:.2f} / {100 * masked[2]:.2f} |")
    print(f"| micro P / R / F1, kept | "
          f"{100 * unmasked[0]:.2f} / {100 * unmasked[1]:.2f} / {100 * unmasked[2]:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
