"""score_batches(): a network's probabilities for encoded products, batch by batch; used by
prediction, by threshold tuning during training and by the benches."""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch

from .data import make_batches, pad, rows_to_dense
from .layout import HeadLayout
from .network import XmcNetwork
from .runtime import autocast


def score_batches(network: XmcNetwork, layout: HeadLayout, enc, *, batch_size: int, device: torch.device,
                  bf16: bool, gathered: bool, pad_id: int, sep_id: int | None, calibration=None) -> Iterator[tuple]:
    """Yield (product positions [b], column labels [K] or None, probabilities [b, K] float32
    numpy, relevance mask [b, K] bool numpy) for encoded products, in length-sorted batches;
    the probabilities mapped through ``calibration`` (calibration.py) when given."""
    network.eval()
    groups = layout.groups_of(enc.category) if layout.grouped else None
    batches = make_batches(enc.lengths(), groups, batch_size, np.random.default_rng(0), bucketing=True, shuffle=False)
    with torch.inference_mode():
        for b in batches:
            ids, att, tt = pad([enc.input_ids[i] for i in b], pad_id, sep_id)
            cats = torch.from_numpy(enc.category[b])
            cols = layout.columns(cats, masking=True, gathered=gathered,
                                  group=None if groups is None else int(groups[b[0]]))
            matches = None
            if enc.matches:
                width = network.num_outputs if cols.labels is None else len(cols.labels)
                matches = rows_to_dense([enc.matches[i] for i in b], cols.column_of, width).float().to(device)
            with autocast(device, bf16):
                logits, _ = network(ids.to(device), att.to(device), None if tt is None else tt.to(device),
                                    columns=None if cols.rows is None else cols.rows.to(device), matches=matches)
            probs = torch.sigmoid(logits.float()).cpu().numpy()
            if calibration is not None:
                probs = calibration.apply(probs)
            yield b, cols.labels, probs, cols.mask.numpy()
