"""Where and how the network runs, shared by training and prediction: the device, bf16
autocast, the tokenizer's special ids the network is fed, and the dense or gathered head."""
from __future__ import annotations

import contextlib

import torch

from .config import TrainConfig
from .labels import LabelSpace
from .network import XmcNetwork

GATHERED_AUTO_LABELS = 50_000  # above this many labels the gathered path is used by default


def resolve_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError("device 'cuda' asked for but no CUDA device is available")
    return torch.device(device)


def cpu_has_bf16() -> bool:
    """Native bf16 matmuls (AVX512-BF16 / AMX); without them CPU autocast emulates and is slow."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def autocast(device: torch.device, bf16: bool):
    if not bf16 or (device.type == "cpu" and not cpu_has_bf16()):
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=torch.bfloat16)


def use_gathered(config: TrainConfig, space: LabelSpace) -> bool:
    if config.classifier_per is not None or not config.label_masking:
        if config.gathered is True:
            raise ValueError("gathered=True needs label masking and the shared head")
        return False
    return len(space) > GATHERED_AUTO_LABELS if config.gathered == "auto" else bool(config.gathered)


def token_ids(tokenizer, network: XmcNetwork) -> dict:
    """pad_id, and sep_id when the encoder uses token types (title 0, description 1)."""
    types = getattr(network.encoder.config, "type_vocab_size", 0) or 0
    return {"pad_id": tokenizer.pad_token_id, "sep_id": tokenizer.sep_token_id if types >= 2 else None}


def uses_label_text(config: TrainConfig) -> bool:
    """The label-text head is built for the shared head only (one row per label)."""
    return config.label_text and config.classifier_per is None
