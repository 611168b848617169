"""train(): fine-tune an encoder with the label-masked head and write a model folder."""
from __future__ import annotations

import dataclasses
import math
import os
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from .calibration import Calibration, expected_calibration_error, top_pairs
from .config import TrainConfig
from .data import EncodedProducts, encode_products, load_tokenizer, make_batches, pad, rows_to_dense
from .errors import DataError
from .label_text import initialise_rows_from_text, refresh_label_embeddings
from .labels import LabelSpace
from .layout import HeadLayout
from .matching import ValueMatcher
from .model import XmcModel
from .network import XmcNetwork
from .runtime import autocast, resolve_device, token_ids, use_gathered, uses_label_text
from .scoring import score_batches
from .thresholds import Thresholds, single_valued_attributes, tune_thresholds

PRIOR_PSEUDO_COUNT = 1.0  # products' worth of the base rate mixed into each label's prior
PRIOR_MIN_LOGIT = -10.0   # floor: a label never seen gets sigmoid(-10) ~ 5e-5, not -inf


class TrainingCancelled(Exception):
    """Raised inside train() when should_stop() returned True."""


@dataclass
class ProgressEvent:
    stage: str                 # "prepare" | "train" | "validate" | "thresholds" | "save" | "done"
    epoch: int = 0             # 1-based epoch in progress (0 before training)
    total_epochs: int = 0
    step: int = 0              # optimiser steps done so far, over all epochs
    total_steps: int = 0
    loss: float | None = None  # smoothed training loss (sum over counted labels / products)
    throughput: float | None = None  # training products per second since the last event
    message: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class TrainResult:
    out_dir: str
    config: TrainConfig
    thresholds: dict
    validation: dict           # validation-slice metrics at the chosen thresholds (may be empty)
    history: list = field(default_factory=list)  # per-epoch {"epoch", "loss", "seconds"}
    seconds: float = 0.0
    train_products: int = 0
    validation_products: int = 0


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def prior_bias(layout: HeadLayout, space: LabelSpace, categories: np.ndarray, positives, masking: bool) -> torch.Tensor:
    """[N] log-odds of each head row's label among the products the row is trained on
    (products its label is relevant to when masking / in its group; else all products),
    shrunk toward the base rate by PRIOR_PSEUDO_COUNT products."""
    rows = layout.row_labels()
    pos = np.zeros(len(space))
    if positives:
        np.add.at(pos, np.concatenate(positives), 1)
    if layout.grouped:
        groups = layout.groups_of(categories)
        # positives and products per (group, label): count per group then pick each row's
        row_group = layout.row_groups()
        per_group_pos = np.zeros(layout.num_outputs)
        n_group = np.bincount(groups, minlength=len(layout.group_labels)).astype(float)
        for g in range(len(layout.group_labels)):
            members = np.flatnonzero(groups == g)
            counts = np.zeros(len(space))
            if len(members):
                lists = [positives[i] for i in members]
                if sum(len(x) for x in lists):
                    np.add.at(counts, np.concatenate(lists), 1)
            sl = slice(layout.offsets[g], layout.offsets[g + 1])
            per_group_pos[sl] = counts[layout.group_labels[g]]
        p_pos, n = per_group_pos, n_group[row_group]
    elif masking:
        # products of categories where the label is relevant
        cat_count = np.bincount(categories, minlength=space.num_categories).astype(float)
        n_rel = np.zeros(len(space))
        np.add.at(n_rel, space.indices, np.repeat(cat_count, np.diff(space.indptr)))
        p_pos, n = pos[rows], n_rel[rows]
    else:
        p_pos, n = pos[rows], np.full(len(rows), float(len(categories)))
    # Each row's rate is shrunk toward the base rate of all trained (product, row) pairs, not
    # toward even odds: a row that no training product could teach (a category, or a group, with
    # no products yet) would otherwise start at p = 0.5, never move (masking gives it no
    # gradient), and be suggested for every product of that category.
    base_rate = (p_pos.sum() + 0.5) / (n.sum() + 1.0)
    p = (p_pos + PRIOR_PSEUDO_COUNT * base_rate) / (n + PRIOR_PSEUDO_COUNT)
    return torch.tensor(np.maximum(np.log(p / (1 - p)), PRIOR_MIN_LOGIT), dtype=torch.float32)


