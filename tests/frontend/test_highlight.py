"""Highlighting suggested values in product text: NFKC-aware, whole words, always escaped."""
from frontend.highlight import find_spans, highlight


def marked(text, terms):
    return [text[start:end] for start, end, _key in find_spans(text, terms)]


def test_it_matches_after_nfkc_and_case_folding():
    assert marked("ＲＥＤ shoe, Red lace", {"red": 1}) == ["ＲＥＤ", "Red"]
    assert marked("ﾚｯﾄﾞのスニーカー", {"レッド": 1}) == ["ﾚｯﾄﾞ"]
    assert marked("サイズ２６.０cm", {"26.0": 1}) == ["２６.０"]


def test_ascii_terms_match_whole_words_only():
    assert marked("redwood and red", {"red": 1}) == ["red"]
    assert marked("265 or 26", {"26": 1}) == ["26"]
    assert marked("26.0cm", {"26.0": 1}) == ["26.0"]
    assert marked("赤いスニーカー", {"赤": 1}) == ["赤"]


def test_longer_matches_win():
    assert find_spans("dark blue jeans", {"blue": 1, "dark blue": 2}) == [(0, 9, 2)]


def test_it_escapes_everything_but_its_marks():
    html = highlight("<b>red</b> & <script>", {"red": 7, "<script>": 8})
    assert html == '&lt;b&gt;<mark data-suggestion="7">red</mark>&lt;/b&gt; &amp; <mark data-suggestion="8">&lt;script&gt;</mark>'


def test_only_the_first_limit_characters_are_searched_and_the_rest_is_shown_plain(monkeypatch):
    from frontend import highlight as module

    searched = []
    folded_with_offsets = module._folded_with_offsets
    monkeypatch.setattr(module, "_folded_with_offsets", lambda text: searched.append(len(text)) or folded_with_offsets(text))
    text = "red <b> " * 10_000

    html = highlight(text, {"red": 1}, limit=100)

    assert searched == [100]
    assert html.count("<mark") == 13  # "red" starts at 0, 8, ..., 96
    assert html.endswith("red &lt;b&gt; ")
    assert len(html) == len(text.replace("<", "&lt;").replace(">", "&gt;")) + 13 * len('<mark data-suggestion="1"></mark>')


def test_a_term_is_marked_a_bounded_number_of_times():
    from frontend.highlight import MAX_MARKS_PER_TERM

    spans = find_spans("赤" * 10_000, {"赤": 1, "赤赤": 2})
    assert len(spans) <= 2 * MAX_MARKS_PER_TERM
    assert spans[0] == (0, 2, 2)  # the longer term still wins where both match
