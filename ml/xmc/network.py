"""The network: a BERT encoder, the [CLS] vectors of its last l layers, one linear head, and the
label-masked BCE loss, and the label-text head.

The label-text head scores a label by its text ("attribute: value / alias ...") embedded with
the same encoder: text logit = exp(log_scale) * cos(h - centre, e_label), with e_label the label's
embedding (centred on the mean label embedding, unit length). It is added to every trained
row's logit, and it is all a label the head never saw has (with one learned bias), so that a
value an admin adds after training is scored at once. Training adds a second, "zero-shot"
BCE over the same relevant labels with the text logit alone, so that this score is a model of
its own and not only a correction to the rows.

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
                 sparse_head: bool = False, row_attribute: torch.Tensor | None = None, label_text: bool = False):
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
        # The label-text head (module docstring): label embeddings are buffers, recomputed from
        # the encoder by the trainer (label_text.py) and saved with the weights.
        self.label_text = label_text
        if label_text:
            self.register_buffer("label_embeddings", torch.zeros(num_outputs, layers * hidden))  # [N, D]
            self.register_buffer("label_centre", torch.zeros(layers * hidden))                  # [D]
            # the cosine's scale, learned in log space: Adam's steps of ~lr then reach a scale of
            # 10-30 within an epoch, which a plain scale at the head's lr would need thousands for
            self.text_log_scale = nn.Parameter(torch.tensor(0.0))
            self.text_bias = nn.Parameter(torch.tensor(0.0))

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

    def text_logits(self, h: torch.Tensor, columns: torch.Tensor | None) -> torch.Tensor:
        """[B, D] -> [B, K] scale * cosine between the centred product vector and each label's text."""
        e = self.label_embeddings if columns is None else self.label_embeddings[columns]  # [K, D]
        q = F.normalize(h.float() - self.label_centre, dim=-1)                            # [B, D]
        return self.text_log_scale.exp() * (q @ e.T)

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
        bonus = None
        if matches is not None and self.match_weight is not None:
            bonus = self.match_bonus(matches, columns)
            logits = logits.float() + bonus
        text = None
        if self.label_text:
            text = self.text_logits(h, columns)
            logits = logits.float() + text
        if targets is None:
            return logits, None
        loss = self._bce(logits, targets, weights, mask)
        if text is not None:
            zero_shot = self.text_bias + text + (0 if bonus is None else bonus)
            loss = loss + self._bce(zero_shot, targets, weights, mask)
        return logits, loss

    @staticmethod
    def _bce(logits, targets, weights, mask) -> torch.Tensor:
        bce = F.binary_cross_entropy_with_logits(logits.float(), targets, reduction="none")  # [B, K]
        if weights is not None:
            bce = bce * weights
        if mask is not None:
            # where, not a multiplication: the irrelevant entries are cut out of the graph
            bce = torch.where(mask, bce, torch.zeros_like(bce))
        return bce.sum() / logits.shape[0]

