"""Value-name matching: which labels' value names (or aliases) occur in a product's text.

A lexical signal the taxonomy gives for free: rare labels, which the classifier sees too few
times to learn, often appear verbatim in the title ("stainless steel", "26.0"). The network adds
a learned bonus to the logit of every matched label (network.py). Matching is on words: the
NFKC-normalised, lower-cased text split into letter/digit runs, every 1..n-gram looked up in a
dict of value names; names in CJK scripts (written without spaces) are matched as substrings.

The substrings are found by walking a trie of the names from every position of the text
(`_CjkNames`). Testing each of the taxonomy's names against the text instead took 1.5-1.9 ms a
product at the paper's 7,979 labels, half or more of scoring's time (docs/benchmarks.md, "Scale").
"""
from __future__ import annotations

import re
import unicodedata

import numpy as np

from .labels import LabelSpace

_WORD = re.compile(r"[^\W_]+(?:\.[0-9]+)?")  # letter/digit runs; "26.0" stays one word
_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uff66-\uff9f]")
MAX_NGRAM = 6  # longer value names are matched on their first 6 words only... so they are skipped


def words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text).lower())


class ValueMatcher:
    def __init__(self, space: LabelSpace):
        index: dict[str, list[int]] = {}
        cjk: dict[str, list[int]] = {}
        for i, (_, value) in enumerate(space.labels):
            for form in [value, *space.aliases.get(i, [])]:
                norm = unicodedata.normalize("NFKC", form).lower().strip()
                if _CJK.search(norm):
                    cjk.setdefault(norm, []).append(i)
                    continue
                w = words(norm)
                if w and len(w) <= MAX_NGRAM:
                    index.setdefault(" ".join(w), []).append(i)
        self.index = {k: np.array(sorted(set(v)), dtype=np.int64) for k, v in index.items()}
        self.cjk = _CjkNames({k: np.array(sorted(set(v)), dtype=np.int64) for k, v in cjk.items()})
        self.max_n = max((k.count(" ") + 1 for k in self.index), default=1)

    def match(self, text: str) -> np.ndarray:
        """Sorted indices of the labels whose value name or an alias occurs in ``text``."""
        ws = words(text)
        hits = []
        for n in range(1, self.max_n + 1):
            for i in range(len(ws) - n + 1):
                h = self.index.get(" ".join(ws[i:i + n]))
                if h is not None:
                    hits.append(h)
        if self.cjk:
            hits.extend(self.cjk.found_in(unicodedata.normalize("NFKC", text).lower()))
        return np.unique(np.concatenate(hits)) if hits else np.zeros(0, dtype=np.int64)


class _CjkNames:
    """Names to find as substrings of a text, in a trie of their characters: from each position
    of the text the walk follows the text's characters as far as some name does, so a text costs
    a few dict lookups per character however many names there are. (An index by the names' first
    two characters was not enough: generated and real names share starts, シリーズ55-A, シリーズ55-B.)"""

    _END = ""  # the key under which a node keeps the labels of the name ending there

    def __init__(self, labels_of: dict[str, np.ndarray]):
        self.root: dict = {}
        for name, labels in labels_of.items():
            node = self.root
            for character in name:
                node = node.setdefault(character, {})
            node[self._END] = labels

    def __bool__(self):
        return bool(self.root)

    def found_in(self, text: str) -> list[np.ndarray]:
        """The label arrays of the names that occur in ``text`` (one per occurrence)."""
        hits = []
        root, end = self.root, self._END
        for start in range(len(text)):
            node = root
            for position in range(start, len(text)):
                node = node.get(text[position])
                if node is None:
                    break
                labels = node.get(end)
                if labels is not None:
                    hits.append(labels)
        return hits
