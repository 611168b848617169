"""``python -m ml.xmc bench``: the masked model and its baselines on one benchmark folder."""
from __future__ import annotations

import dataclasses
import json
import os
import platform
import re
import shlex
import sys
import time

import torch

from . import metrics
from .config import TrainConfig
from .console import TqdmProgress, predict_to_file
from .data import read_json, read_jsonl


def run_bench(a, base: TrainConfig, models: dict[str, tuple[str, dict]]) -> int:
    """Train and evaluate each of ``models`` (name -> (table title, TrainConfig overrides of
    ``base``)) on the benchmark folder ``a.bench``; write results.json, table.md, ``a.doc``."""
    from .model import XmcModel
    from .train import train
    tax = read_json(os.path.join(a.bench, "taxonomy.json"))
    train_p = read_jsonl(os.path.join(a.bench, "train.jsonl"))[:a.limit_train]
    test = read_jsonl(os.path.join(a.bench, "test.jsonl"))[:a.limit_test]
    os.makedirs(a.out, exist_ok=True)
    command = "python -m ml.xmc " + " ".join(shlex.quote(x) for x in sys.argv[1:])
    t_all = time.time()
    results = {}
    for name, (title, overrides) in models.items():
        config = dataclasses.replace(base, **overrides)
        model_dir = os.path.join(a.out, name)
        t0 = time.time()
        r = train(tax, train_p, config, model_dir, progress=TqdmProgress(f"train {name}"))
        train_s = time.time() - t0
        model = XmcModel.load(model_dir, device=config.device)
        t1 = time.time()
        preds = predict_to_file(model, test, os.path.join(a.out, f"{name}.predictions.jsonl"), 64, 20,
                                 desc=f"predict {name}")
        predict_s = time.time() - t1
        res = metrics.score(test, preds, tax, train_p)
        results[name] = {"title": title, "metrics": res, "train_seconds": train_s, "predict_seconds": predict_s,
                         "config": config.to_dict(), "thresholds": r.thresholds, "validation": r.validation,
                         "history": r.history}
        print(metrics.table4_row(title, res), file=sys.stderr)
        with open(os.path.join(a.out, "results.json"), "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2)
    total = time.time() - t_all
    md = render(results, a, command, total, base)
    with open(os.path.join(a.out, "table.md"), "w", encoding="utf-8") as f:
        f.write(md)
    if a.doc:
        write_section(a.doc, a.doc_name or os.path.basename(os.path.normpath(a.bench)), md)
    print(md)
    return 0


def render(results: dict, a, command: str, total: float, base: TrainConfig) -> str:
    lines = [f"Command: `{command}`", "",
             f"Train {len(read_jsonl(os.path.join(a.bench, 'train.jsonl'))[:a.limit_train])} products, test "
             f"{len(read_jsonl(os.path.join(a.bench, 'test.jsonl'))[:a.limit_test])} products; "
             f"{platform.machine()} CPU threads {torch.get_num_threads()}, torch {torch.__version__}; "
             f"total time {total / 60:.1f} min.", "",
             "Table 4 layout (percent; scored with the paper's definitions, equal to shared/bench/score.py):", "",
             metrics.TABLE4_HEADER]
    for r in results.values():
        lines.append(metrics.table4_row(r["title"], r["metrics"]))
    lines += ["", "Time per model:", "",
              "| Model | train (min) | predict test (s) | thresholds (global; per attribute) |", "|---|---|---|---|"]
    for r in results.values():
        th = r["thresholds"]
        lines.append(f"| {r['title']} | {r['train_seconds'] / 60:.1f} | {r['predict_seconds']:.0f} | "
                     f"{th['global']}; {len(th['attribute'])} attributes |")
    lines += ["", "Table 5 layout (frequency groups by label count in train):", "", metrics.TABLE5_HEADER]
    for r in results.values():
        lines += metrics.table5_rows(r["title"], r["metrics"])
    cfg = {k: v for k, v in base.to_dict().items() if k != "extra"}
    lines += ["", f"Shared options: `{json.dumps(cfg)}`", ""]
    return "\n".join(lines)


def write_section(doc: str, name: str, body: str, title: str | None = None) -> None:
    """Replace (or append) the text between this bench's markers; the rest of the file is kept."""
    begin, end = f"<!-- ml/xmc:bench:{name} -->", f"<!-- /ml/xmc:bench:{name} -->"
    text = open(doc, encoding="utf-8").read() if os.path.exists(doc) else "# Benchmarks\n"
    block = f"{begin}\n{body.rstrip()}\n{end}"
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda m: block, text)
    else:
        text = text.rstrip() + f"\n\n## {title or f'ml/xmc: bench on {name}'}\n\n{block}\n"
    os.makedirs(os.path.dirname(os.path.abspath(doc)), exist_ok=True)
    with open(doc, "w", encoding="utf-8") as f:
        f.write(text)
