"""The from-scratch encoder: a WordPiece vocabulary from Japanese text, loaded back by from_pretrained."""
from transformers import AutoModel, AutoTokenizer

from ml.xmc.scratch import build_scratch_encoder


def test_it_tokenises_japanese_with_mecab_unidic(tiny_encoder):
    tok = AutoTokenizer.from_pretrained(tiny_encoder)
    assert type(tok).__name__ == "BertJapaneseTokenizer"
    assert tok.word_tokenizer.__class__.__name__ == "MecabTokenizer"
    # unidic-lite splits the adjective from the noun; both are in the vocabulary built from the texts
    assert tok.tokenize("赤いスニーカー") == ["赤い", "スニーカー"]
    ids = tok("赤いスニーカー 26cm", "送料無料")["input_ids"]
    assert ids[0] == tok.cls_token_id and ids.count(tok.sep_token_id) == 2
    assert tok.unk_token_id not in tok("赤い スニーカー")["input_ids"]


def test_it_normalises_full_width_text_with_nfkc(tiny_encoder):
    tok = AutoTokenizer.from_pretrained(tiny_encoder)
    assert tok.tokenize("ＲＥＤ") == tok.tokenize("red")


def test_the_model_loads_through_from_pretrained(tiny_encoder):
    model = AutoModel.from_pretrained(tiny_encoder)
    assert model.config.hidden_size == 32 and model.config.num_hidden_layers == 2


def test_it_builds_an_english_encoder_too(tmp_path):
    path = build_scratch_encoder(["Red leather boots", "Blue cotton shirt"] * 3, tmp_path, hidden_size=16,
                                 layers=1, heads=1, vocab_size=120, japanese=False)
    tok = AutoTokenizer.from_pretrained(path)
    assert tok.tokenize("RED boots") == ["red", "boots"]


def test_truncating_long_titles_and_descriptions_logs_nothing(tiny_encoder):
    # transformers' Python tokenizers warn for every truncated pair that they return no
    # overflowing tokens: a line per product in a worker scoring a catalogue.
    import logging

    from ml.xmc.data import load_tokenizer, tokenize

    logged = []
    listener = logging.Handler()
    listener.emit = logged.append
    tokenizer_log = logging.getLogger("transformers.tokenization_python")
    tokenizer_log.addHandler(listener)
    try:
        products = [{"title": "赤いスニーカー " * 20, "description": "送料無料 " * 20}] * 3
        token_ids = tokenize(load_tokenizer(str(tiny_encoder)), products, max_length=16)
    finally:
        tokenizer_log.removeHandler(listener)

    assert [len(ids) for ids in token_ids] == [16, 16, 16]
    assert [record.getMessage() for record in logged if "overflowing" in record.getMessage()] == []
