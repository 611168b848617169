"""Marks where suggested values (or their aliases) occur in a product's title or description.

Matching is done on the NFKC-normalised, lower-cased text, so "ＲＥＤ", "Red" and "red" all
match the value "red", and half-width "ﾚｯﾄﾞ" matches "レッド"; the marks are then put around
the *original* characters. Every piece of product text is HTML-escaped; only the <mark>
elements added here are markup.

The work is bounded whatever the text: only its first `limit` characters are searched (the
rest is shown plain), each term is marked at most MAX_MARKS_PER_TERM times, and overlaps are
resolved in one pass over a bitmap. A 50 MB title stored before the limits of
catalog/limits.py existed took 52 s of CPU per page view; it now costs one escape().
"""
import unicodedata

from django.utils.html import escape
from django.utils.safestring import mark_safe

from catalog.limits import MAX_DESCRIPTION_CHARS

# Characters searched by default: the longest text an import or the API accepts.
HIGHLIGHT_LIMIT = MAX_DESCRIPTION_CHARS
# Occurrences of one term marked in one text: a reviewer sees a value is there long before
# this; a text made of one repeated letter would otherwise make a candidate of every position.
MAX_MARKS_PER_TERM = 200

# Characters that NFKC folds into the character before them (combining marks, half-width
# voiced sound marks), so they are normalised together with it.
_HALFWIDTH_SOUND_MARKS = {"\uff9e", "\uff9f"}
_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")


def _clusters(text):
    start = 0
    for index in range(1, len(text) + 1):
        if index == len(text) or not (unicodedata.combining(text[index]) or text[index] in _HALFWIDTH_SOUND_MARKS):
            yield start, index
            start = index


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _folded_with_offsets(text):
    """The folded text, and for each of its characters the span of original text it came from."""
    folded, spans = [], []
    for start, end in _clusters(text):
        piece = fold(text[start:end])
        folded.append(piece)
        spans.extend([(start, end)] * len(piece))
    return "".join(folded), spans


def find_spans(text: str, terms: dict) -> list[tuple[int, int, object]]:
    """Non-overlapping (start, end, key) spans of the original text where a term occurs.

    `terms` maps a surface form to a key (a suggestion id). Longer matches win over shorter
    ones they overlap. A term made of ASCII letters or digits only matches as a whole word,
    so the size "S" does not light up every "s".
    """
    folded, spans = _folded_with_offsets(text)
    found = []
    for term, key in terms.items():
        needle = fold(term).strip()
        if not needle:
            continue
        position, marks = folded.find(needle), 0
        while position != -1 and marks < MAX_MARKS_PER_TERM:
            end = position + len(needle)
            if _whole_word(folded, position, end, needle):
                found.append((spans[position][0], spans[end - 1][1], key))
                marks += 1
            position = folded.find(needle, position + 1)
    # Longest first, then leftmost; a span is kept when none of its characters is taken yet.
    taken = bytearray(len(text))
    chosen = []
    for start, end, key in sorted(found, key=lambda span: (-(span[1] - span[0]), span[0])):
        if taken.find(1, start, end) == -1:
            taken[start:end] = b"\x01" * (end - start)
            chosen.append((start, end, key))
    return sorted(chosen)


def _same_kind(a, b):
    return (a.isdigit() and b.isdigit()) or (a in _ASCII_LETTERS and b in _ASCII_LETTERS)


def _whole_word(folded, start, end, needle):
    # Letters next to letters or digits next to digits would be part of a longer word or
    # number ("red" in "redwood", "26" in "265"); "26.0" in "26.0cm" still matches.
    if start > 0 and _same_kind(folded[start - 1], needle[0]):
        return False
    return not (end < len(folded) and _same_kind(needle[-1], folded[end]))


def highlight(text: str, terms: dict, limit: int = HIGHLIGHT_LIMIT):
    """`text` escaped, with <mark data-suggestion="key"> around each occurrence of a term in
    its first `limit` characters."""
    head = text[: _cut(text, limit)]
    pieces, cursor = [], 0
    for start, end, key in find_spans(head, terms):
        pieces.append(escape(text[cursor:start]))
        pieces.append(f'<mark data-suggestion="{escape(key)}">{escape(text[start:end])}</mark>')
        cursor = end
    pieces.append(escape(text[cursor:]))
    return mark_safe("".join(pieces))


def _cut(text, limit):
    # Not between a character and the marks that fold into it (a few at most in real text).
    cut, stop = min(limit, len(text)), min(limit + 8, len(text))
    while cut < stop and (unicodedata.combining(text[cut]) or text[cut] in _HALFWIDTH_SOUND_MARKS):
        cut += 1
    return cut
