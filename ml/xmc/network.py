"""The network: a BERT encoder, the [CLS] vectors of its last l layers, one linear head, and the
label-masked BCE loss.

Shapes: B products in the batch, T tokens, H encoder hidden size, l layers concatenated,
D = l * H head input size, N head outputs (labels, or category-label slots for the
per-category baseline), K the columns computed for this batch (N on the dense path, the
batch's relevant labels on the gathered path).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class XmcNetwork(nn.Module):
    def __init__(self, encoder: nn.Module, num_outputs: int, layers: int = 5, dropout: float = 0.1,
                 sparse_head: bool = False, row_attribute: torch.Tensor | None = None):
        super().__init__()
        self.encoder = encoder
        hidden = encoder.config.hidden_size
        # capped at the encoder's depth, so small encoders (tests, the demo) work with l = 5
        self.layers = layers = min(layers, encoder.config.num_hidden_layers)
        self.dropout = nn.Dropout(dropout)
        # The head: one output per label. Kept as raw parameters (not nn.Linear) so that the
        # gathered path can pick rows with F.embedding, with sparse gradients when asked.
        self.head_weight = nn.Parameter(torch.empty(num_outputs, layers * hidden))  # [N, D]
        self.head_bias = nn.Parameter(torch.zeros(num_outputs, 1))                  # [N, 1]
        nn.init.normal_(self.head_weight, std=0.02)
        self.sparse_head = sparse_head
        # Value-name match bonus (matching.py), optional: logit += match * (w[global] + w[attribute]).
        # row_attribute [N] gives each head row's attribute; w has one entry per attribute + 1.
        if row_attribute is not None:
            self.register_buffer("row_attribute", row_attribute.long().clone())
            self.match_weight = nn.Parameter(torch.zeros(int(row_attribute.max()) + 2 if len(row_attribute) else 1))
        else:
            self.row_attribute, self.match_weight = None, None

    def freeze(self, bottom_layers: int) -> None:
        """Stop training the embeddings and the bottom layers: autograd then records nothing
        below the first trainable layer, so the backward pass is shorter too."""
        if bottom_layers <= 0:
            return
        blocks = getattr(getattr(self.encoder, "encoder", None), "layer", None)
        embeddings = getattr(self.encoder, "embeddings", None)
        if blocks is None or embeddings is None:
            raise ValueError("freeze_layers needs a BERT-like encoder (embeddings + encoder.layer)")
        if bottom_layers > len(blocks):
            raise ValueError(f"freeze_layers={bottom_layers} but the encoder has {len(blocks)} layers")
        for module in [embeddings, *blocks[:bottom_layers]]:
            for p in module.parameters():
                p.requires_grad_(False)

    @property
    def num_outputs(self) -> int:
        return self.head_weight.shape[0]

    def encode(self, input_ids, attention_mask, token_type_ids=None) -> torch.Tensor:
        """[B, T] token ids -> [B, D] concatenated [CLS] vectors of the last l layers."""
        kwargs = {"input_ids": input_ids, "attention_mask": attention_mask, "output_hidden_states": True}
        if token_type_ids is not None:
            kwargs["token_type_ids"] = token_type_ids
        out = self.encoder(**kwargs)
        hidden = out.hidden_states                                      # (n_layers + 1) x [B, T, H]
        return torch.cat([h[:, 0] for h in hidden[-self.layers:]], dim=-1)  # [B, l*H]

    def head(self, h: torch.Tensor, columns: torch.Tensor | None = None) -> torch.Tensor:
        """[B, D] -> logits [B, K]; all N outputs when ``columns`` is None, else only those rows."""
        if columns is None:
            return F.linear(h, self.head_weight, self.head_bias[:, 0])      # [B, N]
        w = F.embedding(columns, self.head_weight, sparse=self.sparse_head)  # [K, D]
        b = F.embedding(columns, self.head_bias, sparse=self.sparse_head)    # [K, 1]
        return h @ w.to(h.dtype).T + b[:, 0].to(h.dtype)                    # [B, K]

    def match_bonus(self, matches: torch.Tensor, columns: torch.Tensor | None) -> torch.Tensor:
        """[B, K] 0/1 value-name matches -> [B, K] logit bonus."""
        attr = self.row_attribute if columns is None else self.row_attribute[columns]   # [K]
        per_column = self.match_weight[-1] + self.match_weight[attr]                    # [K]
        return matches * per_column

    def forward(self, input_ids, attention_mask, token_type_ids=None, *, columns=None, mask=None,
                targets=None, weights=None, matches=None):
        """Returns (logits [B, K], loss or None).

        mask     [B, K] bool: labels relevant to each product; the loss ignores the others, so
                 their logits get no gradient (None = every column counts: unmasked baseline)
        targets  [B, K] float 0/1
        weights  [B, K] float per-target loss weights (explicit negatives, positive weight)
        matches  [B, K] float 0/1: the label's value name occurs in the text (needs row_attribute)
        The loss is the BCE summed over the counted labels, averaged over the products.
        """
        h = self.dropout(self.encode(input_ids, attention_mask, token_type_ids))  # [B, D]
        logits = self.head(h, columns)                                           # [B, K]
        if matches is not None and self.match_weight is not None:
            logits = logits.float() + self.match_bonus(matches, columns)
        if targets is None:
            return logits, None
        bce = F.binary_cross_entropy_with_logits(logits.float(), targets, reduction="none")  # [B, K]
        if weights is not None:
            bce = bce * weights
        if mask is not None:
            # where, not a multiplication: the irrelevant entries are cut out of the graph
            bce = torch.where(mask, bce, torch.zeros_like(bce))
        loss = bce.sum() / logits.shape[0]
        return logits, loss

