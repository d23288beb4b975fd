"""Lexical search: our tokenizer, and BM25 over paragraphs (each prefixed with its article's title).

The tokens (lower-cased, stop words dropped, demonyms folded onto countries, English Snowball-stemmed; other
languages unstemmed, unspaced scripts as character pairs) are what the store's FTS5 table indexes and what questions are matched with; the same tokens and document frequencies serve sentence
scoring in ``quotes.py``. The index itself lives in SQLite, so it is never rebuilt per change.
"""

from __future__ import annotations

import logging
import math
import re
from typing import TYPE_CHECKING, Protocol

import numpy as np
import Stemmer

from index.multiscript import char_pairs, has_unspaced, split_unspaced

if TYPE_CHECKING:
    from index.facets import Allowed
    from index.models import Filters

log = logging.getLogger(__name__)

DF_FLOOR = 1_000  # a term in fewer paragraphs than this is always kept in the lexical query
POST_FILTER_SHARE = 0.2  # a filter allowing at least this share of paragraphs is applied after the FTS5 query
POST_FILTER_MAX = 5_000  # the longest unfiltered top list read for a post-filter

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


def tokenize(texts: list[str], lang: str | None = None) -> list[list[str]]:
    """Lower-cased words, stop words dropped, demonyms folded onto countries, Snowball-stemmed.

    ``lang`` is the text's language (``index/language.py``; None = unknown, treated as English as before languages
    were stored). Only English is stemmed: another language's words are kept as written rather than cut by the
    wrong rules (ё folded onto е). Scripts written without spaces (Japanese, Chinese, Thai...) become overlapping
    character pairs (``multiscript.py``), where one word match would otherwise be a whole sentence."""
    stem = lang is None or lang == "en"
    out: list[list[str]] = []
    for text in texts:
        lowered = text.lower()
        if has_unspaced(lowered):
            tokens: list[str] = []
            for kind, piece in split_unspaced(lowered):
                tokens.extend(char_pairs(piece) if kind == "pairs" else _words(piece, stem))
            out.append(tokens)
        else:
            out.append(_words(lowered, stem))
    return out


def _words(lowered: str, stem: bool) -> list[str]:
    words = [FOLD.get(w, w) for w in _WORD.findall(lowered) if w not in STOPWORDS]
    if stem:
        words = _STEMMER.stemWords(words)
    if "ё" in lowered:
        words = [w.replace("ё", "е") for w in words]
    return words


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

    def __init__(self, store: LexicalStore, max_df: float = 1.0, max_terms: int = 0) -> None:
        self.store = store
        self.max_df, self.max_terms = max_df, max_terms
        self._size: tuple[tuple[int, int], int] | None = None
        self._df: tuple[tuple, dict[str, int]] | None = None

    def query_terms(self, tokens: list[str]) -> list[str]:
        """The terms the FTS5 query matches: every distinct token, or only the rarer ones (``max_df``,
        ``max_terms``; the rarest token found is always kept). A common term adds little to BM25 and is most of
        the query's time, which grows with the posting lists it reads; below ``DF_FLOOR`` a list is cheap, so the
        cap only bites where the corpus is large. Tokens no paragraph has are dropped."""
        terms = list(dict.fromkeys(tokens))
        if (self.max_df >= 1.0 and not self.max_terms) or len(terms) <= 1:
            return terms
        df = self._frequencies(terms)
        found = sorted((t for t in terms if df.get(t, 0) > 0), key=lambda t: (df[t], terms.index(t)))
        limit = max(self.max_df * self.size(), DF_FLOOR)
        kept = [t for t in found if df[t] <= limit] or found[:1]
        return kept[: self.max_terms] if self.max_terms else kept

    def _frequencies(self, tokens: list[str]) -> dict[str, int]:
        """Document frequencies, remembered for the last question (retrieval and sentence choice both ask)."""
        key = (self.store.positions(), tuple(dict.fromkeys(tokens)))
        memo = self._df
        if memo is None or memo[0] != key:
            memo = self._df = (key, self.store.document_frequencies(list(key[1])))
        return memo[1]

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
        df = self._frequencies(tokens)
        return {t: self.idf(t, df) for t in dict.fromkeys(tokens)}

    def search(
        self, query_tokens: list[str], k: int, filters: Filters | None = None, allowed: Allowed | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` by BM25 among what ``filters`` allow. With the FAISS cache's ``allowed`` mask and a filter
        that lets most paragraphs through (the bot's server scope), the unfiltered FTS5 query is post-filtered
        instead of joined with ``articles`` in SQL: BM25 scores are the same either way (collection-wide
        statistics), and the join costs more than the scoring. Narrow filters keep the SQL join."""
        query_tokens = self.query_terms(query_tokens)
        if allowed is not None and k > 0:
            share = allowed.count / max(self.size(), 1)
            if share >= POST_FILTER_SHARE:
                limit = min(POST_FILTER_MAX, math.ceil(k * 1.5 / share) + 10)
                ids, scores = self.store.lexical_search(query_tokens, limit, None)
                keep = allowed.contains(ids)
                if int(keep.sum()) >= k or len(ids) < limit:
                    return ids[keep][:k], scores[keep][:k]
        return self.store.lexical_search(query_tokens, k, filters)
