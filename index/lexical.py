"""Lexical search: our tokenizer, and BM25 over paragraphs (each prefixed with its article's title).

The tokens (lower-cased, stop words dropped, demonyms folded onto countries, Snowball-stemmed) are what the store's
FTS5 table indexes and what questions are matched with; the same tokens and document frequencies serve sentence
scoring in ``quotes.py``. The index itself lives in SQLite, so it is never rebuilt per change.
"""

from __future__ import annotations

import logging
import math
import re
from typing import TYPE_CHECKING, Protocol

import numpy as np
import Stemmer

if TYPE_CHECKING:
    from index.models import Filters

log = logging.getLogger(__name__)

_STEMMER = Stemmer.Stemmer("english")

_WORD = re.compile(r"(?u)\b\w\w+\b")
# A standard English stop list plus question words: "what did ... do" carries no evidence in a passage.
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "s",
        "t",
        "don",
    ]
)
# News text names countries by their demonyms ("Japanese officials", "a Russian invasion"); questions usually
# name the country. Folding both onto one token lets BM25 see that they are the same entity. Irregular forms
# of "say" and "tell" are folded for the same reason ("What did X say" vs "X said").
FOLD = {
    "japanese": "japan",
    "russian": "russia",
    "russians": "russia",
    "chinese": "china",
    "american": "america",
    "americans": "america",
    "ukrainian": "ukraine",
    "ukrainians": "ukraine",
    "british": "britain",
    "french": "france",
    "german": "germany",
    "germans": "germany",
    "indian": "india",
    "israeli": "israel",
    "israelis": "israel",
    "palestinian": "palestine",
    "palestinians": "palestine",
    "iranian": "iran",
    "iraqi": "iraq",
    "iraqis": "iraq",
    "afghan": "afghanistan",
    "pakistani": "pakistan",
    "syrian": "syria",
    "korean": "korea",
    "koreans": "korea",
    "mexican": "mexico",
    "canadian": "canada",
    "brazilian": "brazil",
    "australian": "australia",
    "european": "europe",
    "europeans": "europe",
    "italian": "italy",
    "spanish": "spain",
    "turkish": "turkey",
    "egyptian": "egypt",
    "saudi": "saudi",
    "taiwanese": "taiwan",
    "indonesian": "indonesia",
    "thai": "thailand",
    "vietnamese": "vietnam",
    "nigerian": "nigeria",
    "african": "africa",
    "polish": "poland",
    "dutch": "netherlands",
    "swedish": "sweden",
    "finnish": "finland",
    "said": "say",
    "says": "say",
    "saying": "say",
    "told": "tell",
    "tells": "tell",
}


def tokenize(texts: list[str]) -> list[list[str]]:
    """Lower-cased words, stop words dropped, demonyms folded onto countries, Snowball-stemmed."""
    out: list[list[str]] = []
    for text in texts:
        words = [FOLD.get(w, w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS]
        out.append(_STEMMER.stemWords(words))
    return out


class LexicalStore(Protocol):
    """What the lexical index needs from the store."""

    def positions(self) -> tuple[int, int]: ...
    def paragraph_count(self) -> int: ...
    def document_frequencies(self, terms: list[str]) -> dict[str, int]: ...
    def lexical_search(
        self, terms: list[str], k: int, filters: Filters | None
    ) -> tuple[np.ndarray, np.ndarray]: ...


class LexicalIndex:
    """BM25 over paragraphs, served by the store's FTS5 table (written with each article, shared by every
    process). This class adds what retrieval needs around it: query tokens in, ranked ids out, and IDF weights
    for sentence choice, with the collection size cached until the store moves."""

    def __init__(self, store: LexicalStore) -> None:
        self.store = store
        self._size: tuple[tuple[int, int], int] | None = None

    def size(self) -> int:
        where = self.store.positions()
        if self._size is None or self._size[0] != where:
            self._size = (where, self.store.paragraph_count())
        return self._size[1]

    def idf(self, token: str, df: dict[str, int] | None = None) -> float:
        n = max(self.size(), 1)
        freq = (df if df is not None else self.store.document_frequencies([token])).get(token, 0)
        return math.log(1 + (n - freq + 0.5) / (freq + 0.5))

    def weights(self, tokens: list[str]) -> dict[str, float]:
        """IDF of each distinct query token (the evidence weights of sentence choice)."""
        df = self.store.document_frequencies(tokens)
        return {t: self.idf(t, df) for t in dict.fromkeys(tokens)}

    def search(
        self, query_tokens: list[str], k: int, filters: Filters | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        return self.store.lexical_search(query_tokens, k, filters)
