"""TrainConfig: every hyper-parameter of a training run, saved beside the weights.

Defaults are the ones measured best on VideoAVE with all-MiniLM-L6-v2 on CPU (see
docs/benchmarks.md, section "ml/xmc"); the paper's own values are given in the comments.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from .errors import XmcError

PRODUCTION_ENCODER = "cl-tohoku/bert-base-japanese-v3"

# What a person may ask for through the staff form or the API (inclusive bounds): what one run
# on one worker can sensibly do, so that nobody can book a worker for 1e12 epochs. ml/runs.py
# checks requests against them and frontend/forms.py builds its fields from them. The library
# and the operator's command line are not bound by them (a test trains 500 epochs to have
# time to cancel); TrainConfig.validate holds the rules every configuration must follow.
USER_BOUNDS: dict[str, tuple] = {
    "max_length": (8, 512),            # BERT-style encoders have 512 positions
    "layers": (1, 48),
    "freeze_layers": (0, 48),
    "dropout": (0.0, 0.9),
    "lr": (1e-7, 1.0),
    "head_lr": (1e-7, 1.0),
    "weight_decay": (0.0, 1.0),
    "epochs": (1, 100),
    "batch_size": (1, 1024),
    "grad_accumulation": (1, 1024),
    "warmup": (0.0, 0.9),
    "max_grad_norm": (1e-3, 1e3),
    "swa_start": (0.0, 0.9),
    "seed": (0, 2**31 - 1),
    "negative_weight": (0.0, 100.0),
    "positive_weight": (0.01, 100.0),
    "threshold": (0.001, 0.999),
    "validation_fraction": (0.0, 0.5),
    "replay_fraction": (0.0, 1.0),
    "min_attribute_positives": (0, 1_000_000),
    "log_every": (1, 100_000),
}
# Bounded options that may also be null (see the fields' comments).
NULLABLE = frozenset({"head_lr", "max_grad_norm"})


@dataclass
class TrainConfig:
    # -- encoder and input -------------------------------------------------------------------
    encoder: str = PRODUCTION_ENCODER  # HF name or local folder, loaded with from_pretrained
    max_length: int = 128              # tokens of "[CLS] title [SEP] description" (paper: 512; titles
                                       # alone average 30 MiniLM tokens, padding is per batch)
    layers: int = 5                    # l: [CLS] vectors of the last l layers concatenated (paper: 5;
                                       # capped at the encoder's number of layers)
    dropout: float = 0.1               # dropout on the concatenated [CLS] vector (paper: 0.1)
    freeze_layers: int = 0             # embeddings + this many bottom layers not trained (CPU speed;
                                       # paper: 0 = everything trained)

    # -- optimisation ------------------------------------------------------------------------
    lr: float = 2e-4                   # encoder learning rate, AdamW (paper: 1e-4 for everything)
    head_lr: float | None = 2e-3       # head learning rate; None = same as lr (10x lr: docs/benchmarks.md)
    weight_decay: float = 0.0          # AdamW weight decay (paper: 0)
    epochs: int = 5                    # passes over the training products (paper: 5)
    batch_size: int = 32               # products per optimiser step, after accumulation (paper: 64)
    grad_accumulation: int = 1         # micro-batches per step; micro-batch = batch_size / this
    warmup: float = 0.1                # fraction of steps with linear warm-up, then linear decay to 0
    max_grad_norm: float | None = 1.0  # gradient clipping; None = off
    swa: bool = False                  # stochastic weight averaging of per-epoch weights (paper: on;
                                       # off here: no better on validation, docs/benchmarks.md)
    swa_start: float = 0.5             # SWA averages the epochs after this fraction of training
    seed: int = 0                      # seeds python, numpy and torch before the model is built
    device: str = "auto"               # "auto" (cuda when available), "cpu" or "cuda"
    bf16: bool = True                  # bf16 autocast on GPU, and on CPUs with native bf16 (AMX,
                                       # AVX512-BF16; speed-up in docs/benchmarks.md)
    length_bucketing: bool = True      # batches of similar length (less padding); order still random

    # -- the label-masked head and the baselines ------------------------------------------------
    label_masking: bool = True         # BCE over relevant labels only; False = unmasked baseline
    classifier_per: str | None = None  # None = one shared head; "leaf"/"top" = per-category baseline
    gathered: str | bool = "auto"      # logits only for the batch's relevant labels (huge label
                                       # spaces); "auto" = when the label space has > 50k labels
    value_match: bool = True           # learned logit bonus when a label's value name (or alias)
                                       # occurs in the text (matching.py); False = the paper's model
    label_text: bool = True            # the label-text head (network.py): each label also scored by its
                                       # text against the product's, so labels added after training
                                       # are scored at once; the shared head only
    prior_bias: bool = True            # head bias = log-odds of each label's prior (among relevant
                                       # products when masking), shrunk toward the base rate so a
                                       # label without training products starts low; else 0
    negative_weight: float = 1.0       # loss weight of a seller's explicit negatives (target 0)
    positive_weight: float = 1.0       # loss weight of positive targets (class imbalance knob)

    # -- decisions -------------------------------------------------------------------------
    threshold: float = 0.5             # decision threshold when threshold_strategy = "fixed"
    threshold_strategy: str = "attribute"  # "fixed" | "global" | "attribute": tuned on validation
    validation_fraction: float = 0.1   # slice of the training products held out to tune thresholds
    min_attribute_positives: int = 30  # positives an attribute needs on validation for its own
                                       # threshold; others use the global one
    single_value_attributes: bool = False  # attributes that training products (almost) never carry
                                       # twice get at most their best value per product (off: it
                                       # costs macro-F1, docs/benchmarks.md)

    calibrate: bool = True             # Platt scaling of the scores on the validation slice (calibration.py),
                                       # before thresholds are tuned on the calibrated scores

    # -- incremental retraining ---------------------------------------------------------------
    warm_start: bool = False           # start from the active version's weights and train on what
                                       # changed since its data plus a replay sample (ml/training.py;
                                       # the library's train() takes the folder as start_from)
    replay_fraction: float = 0.2       # share of the unchanged training products replayed in a warm start

    validate_each_epoch: bool = False  # score the validation slice after every epoch (history)

    # -- bookkeeping -------------------------------------------------------------------------
    log_every: int = 20                # steps between progress events with a smoothed loss
    extra: dict = field(default_factory=dict)  # free-form notes stored with the model

    def __post_init__(self):
        self.validate()

    def validate(self) -> None:
        def need(ok, msg):
            if not ok:
                raise XmcError(f"TrainConfig: {msg}")
        need(self.max_length >= 8, "max_length must be >= 8")
        need(self.layers >= 1, "layers must be >= 1")
        need(self.freeze_layers >= 0, "freeze_layers must be >= 0")
        need(0 <= self.dropout < 1, "dropout must be in [0, 1)")
        need(self.lr > 0 and (self.head_lr is None or self.head_lr > 0), "learning rates must be > 0")
        need(self.epochs >= 1, "epochs must be >= 1")
        need(self.batch_size >= 1 and self.grad_accumulation >= 1, "batch_size and grad_accumulation must be >= 1")
        need(self.batch_size % self.grad_accumulation == 0, "batch_size must be a multiple of grad_accumulation")
        need(0 <= self.warmup < 1, "warmup must be a fraction in [0, 1)")
        need(0 <= self.swa_start < 1, "swa_start must be a fraction in [0, 1)")
        need(self.device in ("auto", "cpu", "cuda") or self.device.startswith("cuda:"),
             f"device must be auto, cpu or cuda, not {self.device!r}")
        need(self.classifier_per in (None, "leaf", "top"), "classifier_per must be None, 'leaf' or 'top'")
        need(self.gathered in ("auto", True, False), "gathered must be 'auto', true or false")
        need(self.threshold_strategy in ("fixed", "global", "attribute"),
             "threshold_strategy must be fixed, global or attribute")
        need(0 < self.threshold < 1, "threshold must be in (0, 1)")
        need(0 <= self.validation_fraction < 1, "validation_fraction must be in [0, 1)")
        need(0 <= self.replay_fraction <= 1, "replay_fraction must be in [0, 1]")
        need(self.negative_weight >= 0 and self.positive_weight > 0, "loss weights must be positive")

    @classmethod
    def user_problems(cls, options: dict) -> dict[str, str]:
        """Options outside USER_BOUNDS or of the wrong type, by name; each message starts with it."""
        defaults = {f.name: f.default for f in dataclasses.fields(cls)}
        problems = {}
        for name, value in options.items():
            if name in USER_BOUNDS and not (value is None and name in NULLABLE):
                low, high = USER_BOUNDS[name]
                integer = isinstance(low, int) and isinstance(high, int)
                if isinstance(value, bool) or not isinstance(value, int if integer else (int, float)):
                    problems[name] = f"{name} must be {'an integer' if integer else 'a number'}, not {value!r:.40}"
                elif not low <= value <= high:  # NaN fails this too
                    problems[name] = f"{name} must lie between {low} and {high}, not {value}"
            elif isinstance(defaults.get(name), bool) and not isinstance(value, bool):
                problems[name] = f"{name} must be true or false, not {value!r:.40}"
        return problems

    @property
    def micro_batch_size(self) -> int:
        return self.batch_size // self.grad_accumulation

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise XmcError(f"TrainConfig: unknown option(s) {', '.join(unknown)}; "
                           f"known options are {', '.join(sorted(names))}")
        return cls(**d)