def match_prior(space: LabelSpace, enc, masking: bool) -> float:
    """Initial value-match bonus: log-odds of a positive among matched (product, label) pairs
    minus that among all pairs (relevant pairs when masking)."""
    matched = pos_matched = pairs = 0
    for c, m, p in zip(enc.category, enc.matches, enc.positives):
        if masking:
            m = np.intersect1d(m, space.relevant(c), assume_unique=True)
            pairs += len(space.relevant(c))
        else:
            pairs += len(space)
        matched += len(m)
        pos_matched += len(np.intersect1d(m, p, assume_unique=True))
    positives = sum(len(p) for p in enc.positives)
    if not matched or not positives:
        return 0.0
    logit = lambda q: float(np.log(q / (1 - q)))
    p_m = (pos_matched + 0.5) / (matched + 1)
    return max(0.0, logit(p_m) - logit(min(positives / pairs, 0.5)))


def build_network(config: TrainConfig, layout: HeadLayout, sparse_head: bool) -> XmcNetwork:
    from transformers import AutoModel
    encoder = AutoModel.from_pretrained(config.encoder)
    network = XmcNetwork(encoder, layout.num_outputs, config.layers, config.dropout, sparse_head=sparse_head,
                         row_attribute=layout.row_attribute() if config.value_match else None,
                         label_text=uses_label_text(config))
    network.freeze(config.freeze_layers)
    return network


