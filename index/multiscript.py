"""Scripts written without spaces between words (Japanese, Chinese, Thai, Lao, Khmer, Myanmar) for the lexical index.

Why character pairs: a word pattern (``\\w\\w+``) takes a whole Japanese sentence as one "word", which no question
ever repeats, so BM25 would never match such a passage. Overlapping pairs of characters (bigrams) are the
standard dictionary-free answer (Lucene's CJK analyser does the same): a question's 岸田首相 becomes 岸田 田首 首相
and matches a passage holding 岸田首相は... A run of one character is kept as it is. Spaced scripts (Latin,
Cyrillic, Hangul, Arabic...) are left to the word tokenizer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# Hiragana, katakana (and its prolonged sound mark), CJK ideographs (extension A, unified, compatibility),
# half-width katakana, Thai, Lao, Myanmar, Khmer.
_UNSPACED = (
    "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
    "\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f\u1780-\u17ff"
)
_RUN = re.compile(f"[{_UNSPACED}]+")


def has_unspaced(text: str) -> bool:
    return _RUN.search(text) is not None


def split_unspaced(text: str) -> Iterator[tuple[str, str]]:
    """``("pairs", run)`` for each unspaced run and ``("words", rest)`` for the text between, in order."""
    pos = 0
    for m in _RUN.finditer(text):
        if m.start() > pos:
            yield "words", text[pos : m.start()]
        yield "pairs", m.group()
        pos = m.end()
    if pos < len(text):
        yield "words", text[pos:]


def char_pairs(run: str) -> list[str]:
    """Overlapping character bigrams of one run (the run itself when it is a single character)."""
    if len(run) < 2:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]
