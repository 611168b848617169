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
