"""A randomly initialised BERT with a WordPiece vocabulary built from given texts.

Used by the tests (tiny models) and by the offline demo (a small BERT trained from scratch).
Japanese text is pre-tokenised with MeCab (fugashi + unidic-lite) exactly as
``BertJapaneseTokenizer(word_tokenizer_type="mecab", mecab_kwargs={"mecab_dic": "unidic_lite"})``
does at run time, so the vocabulary matches what the tokenizer will produce; the saved folder
loads back with ``AutoTokenizer.from_pretrained`` / ``AutoModel.from_pretrained``.
"""
from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterable

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def _japanese_tokenizer(vocab_file: str):
    from transformers import BertJapaneseTokenizer
    return BertJapaneseTokenizer(vocab_file, do_lower_case=True, word_tokenizer_type="mecab",
                                 subword_tokenizer_type="wordpiece", mecab_kwargs={"mecab_dic": "unidic_lite"})


def _pretokenize(texts: Iterable[str], japanese: bool) -> list[str]:
    """Texts as space-separated words, split the way the run-time tokenizer splits them."""
    if japanese:
        from transformers.models.bert_japanese.tokenization_bert_japanese import MecabTokenizer
        mecab = MecabTokenizer(do_lower_case=True, mecab_dic="unidic_lite")
        return [" ".join(mecab.tokenize(t)) for t in texts]
    return [unicodedata.normalize("NFKC", t) for t in texts]


def build_vocab(texts: list[str], vocab_size: int, japanese: bool) -> list[str]:
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    if japanese:
        tok.normalizer = normalizers.NFKC()
        tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()])
    else:
        tok.normalizer = normalizers.BertNormalizer(lowercase=True)
        tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS,
                                        continuing_subword_prefix="##", show_progress=False)
    tok.train_from_iterator(_pretokenize(texts, japanese), trainer=trainer)
    vocab = tok.get_vocab()
    return sorted(vocab, key=vocab.get)


def build_scratch_encoder(texts: list[str], out_dir, *, hidden_size: int = 256, layers: int = 4, heads: int = 4,
                          vocab_size: int = 8000, intermediate_size: int | None = None,
                          max_position_embeddings: int = 512, japanese: bool = True, seed: int = 0) -> str:
    """Build a WordPiece vocabulary from ``texts`` and a randomly initialised BERT; save both
    with save_pretrained into ``out_dir`` and return its path.

    Defaults (256 hidden, 4 layers, 4 heads, 8k vocabulary; ~6M parameters) train at a few
    hundred titles per second on 2 CPU cores, so a demo fits in about three minutes; the tests
    pass tiny sizes."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizer
    texts = [t for t in texts if t and t.strip()]
    if not texts:
        raise ValueError("build_scratch_encoder needs some non-empty texts to build a vocabulary")
    out_dir = os.fspath(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    vocab = build_vocab(texts, vocab_size, japanese)
    vocab_file = os.path.join(out_dir, "vocab.txt")
    with open(vocab_file, "w", encoding="utf-8") as f:
        f.write("\n".join(vocab) + "\n")
    tokenizer = _japanese_tokenizer(vocab_file) if japanese else BertTokenizer(vocab_file, do_lower_case=True)
    tokenizer.model_max_length = max_position_embeddings
    tokenizer.save_pretrained(out_dir)
    torch.manual_seed(seed)
    config = BertConfig(vocab_size=len(vocab), hidden_size=hidden_size, num_hidden_layers=layers,
                        num_attention_heads=heads, intermediate_size=intermediate_size or 4 * hidden_size,
                        max_position_embeddings=max_position_embeddings, pad_token_id=vocab.index("[PAD]"))
    BertModel(config).save_pretrained(out_dir)
    return out_dir
