"""Command line: ``python -m ml.xmc train | predict | evaluate | bench`` on docs/formats.md files."""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

from .config import TrainConfig
from .console import TqdmProgress, predict_to_file

# (TrainConfig field, type, help) for the options shared by `train` and `bench`
TRAIN_OPTIONS = [
    ("max_length", int, "maximum tokens of '[CLS] title [SEP] description' (paper: 512)"),
    ("layers", int, "number l of last encoder layers whose [CLS] vectors are concatenated (paper: 5)"),
    ("dropout", float, "dropout on the concatenated [CLS] vector (paper: 0.1)"),
    ("freeze_layers", int, "embeddings and this many bottom encoder layers stay frozen (faster on CPU)"),
    ("lr", float, "encoder learning rate (AdamW)"),
    ("head_lr", float, "head learning rate (default 10x the encoder's)"),
    ("weight_decay", float, "AdamW weight decay (paper: 0)"),
    ("epochs", int, "passes over the training products"),
    ("batch_size", int, "products per optimiser step (after gradient accumulation)"),
    ("grad_accumulation", int, "micro-batches accumulated per step, when memory is short"),
    ("warmup", float, "fraction of the steps with linear warm-up (then linear decay to 0)"),
    ("swa_start", float, "with --swa: average the weights of the epochs after this fraction"),
    ("seed", int, "random seed (python, numpy, torch)"),
    ("device", str, "auto (CUDA when present), cpu or cuda"),
    ("negative_weight", float, "loss weight of explicit negatives (products' 'negatives' key)"),
    ("positive_weight", float, "loss weight of positive targets"),
    ("threshold", float, "decision threshold with --threshold-strategy fixed"),
    ("threshold_strategy", str, "fixed | global | attribute: thresholds tuned on a validation slice"),
    ("validation_fraction", float, "fraction of the training products held out to tune thresholds"),
    ("min_attribute_positives", int, "gold labels an attribute needs on validation for its own threshold"),
]

# (flag, TrainConfig field, the value the flag sets, help) for the on/off options of `train` and `bench`
TRAIN_SWITCHES = [
    ("--no-label-masking", "label_masking", False,
     "the unmasked baseline: BCE over all labels (irrelevant ones discarded at test time)"),
    ("--swa", "swa", True, "stochastic weight averaging of per-epoch weights"),
    ("--no-bf16", "bf16", False, "no bf16 autocast (fp32 throughout)"),
    ("--no-value-match", "value_match", False, "no value-name match bonus on the logits (the paper's model exactly)"),
    ("--no-label-text", "label_text", False, "no label-text head (labels added after training are not scored)"),
    ("--no-calibration", "calibrate", False, "scores not calibrated on the validation slice"),
    ("--no-prior-bias", "prior_bias", False, "head bias 0 instead of the labels' prior log-odds"),
    ("--single-value-attributes", "single_value_attributes", True,
     "suggest at most the best value of each attribute that training products (almost) never carry twice "
     "(default: every value above its threshold)"),
    ("--no-length-bucketing", "length_bucketing", False, "batches of random lengths"),
    ("--validate-each-epoch", "validate_each_epoch", True, "score the validation slice after every epoch"),
]


def add_train_options(ap: argparse.ArgumentParser) -> None:
    """The TrainConfig options of `train` and `bench`; `manage.py train_model` offers the same."""
    d = TrainConfig()
    g = ap.add_argument_group("training options")
    g.add_argument("--encoder", help="Hugging Face encoder name or local folder (from_pretrained); "
                   f"default {d.encoder}")
    for name, typ, help_ in TRAIN_OPTIONS:
        g.add_argument("--" + name.replace("_", "-"), type=typ, default=None,
                       help=f"{help_} (default {getattr(d, name)})")
    g.add_argument("--classifier-per", choices=["leaf", "top"], default=None,
                   help="the per-category baseline: one classifier per leaf or top category, shared encoder")
    g.add_argument("--gathered", choices=["auto", "yes", "no"], default=None,
                   help="compute logits only for the batch's relevant labels (auto: above 50k labels)")
    for flag, name, value, help_ in TRAIN_SWITCHES:
        g.add_argument(flag, dest=name, action="store_const", const=value, default=None, help=help_)
    g.add_argument("--config", help="JSON file of TrainConfig fields (command-line options win)")


