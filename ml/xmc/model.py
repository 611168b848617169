"""XmcModel: a trained model folder, loaded for prediction.

A model folder holds (all required, checked on load):
    xmc_config.json      format version, the TrainConfig, encoder facts, head layout,
                         decision thresholds, the label space fingerprint
    label_space.json     index -> [attribute, value]; categories with their relevant labels
    model.safetensors    every weight (encoder.* and head_*)
    encoder/config.json  the encoder's Hugging Face config (the encoder is rebuilt from it)
    tokenizer/           the tokenizer files (save_pretrained)
No pickles anywhere.

A taxonomy that changed after training (``for_taxonomy``): labels the model knows keep their
trained rows; labels added since are scored by the label-text head alone (or never suggested by
a model without one); labels removed since are gone from the label space, so never suggested.

Unknown categories in ``predict``: a product whose category is not in the model's label space
is scored as its deepest known ancestor category (its relevant labels are exactly that
ancestor's in this label space); a product none of whose path prefixes is known raises
UnknownCategoryError, or is skipped (no line yielded) with ``on_unknown="skip"``.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator

import numpy as np
import torch

from .calibration import Calibration
from .config import TrainConfig
from .data import EncodedProducts, chunked, encode_products, load_tokenizer
from .errors import ModelFolderError, UnknownCategoryError
from .label_text import embed_new_labels, label_texts
from .labels import LabelSpace
from .layout import HeadLayout
from .network import XmcNetwork
from .runtime import resolve_device, token_ids, use_gathered, uses_label_text
from .scoring import score_batches
from .thresholds import Thresholds, decide

FORMAT = "zokusei-xmc"
FORMAT_VERSION = 1
# The logit bias of a label added after training, for a model without the label-text head:
# such a model has nothing to score it with, so it is never above any threshold.
UNSCORABLE_BIAS = -1e4
# Options added after format 1 was written, with the value an older folder was trained with.
LATER_OPTIONS = {"label_text": False, "calibrate": False}
REQUIRED_FILES = ("xmc_config.json", "label_space.json", "model.safetensors",
                  os.path.join("encoder", "config.json"), "tokenizer")


def _check_folder(path) -> None:
    if not os.path.isdir(path):
        raise ModelFolderError(f"model folder does not exist: {path}")
    for f in REQUIRED_FILES:
        if not os.path.exists(os.path.join(path, f)):
            raise ModelFolderError(f"model folder {path} is incomplete: {f} is missing")


class XmcModel:
    """A trained classifier: network + tokenizer + label space + thresholds."""

    def __init__(self, network: XmcNetwork, tokenizer, space: LabelSpace, layout: HeadLayout,
                 config: TrainConfig, thresholds: Thresholds, device: torch.device, info: dict | None = None,
                 predict_bf16: bool = False, calibration: Calibration | None = None):
        self.network = network
        self.tokenizer = tokenizer
        self.label_space = space
        self.layout = layout
        self.config = config
        self.device = device
        self.info = info or {}
        # Prediction runs in fp32 unless asked: a product's scores move with the shape of its
        # batch, by ~1e-6 in fp32 but ~1e-2 under bf16, so that a product scored alone (after an
        # edit) and in a catalogue pass got different decisions near a threshold (11 of the
        # 15,777 VideoAVE test products under bf16, none in fp32; docs/benchmarks.md).
        self.predict_bf16 = predict_bf16
        self.calibration = calibration or Calibration()
        self.use_thresholds(thresholds)
        from .matching import ValueMatcher
        self._matcher = ValueMatcher(space) if config.value_match else None

    def use_thresholds(self, thresholds: Thresholds) -> None:
        """Decide with ``thresholds`` from now on (saved with the model by ``save``)."""
        self.thresholds = thresholds
        self._label_threshold = thresholds.per_label(self.label_space)
        self._label_single_valued = thresholds.label_single_valued(self.label_space)

    # -- persistence ---------------------------------------------------------------------
    def save(self, path) -> None:
        from safetensors.torch import save_model
        os.makedirs(path, exist_ok=True)
        save_model(self.network, os.path.join(path, "model.safetensors"))
        self.network.encoder.config.save_pretrained(os.path.join(path, "encoder"))
        self.tokenizer.save_pretrained(os.path.join(path, "tokenizer"))
        with open(os.path.join(path, "label_space.json"), "w", encoding="utf-8") as f:
            json.dump(self.label_space.to_dict(), f, ensure_ascii=False)
        meta = {
            "format": FORMAT, "format_version": FORMAT_VERSION,
            "config": self.config.to_dict(),
            "encoder": {"name": self.config.encoder, "hidden_size": self.network.encoder.config.hidden_size,
                        "num_hidden_layers": self.network.encoder.config.num_hidden_layers},
            "layers": self.network.layers,
            "head": self.layout.to_dict(),
            "thresholds": self.thresholds.to_dict(),
            "calibration": self.calibration.to_dict(),
            "label_space": {"labels": len(self.label_space), "categories": self.label_space.num_categories,
                            "fingerprint": self.label_space.fingerprint()},
            "info": self.info,
        }
        with open(os.path.join(path, "xmc_config.json"), "w", encoding="utf-8") as f:
            json.dump(meta, f, ensure_ascii=False, indent=2)

    @classmethod
    def load(cls, path, device: str = "auto", *, bf16: bool = False) -> XmcModel:
        """Rebuild from the folder alone; ModelFolderError (a ValueError) names what is wrong.

        bf16: predict under bf16 autocast (faster on GPUs and AMX CPUs; scores then depend
        slightly on batch composition). Training's own setting is in `config.bf16`."""
        from safetensors import SafetensorError
        from safetensors.torch import load_model
        from transformers import AutoConfig, AutoModel
        path = os.fspath(path)
        _check_folder(path)
        try:
            with open(os.path.join(path, "xmc_config.json"), encoding="utf-8") as f:
                meta = json.load(f)
            with open(os.path.join(path, "label_space.json"), encoding="utf-8") as f:
                space = LabelSpace.from_dict(json.load(f))
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise ModelFolderError(f"model folder {path}: unreadable xmc_config.json or label_space.json ({e})") from None
        if meta.get("format") != FORMAT or meta.get("format_version") != FORMAT_VERSION:
            raise ModelFolderError(f"model folder {path}: xmc_config.json is not a {FORMAT} v{FORMAT_VERSION} config")
        if meta["label_space"]["fingerprint"] != space.fingerprint():
            raise ModelFolderError(f"model folder {path}: label_space.json does not match xmc_config.json "
                                   f"(fingerprint {space.fingerprint()} != {meta['label_space']['fingerprint']})")
        config = TrainConfig.from_dict({**LATER_OPTIONS, **meta["config"]})
        try:
            layout = HeadLayout.from_dict(meta["head"], space)
        except (ValueError, KeyError) as e:
            raise ModelFolderError(f"model folder {path}: xmc_config.json head layout does not match "
                                   f"label_space.json ({e})") from None
        dev = resolve_device(device)
        enc_config = AutoConfig.from_pretrained(os.path.join(path, "encoder"))
        encoder = AutoModel.from_config(enc_config)
        network = XmcNetwork(encoder, layout.num_outputs, meta["layers"], config.dropout,
                             sparse_head=use_gathered(config, space),
                             row_attribute=layout.row_attribute() if config.value_match else None,
                             label_text=uses_label_text(config))
        try:
            missing, unexpected = load_model(network, os.path.join(path, "model.safetensors"), strict=False)
        except (SafetensorError, RuntimeError, OSError) as e:
            raise ModelFolderError(f"model folder {path}: model.safetensors does not fit the config ({e})") from None
        if missing or unexpected:
            raise ModelFolderError(f"model folder {path}: model.safetensors does not match the config "
                                   f"(missing {sorted(missing)[:3]}, unexpected {sorted(unexpected)[:3]})")
        try:
            tokenizer = load_tokenizer(os.path.join(path, "tokenizer"))
        except Exception as e:  # transformers raises many types for a broken tokenizer folder
            raise ModelFolderError(f"model folder {path}: tokenizer/ cannot be loaded ({e})") from None
        network.to(dev).eval()
        return cls(network, tokenizer, space, layout, config, Thresholds.from_dict(meta["thresholds"]), dev,
                   meta.get("info"), predict_bf16=bf16, calibration=Calibration.from_dict(meta.get("calibration")))

    # -- a taxonomy that changed after training -------------------------------------------------
    def for_taxonomy(self, taxonomy: dict) -> XmcModel:
        """This model scoring the label space of ``taxonomy`` (a parsed taxonomy.json) instead of
        its own: known labels keep their rows, added labels are scored by their text (module
        docstring), removed labels and categories are gone. Shares the encoder; self when the
        label space is unchanged, or when the head is per category (baselines: own space kept)."""
        space = LabelSpace.from_taxonomy(taxonomy)
        if self.layout.grouped or space.fingerprint() == self.label_space.fingerprint():
            return self
        old = self.network
        rows = np.array([self.label_space._label_index.get(label, -1) for label in space.labels], dtype=np.int64)
        known = torch.from_numpy(rows >= 0)
        layout = HeadLayout("shared", space)
        network = XmcNetwork(old.encoder, len(space), old.layers, self.config.dropout, sparse_head=old.sparse_head,
                             row_attribute=layout.row_attribute() if old.match_weight is not None else None,
                             label_text=old.label_text)
        with torch.no_grad():
            kept = torch.from_numpy(rows[rows >= 0])
            network.head_weight.zero_()
            network.head_weight[known] = old.head_weight[kept].cpu()
            network.head_bias.fill_(UNSCORABLE_BIAS)
            network.head_bias[known] = old.head_bias[kept].cpu()
            if old.match_weight is not None:
                old_attribute = {name: i for i, name in enumerate(self.label_space.attributes)}
                network.match_weight.zero_()
                network.match_weight[-1] = old.match_weight[-1]
                for j, name in enumerate(space.attributes):
                    if name in old_attribute:
                        network.match_weight[j] = old.match_weight[old_attribute[name]]
            if old.label_text:
                network.text_log_scale.copy_(old.text_log_scale)
                network.text_bias.copy_(old.text_bias)
                network.label_centre.copy_(old.label_centre)
                network.label_embeddings[known] = old.label_embeddings[kept].cpu()
                added = np.flatnonzero(rows < 0)
                if len(added):
                    network.label_embeddings[torch.from_numpy(added)] = embed_new_labels(
                        old, self.tokenizer,
                        label_texts(space, added), self.device, **token_ids(self.tokenizer, old)).cpu()
                    network.head_bias[torch.from_numpy(added)] = old.text_bias.cpu()
        network.to(self.device).eval()
        info = {**self.info, "taxonomy_changed": {"labels_added": int((rows < 0).sum()),
                                                  "labels_removed": len(self.label_space) - int((rows >= 0).sum())}}
        return XmcModel(network, self.tokenizer, space, layout, self.config, self.thresholds, self.device, info,
                        predict_bf16=self.predict_bf16, calibration=self.calibration)

    # -- prediction ----------------------------------------------------------------------
    def predict(self, products: Iterable[dict], batch_size: int = 64, top_k: int = 20, *,
                on_unknown: str = "error", chunk_size: int = 2048) -> Iterator[dict]:
        """Yield one predictions-format dict per product, in input order:
        ``{"id", "scores": [[attr, value, p], ...], "predicted": [[attr, value], ...]}``.
        ``scores`` holds the top_k relevant labels and every relevant label above its threshold,
        best first; ``predicted`` the labels above the model's thresholds. Products are read
        ``chunk_size`` at a time, so an iterator of any length works."""
        if on_unknown not in ("error", "skip"):
            raise ValueError("on_unknown must be 'error' or 'skip'")
        gathered = use_gathered(self.config, self.label_space)
        for chunk in chunked(products, chunk_size):
            if on_unknown == "skip":
                chunk = [p for p in chunk if self._known(p)]
            if not chunk:
                continue
            yield from self._predict_chunk(chunk, batch_size, top_k, gathered)

    def encode(self, products) -> EncodedProducts:
        """Products tokenised and value-matched as this model predicts them: labels not needed,
        a category below a known one taken as that ancestor."""
        return encode_products(products, self.label_space, self.tokenizer, self.config.max_length,
                               with_labels=False, exact_category=False, matcher=self._matcher)

    def _known(self, p: dict) -> bool:
        try:
            self.label_space.category_index(p.get("category") or ())
            return True
        except UnknownCategoryError:
            return False

    def _predict_chunk(self, chunk, batch_size, top_k, gathered) -> list[dict]:
        enc = self.encode(chunk)
        out: list = [None] * len(chunk)
        labels = self.label_space.labels
        for b, col_labels, probs, mask in score_batches(
                self.network, self.layout, enc, batch_size=batch_size, device=self.device,
                bf16=self.predict_bf16, gathered=gathered, calibration=self.calibration,
                **token_ids(self.tokenizer, self.network)):
            lab = np.arange(probs.shape[1]) if col_labels is None else col_labels
            ranked = np.where(mask, probs, -1.0)
            k = min(top_k, probs.shape[1])
            top = np.argpartition(-ranked, k - 1, axis=1)[:, :k] if k > 0 else np.zeros((len(b), 0), int)
            above = decide(probs, mask, lab, self._label_threshold, self._label_single_valued, self.label_space)
            rounded = np.round(probs, 6)
            for r, i in enumerate(b):
                sel = np.union1d(top[r][ranked[r, top[r]] >= 0], np.flatnonzero(above[r]))
                sel = sel[np.lexsort((lab[sel], -probs[r, sel]))]  # best first, ties by label
                ls, ps, ab = lab[sel].tolist(), rounded[r, sel].tolist(), above[r, sel].tolist()
                out[i] = {
                    "id": enc.ids[i],
                    "scores": [[*labels[l], p] for l, p in zip(ls, ps)],
                    "predicted": [list(labels[l]) for l, a in zip(ls, ab) if a],
                }
        return out
