"""Other ways of writing the same text: full-width Latin letters and digits, half-width katakana.

Japanese sellers mix both (ＲＥＤ, ２６．５ｃｍ, ﾚｯﾄﾞ); NFKC normalisation maps them back to
one form, which is why the taxonomy and the model compare text after NFKC.
"""
import random
import unicodedata

# Printable ASCII "!".."~" sits at U+FF01..U+FF5E in its full-width form; space at U+3000.
_FULL_WIDTH = {code: code + 0xFEE0 for code in range(0x21, 0x7F)}
_FULL_WIDTH[0x20] = 0x3000


def _half_width_katakana() -> dict[str, str]:
    # NFKC maps each half-width katakana (U+FF65..U+FF9F) to its full-width form, and a
    # half-width kana followed by the voicing marks ﾞ/ﾟ to the voiced full-width kana; invert it.
    single = [chr(code) for code in range(0xFF65, 0xFFA0)]
    table = {}
    for half in single:
        table.setdefault(unicodedata.normalize("NFKC", half), half)
    for half in single:
        for mark in ("\uff9e", "\uff9f"):
            full = unicodedata.normalize("NFKC", half + mark)
            if len(full) == 1:
                table.setdefault(full, half + mark)
    return table


_HALF_WIDTH_KANA = _half_width_katakana()


def full_width(text: str) -> str:
    """ＡＢＣ１２３ for ABC123."""
    return text.translate(_FULL_WIDTH)


def half_width_kana(text: str) -> str:
    """ﾚｯﾄﾞ for レッド; characters without a half-width form stay as they are."""
    return "".join(_HALF_WIDTH_KANA.get(char, char) for char in text)


def vary_width(text: str, rng: random.Random, full_width_rate: float, half_width_rate: float) -> str:
    """The text as written, or now and then in full-width Latin or half-width katakana."""
    draw = rng.random()
    if draw < full_width_rate:
        return full_width(text)
    if draw < full_width_rate + half_width_rate:
        return half_width_kana(text)
    return text