def train_options_from_args(a) -> dict:
    """The TrainConfig fields given on the command line (a --config file first, options win)."""
    d = {}
    if a.config:
        with open(a.config, encoding="utf-8") as f:
            d.update(json.load(f))
    if a.encoder:
        d["encoder"] = a.encoder
    for name in [o[0] for o in TRAIN_OPTIONS] + [switch[1] for switch in TRAIN_SWITCHES]:
        v = getattr(a, name)
        if v is not None:
            d[name] = v
    if a.classifier_per:
        d["classifier_per"] = a.classifier_per
    if a.gathered:
        d["gathered"] = {"auto": "auto", "yes": True, "no": False}[a.gathered]
    return d


def config_from_args(a) -> TrainConfig:
    return TrainConfig.from_dict(train_options_from_args(a))


def cmd_train(a) -> int:
    from .data import read_json, read_jsonl
    from .train import train
    config = config_from_args(a)
    r = train(read_json(a.taxonomy), read_jsonl(a.train), config, a.out, progress=TqdmProgress())
    print(json.dumps({"out": r.out_dir, "seconds": round(r.seconds, 1), "thresholds": r.thresholds,
                      "validation": r.validation}, indent=2))
    return 0


BF16_PREDICT_HELP = ("predict under bf16 autocast: faster on GPUs and AMX CPUs, but a product's scores then "
                     "vary slightly with the other products of its batch (default: fp32)")


def cmd_predict(a) -> int:
    from .data import read_jsonl
    from .model import XmcModel
    model = XmcModel.load(a.model, device=a.device, bf16=a.bf16)
    products = read_jsonl(a.input)
    predict_to_file(model, products, a.out, a.batch_size, a.top_k, "skip" if a.skip_unknown else "error")
    return 0


def evaluate_model(model, bench_dir, batch_size=64, predictions_out=None, desc="predict test"):
    from . import metrics
    from .data import read_json, read_jsonl
    tax = read_json(os.path.join(bench_dir, "taxonomy.json"))
    train_p = read_jsonl(os.path.join(bench_dir, "train.jsonl"))
    test = read_jsonl(os.path.join(bench_dir, "test.jsonl"))
    t0 = time.time()
    preds = predict_to_file(model, test, predictions_out, batch_size, 20, desc=desc)
    seconds = time.time() - t0
    res = metrics.score(test, preds, tax, train_p)
    res["predict_seconds"] = seconds
    return res


def cmd_evaluate(a) -> int:
    from . import metrics
    from .model import XmcModel
    model = XmcModel.load(a.model, device=a.device, bf16=a.bf16)
    res = evaluate_model(model, a.bench, a.batch_size, a.predictions_out)
    if a.json:
        print(json.dumps(res))
        return 0
    name = os.path.basename(os.path.normpath(a.model))
    print("Table 4\n" + metrics.TABLE4_HEADER + "\n" + metrics.table4_row(name, res))
    print("\nTable 5\n" + metrics.TABLE5_HEADER + "\n" + "\n".join(metrics.table5_rows(name, res)))
    return 0


BENCH_MODELS = {
    "masked": ("BERT w/ label masking", {}),
    "unmasked": ("BERT w/o label masking", {"label_masking": False}),
    "per-leaf": ("BERT w/ per-leaf classifiers", {"classifier_per": "leaf"}),
    "per-top": ("BERT w/ per-top classifiers", {"classifier_per": "top"}),
}


