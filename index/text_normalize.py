"""The one normaliser for text people type to search (questions, speakers, topics, tracked questions).

Why: a question pasted from a chat client or a web page can carry characters nobody sees — a zero-width space
inside a word ("Jap\u200ban"), a right-to-left override at its start, a no-break space, a full-width letter —
and each of them changed what the lexical and dense search saw, so the same visible question moved the right quote
from first to fourth. Search input is therefore folded here, once, by the facade (``index.service``), so every
front end (CLI, terminal session, Discord) gets the same answer for the same visible question:

1. zero-width characters and bidirectional controls are removed (they are never part of a word);
2. Unicode NFKC folds compatibility forms (full-width letters, ligatures, no-break and ideographic spaces);
3. runs of whitespace become one space.

Only the search input is normalised: stored article text is never touched, so a quote shown is always the stored
text, cut by its offsets.
"""

from __future__ import annotations

import unicodedata

# Zero-width and other invisible format characters: ZWSP, ZWNJ, ZWJ, word joiner, the invisible operators, the
# BOM / zero-width no-break space, the Mongolian vowel separator and the soft hyphen.
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u180e\u00ad"
# Bidirectional controls: LRM, RLM, the Arabic letter mark, the embeddings and overrides (LRE RLE PDF LRO RLO) and
# the isolates (LRI RLI FSI PDI).
BIDI_CONTROLS = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_DROP = dict.fromkeys(map(ord, ZERO_WIDTH + BIDI_CONTROLS), None)


def normalize_text(text: str) -> str:
    """``text`` as search sees it: invisible characters removed, NFKC, whitespace collapsed.

    The invisible characters go before NFKC (so a letter and its combining accent separated by a zero-width
    space still compose) and again after it (NFKC never makes them, but the second pass costs nothing)."""
    folded = unicodedata.normalize("NFKC", (text or "").translate(_DROP)).translate(_DROP)
    return " ".join(folded.split())