def _split(n: int, config: TrainConfig, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    n_val = int(round(n * config.validation_fraction)) if config.threshold_strategy != "fixed" else 0
    if n - n_val < 1 or (n_val and n_val < 10):
        n_val = 0
    perm = rng.permutation(n)
    return np.sort(perm[n_val:]), np.sort(perm[:n_val])


def _subset(enc: EncodedProducts, idx: np.ndarray) -> EncodedProducts:
    return EncodedProducts([enc.ids[i] for i in idx], [enc.input_ids[i] for i in idx], enc.category[idx],
                           [enc.positives[i] for i in idx], [enc.negatives[i] for i in idx],
                           [enc.matches[i] for i in idx] if enc.matches else [])


def build_optimizers(network: XmcNetwork, config: TrainConfig, sparse_head: bool) -> list:
    """AdamW over the encoder (and the head, when dense); SparseAdam over a gathered head. The
    head's few scalars (value-match bonuses, the label-text head's scale and bias) are dense and
    learn at the head's rate."""
    head = [network.head_weight, network.head_bias]
    head_lr = config.head_lr or config.lr
    enc_params = [p for p in network.encoder.parameters() if p.requires_grad]
    scalars = [p for p in (network.match_weight, getattr(network, "text_log_scale", None),
                           getattr(network, "text_bias", None)) if p is not None]
    groups = [{"params": enc_params, "lr": config.lr}]
    if scalars:
        groups.append({"params": scalars, "lr": head_lr, "weight_decay": 0.0})
    opts = []
    if sparse_head:
        # the gathered path gives sparse head gradients: only touched rows move (lazy Adam)
        opts.append(torch.optim.SparseAdam(head, lr=head_lr))
    else:
        groups.append({"params": head, "lr": head_lr})
    try:  # the fused kernel is several times faster than foreach on CPU (docs/benchmarks.md)
        adamw = torch.optim.AdamW(groups, lr=config.lr, weight_decay=config.weight_decay, fused=True)
    except (RuntimeError, TypeError):
        adamw = torch.optim.AdamW(groups, lr=config.lr, weight_decay=config.weight_decay)
    opts.insert(0, adamw)
    return opts


def _lr_lambda(total_steps: int, warmup: float):
    warm = max(1, int(round(total_steps * warmup))) if warmup > 0 else 0

    def f(step):
        if step < warm:
            return (step + 1) / warm
        return max(0.0, (total_steps - step) / max(1, total_steps - warm))
    return f


def batch_inputs(enc, b, layout: HeadLayout, config: TrainConfig, ids_kw: dict, gathered: bool,
                 group: int | None, has_negatives: bool, device) -> dict:
    """The network's keyword arguments for the training micro-batch ``b`` (product positions):
    padded tokens, the computed columns, the relevance mask, targets and loss weights."""
    ids, att, tt = pad([enc.input_ids[i] for i in b], **ids_kw)
    cats = torch.from_numpy(enc.category[b])
    cols = layout.columns(cats, masking=config.label_masking, gathered=gathered, group=group)
    width = len(layout.space) if cols.labels is None else len(cols.labels)
    targets = rows_to_dense([enc.positives[i] for i in b], cols.column_of, width).float()
    weights = None
    if config.positive_weight != 1.0 or has_negatives:
        weights = torch.ones_like(targets)
        if config.positive_weight != 1.0:
            weights[targets.bool()] = config.positive_weight
        if has_negatives:
            weights[rows_to_dense([enc.negatives[i] for i in b], cols.column_of, width)] = config.negative_weight
    matches = rows_to_dense([enc.matches[i] for i in b], cols.column_of, width).float() if enc.matches else None
    to = lambda x: None if x is None else x.to(device)
    return {"matches": to(matches), "input_ids": to(ids), "attention_mask": to(att), "token_type_ids": to(tt), "columns": to(cols.rows),
            "mask": to(cols.mask), "targets": to(targets), "weights": to(weights)}


def train_step(network: XmcNetwork, optimizers: list, micro_batches: Iterable[dict], config: TrainConfig,
               device: torch.device) -> list[float]:
    """One optimiser step over ``micro_batches`` (the network's keyword arguments, from
    batch_inputs; up to config.grad_accumulation of them): forward and backward of each, its
    loss divided by grad_accumulation, then the dense gradients clipped to max_grad_norm and
    every optimiser stepped and zeroed. Gradients must be zero on entry. Returns each
    micro-batch's loss. train() and bench/xmc/throughput.py both step with this."""
    losses = []
    for inputs in micro_batches:
        with autocast(device, config.bf16):
            _, loss = network(**inputs)
        (loss / config.grad_accumulation).backward()
        losses.append(float(loss.detach()))
    if config.max_grad_norm:
        dense = [p for p in network.parameters() if p.grad is not None and not p.grad.is_sparse]
        torch.nn.utils.clip_grad_norm_(dense, config.max_grad_norm)
    for o in optimizers:
        o.step()
        o.zero_grad(set_to_none=True)
    return losses


def train(taxonomy: dict, products: list[dict], config: TrainConfig, out_dir, *,
          progress: Callable[[ProgressEvent], None] | None = None,
          should_stop: Callable[[], bool] | None = None, start_from=None) -> TrainResult:
    """Train on ``products`` (docs/formats.md products, optionally with ``negatives``) and write the
    model folder to ``out_dir``. Raises TaxonomyError / DataError on bad inputs and
    TrainingCancelled when ``should_stop()`` turns True (polled every micro-batch).

    ``start_from``: a model folder to start from instead of the pretrained encoder: its encoder,
    tokenizer and head rows (labels added to the taxonomy since start from their text, removed
    ones are dropped: XmcModel.for_taxonomy). The caller chooses the products (what changed
    plus a replay sample of the rest); the config's optimisation options apply as given."""
    t0 = time.time()
    emit = progress or (lambda e: None)
    stop = should_stop or (lambda: False)
    emit(ProgressEvent("prepare", total_epochs=config.epochs, message="building label space"))
    space = LabelSpace.from_taxonomy(taxonomy)
    products = list(products)
    if not products:
        raise DataError("no training products")
    seed_everything(config.seed)
    rng = np.random.default_rng(config.seed)
    device = resolve_device(config.device)
    bf16 = config.bf16
    masking = config.label_masking
    gathered = use_gathered(config, space)
    layout = HeadLayout("shared" if config.classifier_per is None else config.classifier_per, space)

    emit(ProgressEvent("prepare", total_epochs=config.epochs, message="tokenising products"))
    base = None
    if start_from is not None:
        base = XmcModel.load(start_from, device=config.device).for_taxonomy(taxonomy)
        if base.layout.grouped or config.classifier_per is not None:
            raise DataError("warm start needs the shared head in both the base model and the config")
        config = dataclasses.replace(config, encoder=base.config.encoder, layers=base.network.layers,
                                     label_text=base.network.label_text,
                                     value_match=base.network.match_weight is not None)
    tokenizer = base.tokenizer if base is not None else load_tokenizer(config.encoder)
    enc_all = encode_products(products, space, tokenizer, config.max_length,
                              matcher=ValueMatcher(space) if config.value_match else None)
    single_valued = single_valued_attributes(space, enc_all.positives) if config.single_value_attributes else []
    train_idx, val_idx = _split(len(enc_all), config, rng)
    enc, val = _subset(enc_all, train_idx), _subset(enc_all, val_idx)

    if base is not None:
        network = base.network
        network.sparse_head = gathered
        for p in network.parameters():
            p.requires_grad_(True)
        network.freeze(config.freeze_layers)
        network.to(device)
        ids_kw = token_ids(tokenizer, network)
    else:
        network = build_network(config, layout, gathered)
        with torch.no_grad():
            if config.prior_bias:
                network.head_bias[:, 0] = prior_bias(layout, space, enc.category, enc.positives, masking)
            if network.match_weight is not None:
                network.match_weight[-1] = match_prior(space, enc, masking)
        network.to(device)
        ids_kw = token_ids(tokenizer, network)
        if network.label_text:
            refresh_label_embeddings(network, tokenizer, space, device, **ids_kw)
            initialise_rows_from_text(network)
            with torch.no_grad():  # the zero-shot score starts at the base rate of a relevant label
                network.text_bias.fill_(float(network.head_bias.median()))
    groups = layout.groups_of(enc.category) if layout.grouped else None
    lengths = enc.lengths()
    micro = config.micro_batch_size
    n_micro = len(make_batches(lengths, groups, micro, np.random.default_rng(0), bucketing=False, shuffle=False))
    steps_per_epoch = math.ceil(n_micro / config.grad_accumulation)
    total_steps = steps_per_epoch * config.epochs
    optimizers = build_optimizers(network, config, gathered)
    schedulers = [torch.optim.lr_scheduler.LambdaLR(o, _lr_lambda(total_steps, config.warmup)) for o in optimizers]
    swa_model = None
    swa_first_epoch = int(math.floor(config.swa_start * config.epochs)) + 1
    has_neg = any(len(x) for x in enc.negatives)

    step, history = 0, []
    smoothed, seen, t_last = None, 0, time.time()

    def micro_batches(batches):
        # built one at a time, so that a stop request is seen before every micro-batch
        for b in batches:
            if stop():
                raise TrainingCancelled(f"stopped at epoch {epoch}, step {step}")
            yield batch_inputs(enc, b, layout, config, ids_kw, gathered,
                               None if groups is None else int(groups[b[0]]), has_neg, device)

    for epoch in range(1, config.epochs + 1):
        if network.label_text and (epoch > 1 or base is not None):
            # the labels' vectors follow the encoder as it trains (a few seconds per epoch)
            refresh_label_embeddings(network, tokenizer, space, device, **ids_kw)
        network.train()
        t_epoch, epoch_loss, epoch_n = time.time(), 0.0, 0
        batches = make_batches(lengths, groups, micro, rng, bucketing=config.length_bucketing)
        for o in optimizers:
            o.zero_grad(set_to_none=True)
        for first in range(0, len(batches), config.grad_accumulation):
            step_batches = batches[first:first + config.grad_accumulation]
            losses = train_step(network, optimizers, micro_batches(step_batches), config, device)
            for b, lv in zip(step_batches, losses):
                epoch_loss += lv * len(b)
                epoch_n += len(b)
                seen += len(b)
                smoothed = lv if smoothed is None else 0.95 * smoothed + 0.05 * lv
            for s in schedulers:
                s.step()
            step += 1
            if step % config.log_every == 0 or step == total_steps:
                now = time.time()
                emit(ProgressEvent("train", epoch, config.epochs, step, total_steps, smoothed,
                                   seen / max(now - t_last, 1e-9)))
                seen, t_last = 0, now
        if config.swa and epoch >= swa_first_epoch:
            if swa_model is None:
                swa_model = torch.optim.swa_utils.AveragedModel(network)
            else:
                swa_model.update_parameters(network)
        history.append({"epoch": epoch, "loss": epoch_loss / max(epoch_n, 1), "seconds": time.time() - t_epoch})
        if config.validate_each_epoch and len(val) and config.threshold_strategy != "fixed":
            _, v = tune_thresholds(score_batches(network, layout, val, batch_size=max(micro, 64), device=device,
                                                 bf16=bf16, gathered=gathered, **ids_kw),
                                   val, space, config, single_valued)
            # The final validation keeps the precision curve; every epoch's would only bloat the config.
            history[-1]["validation"] = {k: x for k, x in v.items() if k != "precision_curve"}
            emit(ProgressEvent("validate", epoch, config.epochs, step, total_steps, smoothed,
                               message=f"validation micro-F1 {v['micro_f1']:.4f} macro-F1 {v['macro_f1']:.4f}"))
    if swa_model is not None:
        with torch.no_grad():
            for p, q in zip(network.parameters(), swa_model.module.parameters()):
                p.copy_(q)

    if network.label_text:
        refresh_label_embeddings(network, tokenizer, space, device, **ids_kw)

    thresholds = Thresholds(config.threshold, strategy="fixed", single_valued=single_valued)
    validation, calibration = {}, Calibration()
    if len(val) and (config.calibrate or config.threshold_strategy != "fixed"):
        emit(ProgressEvent("thresholds", config.epochs, config.epochs, step, total_steps,
                           message=f"calibrating and tuning thresholds on {len(val)} validation products"))
        scored = list(score_batches(network, layout, val, batch_size=max(micro, 64), device=device, bf16=bf16,
                                    gathered=gathered, **ids_kw))
        raw_probs, raw_gold = top_pairs(scored, val.positives)
        if config.calibrate:
            calibration = Calibration.fit(raw_probs, raw_gold)
            scored = [(b, labels, calibration.apply(probs), mask) for b, labels, probs, mask in scored]
        if config.threshold_strategy != "fixed":
            thresholds, validation = tune_thresholds(scored, val, space, config, single_valued)
        probs, gold = top_pairs(scored, val.positives)
        validation["calibration"] = {"top_k_pairs": len(probs), **calibration.to_dict(),
                                     "ece_before": expected_calibration_error(raw_probs, raw_gold),
                                     "ece_after": expected_calibration_error(probs, gold)}

    emit(ProgressEvent("save", config.epochs, config.epochs, step, total_steps, message=str(out_dir)))
    info = {"train_products": len(enc), "validation_products": len(val), "history": history,
            "validation": validation, "seconds": time.time() - t0}
    if base is not None:
        info["warm_start"] = {"from": os.fspath(start_from), "base_info": {k: base.info.get(k) for k in
                                                                              ("train_products", "seconds")}}
    model = XmcModel(network, tokenizer, space, layout, config, thresholds, device, info, calibration=calibration)
    model.save(out_dir)
    emit(ProgressEvent("done", config.epochs, config.epochs, step, total_steps, smoothed))
    return TrainResult(os.fspath(out_dir), config, thresholds.to_dict(), validation, history,
                       time.time() - t0, len(enc), len(val))
