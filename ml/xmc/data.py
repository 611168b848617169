"""Products -> token ids, category ids and label ids; batches with targets and masks.

The text is NFKC-normalised ``[CLS] title [SEP] description`` (just ``[CLS] title [SEP]`` when
the description is empty), truncated to ``max_length`` tokens; padding is per batch.
"""
from __future__ import annotations

import json
import logging
import os
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from .errors import DataError
from .labels import LabelSpace

TOKENIZE_CHUNK = 2048  # products per tokenizer call: large enough for the fast tokenizers' batching


class _NoOverflowNotice(logging.Filter):
    """transformers' Python tokenizers warn, once per truncated title-description pair, that
    they return no overflowing tokens. We never ask for those, and a worker scoring a catalogue
    logged that line for a third of its products."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "overflowing tokens are not returned" not in record.getMessage()


logging.getLogger("transformers.tokenization_python").addFilter(_NoOverflowNotice())


def read_jsonl(path) -> list[dict]:
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise DataError(f"{path}:{n}: not valid JSON ({e})") from None
    return out


def read_json(path) -> dict:
    if not os.path.exists(path):
        raise DataError(f"file not found: {path}")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def product_text(p: dict) -> tuple[str, str]:
    title = p.get("title")
    if not isinstance(title, str) or not title.strip():
        raise DataError(f"product {p.get('id', '?')!r}: missing or empty 'title'")
    desc = p.get("description") or ""
    return unicodedata.normalize("NFKC", title), unicodedata.normalize("NFKC", desc)


def load_tokenizer(path_or_name: str):
    from transformers import AutoTokenizer
    return AutoTokenizer.from_pretrained(path_or_name)


def tokenize(tokenizer, products: Sequence[dict], max_length: int) -> list[list[int]]:
    """Token ids per product (no padding); title and description as a sentence pair."""
    texts = [product_text(p) for p in products]
    out: list = [None] * len(texts)
    for start in range(0, len(texts), TOKENIZE_CHUNK):
        chunk = range(start, min(start + TOKENIZE_CHUNK, len(texts)))
        with_desc = [i for i in chunk if texts[i][1]]
        without = [i for i in chunk if not texts[i][1]]
        if with_desc:
            enc = tokenizer([texts[i][0] for i in with_desc], [texts[i][1] for i in with_desc],
                            truncation="longest_first", max_length=max_length)
            for i, ids in zip(with_desc, enc["input_ids"]):
                out[i] = ids
        if without:
            enc = tokenizer([texts[i][0] for i in without], truncation=True, max_length=max_length)
            for i, ids in zip(without, enc["input_ids"]):
                out[i] = ids
    return out


@dataclass
class EncodedProducts:
    """Products ready for batching; row i of every field belongs to products[i]."""
    ids: list[str]
    input_ids: list[list[int]]
    category: np.ndarray                 # [n] category index in the label space
    positives: list[np.ndarray] = field(default_factory=list)  # label indices per product
    negatives: list[np.ndarray] = field(default_factory=list)  # explicit negatives per product
    matches: list[np.ndarray] = field(default_factory=list)    # labels whose value name is in the text

    def __len__(self):
        return len(self.ids)

    def lengths(self) -> np.ndarray:
        return np.fromiter((len(x) for x in self.input_ids), dtype=np.int64, count=len(self.ids))


def encode_products(products: Sequence[dict], space: LabelSpace, tokenizer, max_length: int, *,
                    with_labels: bool = True, exact_category: bool = True, matcher=None) -> EncodedProducts:
    """Validate and encode products; raises DataError naming the first bad product."""
    cats, pos, neg, ids = [], [], [], []
    for p in products:
        if not isinstance(p, dict) or "id" not in p:
            raise DataError(f"a product must be a dict with an 'id', got {str(p)[:80]!r}")
        if "category" not in p:
            raise DataError(f"product {p['id']!r}: missing 'category'")
        try:
            c = space.category_index(p["category"], exact=exact_category)
        except DataError as e:
            raise type(e)(f"product {p['id']!r}: {e}") from None
        cats.append(c)
        ids.append(str(p["id"]))
        if with_labels:
            pl = space.encode_labels(p, c, "labels")
            nl = space.encode_labels(p, c, "negatives")
            both = set(pl) & set(nl)
            if both:
                raise DataError(f"product {p['id']!r}: label {list(space.labels[min(both)])!r} is both "
                                f"a label and a negative")
            pos.append(np.array(pl, dtype=np.int64))
            neg.append(np.array(nl, dtype=np.int64))
    matches = []
    if matcher is not None:
        matches = [matcher.match(" ".join(product_text(p))) for p in products]
    return EncodedProducts(ids, tokenize(tokenizer, products, max_length), np.array(cats, dtype=np.int64),
                           pos, neg, matches)


def pad(input_ids: list[list[int]], pad_id: int, sep_id: int | None = None):
    """-> input_ids [B, T], attention_mask [B, T], token_type_ids [B, T] or None (T = longest in
    the batch). With ``sep_id``, tokens after the first [SEP] (the description) get type 1."""
    T = max(len(x) for x in input_ids)
    ids = torch.full((len(input_ids), T), pad_id, dtype=torch.long)
    att = torch.zeros((len(input_ids), T), dtype=torch.long)
    for i, x in enumerate(input_ids):
        ids[i, :len(x)] = torch.tensor(x, dtype=torch.long)
        att[i, :len(x)] = 1
    if sep_id is None:
        return ids, att, None
    first_sep = torch.cumsum((ids == sep_id).long(), dim=1)
    # 1 after the first [SEP], up to and including the last real token
    tt = ((first_sep - (ids == sep_id).long()) >= 1).long() * att
    return ids, att, tt


def rows_to_dense(rows: Sequence[np.ndarray], column_of: np.ndarray | None, width: int) -> torch.Tensor:
    """Per-row label index lists -> [B, width] bool, without a loop over labels.
    ``column_of`` maps a label index to its column (-1 when not computed); None = identity."""
    lengths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
    out = torch.zeros(len(rows), width, dtype=torch.bool)
    if lengths.sum() == 0:
        return out
    flat = np.concatenate(rows)
    r = np.repeat(np.arange(len(rows)), lengths)
    cols = flat if column_of is None else column_of[flat]
    keep = cols >= 0
    out[torch.from_numpy(r[keep]), torch.from_numpy(cols[keep])] = True
    return out


def make_batches(lengths: np.ndarray, groups: np.ndarray | None, batch_size: int, rng: np.random.Generator,
                 bucketing: bool = True, shuffle: bool = True) -> list[np.ndarray]:
    """Index batches. With ``groups`` every batch holds one group only (per-category heads).
    Bucketing sorts windows of 50 batches by length so that a batch pads little; the batch
    order is shuffled afterwards, so the training order stays random."""
    n = len(lengths)
    pools = [np.arange(n)] if groups is None else [np.flatnonzero(groups == g) for g in np.unique(groups)]
    batches = []
    for pool in pools:
        idx = rng.permutation(pool) if shuffle else pool
        if bucketing:
            window = batch_size * 50
            idx = np.concatenate([w[np.argsort(lengths[w], kind="stable")]
                                  for w in np.array_split(idx, max(1, -(-len(idx) // window)))])
        batches.extend(idx[i:i + batch_size] for i in range(0, len(idx), batch_size))
    if shuffle:
        order = rng.permutation(len(batches))
        batches = [batches[i] for i in order]
    return batches


def chunked(items: Iterable, size: int) -> Iterator[list]:
    chunk = []
    for x in items:
        chunk.append(x)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