def cmd_bench(a) -> int:
    from .bench import run_bench
    names = [n.strip() for n in a.models.split(",") if n.strip()]
    unknown = [n for n in names if n not in BENCH_MODELS]
    if unknown:
        print(f"error: unknown model(s) {unknown}; choose from {list(BENCH_MODELS)}", file=sys.stderr)
        return 2
    return run_bench(a, config_from_args(a), {name: BENCH_MODELS[name] for name in names})


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m ml.xmc", description="Label-masked BERT extreme multi-label "
                                 "classifier: train, predict, evaluate, benchmark (files as in docs/formats.md).")
    sub = ap.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train a model folder", description="Train a model and write its folder.")
    t.add_argument("--taxonomy", required=True, help="taxonomy.json")
    t.add_argument("--train", required=True, help="training products (JSONL; optional 'negatives' key)")
    t.add_argument("--out", required=True, help="model folder to write")
    add_train_options(t)
    t.set_defaults(func=cmd_train)

    p = sub.add_parser("predict", help="write predictions.jsonl", description="Score products with a model folder.")
    p.add_argument("--model", required=True, help="model folder written by train")
    p.add_argument("--input", required=True, help="products (JSONL)")
    p.add_argument("--out", required=True, help="predictions.jsonl to write")
    p.add_argument("--batch-size", type=int, default=64, help="products per forward pass (default 64)")
    p.add_argument("--top-k", type=int, default=20, help="labels always written per product (default 20)")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda (default auto)")
    p.add_argument("--bf16", action="store_true", help=BF16_PREDICT_HELP)
    p.add_argument("--skip-unknown", action="store_true",
                   help="skip products whose category (and every prefix) the model does not know, "
                        "instead of failing")
    p.set_defaults(func=cmd_predict)

    e = sub.add_parser("evaluate", help="score a model on a benchmark folder's test.jsonl",
                       description="Predict test.jsonl of a benchmark folder and print the paper's Table 4 and 5 rows.")
    e.add_argument("--model", required=True, help="model folder")
    e.add_argument("--bench", required=True, help="benchmark folder (taxonomy.json, train.jsonl, test.jsonl)")
    e.add_argument("--batch-size", type=int, default=64, help="products per forward pass (default 64)")
    e.add_argument("--device", default="auto", help="auto, cpu or cuda (default auto)")
    e.add_argument("--bf16", action="store_true", help=BF16_PREDICT_HELP)
    e.add_argument("--predictions-out", help="also write the predictions JSONL here")
    e.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    e.set_defaults(func=cmd_evaluate)

    b = sub.add_parser("bench", help="train and evaluate the masked model and the baselines",
                       description="Train the masked model and the baselines with the same options on "
                                   "FOLDER/train.jsonl, evaluate on FOLDER/test.jsonl, write a Markdown table "
                                   "in the layout of the paper's Table 4 (and Table 5), plus JSON.")
    b.add_argument("--bench", required=True, help="benchmark folder")
    b.add_argument("--out", default="var/xmc-bench", help="folder for models, predictions, results.json, "
                   "table.md (default var/xmc-bench)")
    b.add_argument("--models", default="masked,unmasked,per-leaf",
                   help=f"comma-separated, from {', '.join(BENCH_MODELS)} (default masked,unmasked,per-leaf)")
    b.add_argument("--doc", help="Markdown file whose section between '<!-- ml/xmc:bench:NAME -->' markers "
                   "gets the table (created or appended when missing)")
    b.add_argument("--doc-name", default=None, help="NAME in the markers (default: the bench folder's name)")
    b.add_argument("--limit-train", type=int, default=None, help="use only the first N training products (smoke runs)")
    b.add_argument("--limit-test", type=int, default=None, help="use only the first N test products (smoke runs)")
    add_train_options(b)
    b.set_defaults(func=cmd_bench)
    return ap


def main(argv=None) -> int:
    ap = build_parser()
    for sp in ap._subparsers._group_actions[0].choices.values():
        sp.add_argument("--threads", type=int, default=None,
                        help="CPU threads for torch (default: torch's choice; 1 is faster on a busy machine)")
    a = ap.parse_args(argv)
    if a.threads:
        import torch
        torch.set_num_threads(a.threads)
    from .errors import XmcError
    try:
        return a.func(a)
    except XmcError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
