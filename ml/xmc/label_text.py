"""The label-text head's embeddings: each label's text, embedded with the model's own encoder.

A label's text is "attribute: value / alias / alias". Its embedding is the encoder's
concatenated [CLS] vectors (the same function that reads a product), minus the mean over the
label space's labels (BERT vectors all share a large common direction; removing it is what
makes cosines tell labels apart), at unit length. The mean is stored with the model, so that a
label added after training is embedded in the same space (network.py scores it).
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from .data import pad
from .labels import LabelSpace
from .network import XmcNetwork

LABEL_TEXT_MAX_TOKENS = 32
EMBED_BATCH = 256


def label_text(space: LabelSpace, index: int) -> str:
    attribute, value = space.labels[index]
    return f"{attribute}: {' / '.join([value, *space.aliases.get(index, [])])}"


def label_texts(space: LabelSpace, rows: np.ndarray | None = None) -> list[str]:
    rows = np.arange(len(space)) if rows is None else rows
    return [label_text(space, int(i)) for i in rows]


def embed_texts(network: XmcNetwork, tokenizer, texts: list[str], device, pad_id: int, sep_id) -> torch.Tensor:
    """[n, D] raw (uncentred) encoder vectors of ``texts``; the network's mode is kept."""
    was_training = network.training
    network.eval()
    ids = tokenizer(texts, truncation=True, max_length=LABEL_TEXT_MAX_TOKENS)["input_ids"] if texts else []
    # shortest first: batches pad little
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    out = torch.zeros(len(texts), network.head_weight.shape[1])
    with torch.inference_mode():
        for start in range(0, len(order), EMBED_BATCH):
            part = order[start:start + EMBED_BATCH]
            input_ids, att, tt = pad([ids[i] for i in part], pad_id, sep_id)
            h = network.encode(input_ids.to(device), att.to(device), None if tt is None else tt.to(device))
            out[torch.tensor(part)] = h.float().cpu()
    network.train(was_training)
    return out


def refresh_label_embeddings(network: XmcNetwork, tokenizer, space: LabelSpace, device, pad_id: int, sep_id) -> torch.Tensor:
    """Embed every label of ``space`` (one head row each: the shared layout) with the encoder as it
    is now; store the centre and the centred unit vectors in the network. Returns the raw vectors."""
    raw = embed_texts(network, tokenizer, label_texts(space), device, pad_id, sep_id)
    centre = raw.mean(0) if len(raw) else torch.zeros(raw.shape[1])
    with torch.no_grad():
        network.label_centre.copy_(centre.to(network.label_centre.device))
        network.label_embeddings.copy_(F.normalize(raw - centre, dim=-1).to(network.label_embeddings.device))
    return raw


def embed_new_labels(network: XmcNetwork, tokenizer, texts: list[str], device, pad_id: int, sep_id) -> torch.Tensor:
    """[n, D] centred unit embeddings of labels the model was not trained with (its stored centre)."""
    raw = embed_texts(network, tokenizer, texts, device, pad_id, sep_id)
    return F.normalize(raw - network.label_centre.cpu(), dim=-1)


def initialise_rows_from_text(network: XmcNetwork, std: float = 0.02) -> None:
    """Start every head row along its label's text direction, at the length a row of the usual
    normal(0, std) initialisation has (std * sqrt(D)): w_l = std * sqrt(D) * e_l. The constant
    part w_l . centre is taken out of the bias, so a row starts at its prior and the product's
    text moves it up or down: w_l . h + b_l = std * sqrt(D) * e_l . (h - centre) + prior_l."""
    with torch.no_grad():
        e = network.label_embeddings
        length = std * e.shape[1] ** 0.5
        network.head_weight.copy_(length * e)
        network.head_bias[:, 0] -= length * (e @ network.label_centre)
