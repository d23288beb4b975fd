"""Lexical search with bm25s over paragraphs (each prefixed with its article's title).

The BM25 index is derived data: rebuilt in memory from the store when the store's version changes. Token lists
are cached per paragraph id, so after an ingest only the new paragraphs are tokenised before the (fast, sparse)
re-index. The same stemmed tokens and document frequencies serve sentence scoring in ``quotes.py``.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections.abc import Iterable

import bm25s
import numpy as np
import Stemmer

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)

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


class LexicalIndex:
    """BM25 over paragraph ids; ``scores`` gives a full score vector so any filter is an exact mask."""

    def __init__(self) -> None:
        self.ids = np.zeros(0, dtype=np.int64)
        self.retriever: bm25s.BM25 | None = None
        self.version = -1
        self.df: dict[str, int] = {}
        self.article_of: dict[int, str] = {}  # paragraph id -> article id, for article-level evidence
        self._tokens: dict[int, list[str]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.ids)

    def rebuild(self, rows: Iterable[tuple[int, str, str]], version: int) -> None:
        """Re-index from (paragraph id, text, article id) rows; cached token lists are reused for known ids."""
        ids: list[int] = []
        corpus: list[list[str]] = []
        todo_ids: list[int] = []
        todo_text: list[str] = []
        article_of: dict[int, str] = {}
        for pid, text, article_id in rows:
            ids.append(pid)
            article_of[pid] = article_id
            if pid not in self._tokens:
                todo_ids.append(pid)
                todo_text.append(text)
        for pid, toks in zip(todo_ids, tokenize(todo_text) if todo_text else [], strict=True):
            self._tokens[pid] = toks
        keep = set(ids)
        for pid in [p for p in self._tokens if p not in keep]:
            del self._tokens[pid]
        corpus = [self._tokens[pid] or ["∅"] for pid in ids]
        retriever = None
        if corpus:
            retriever = bm25s.BM25()
            retriever.index(corpus, show_progress=False)
        df: dict[str, int] = {}
        for toks in corpus:
            for tok in set(toks):
                df[tok] = df.get(tok, 0) + 1
        with self._lock:
            self.ids = np.asarray(ids, dtype=np.int64)
            self.retriever = retriever
            self.df = df
            self.article_of = article_of
            self.version = version
        log.debug("BM25 index rebuilt: %d paragraphs, version %d", len(ids), version)

    def idf(self, token: str) -> float:
        n = max(len(self.ids), 1)
        df = self.df.get(token, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def scores(self, query_tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(paragraph ids, BM25 score of each), from one consistent snapshot even while a rebuild swaps in."""
        with self._lock:
            retriever, ids = self.retriever, self.ids
        if retriever is None:
            return ids, np.zeros(len(ids), dtype=np.float32)
        vocab = retriever.vocab_dict
        known = [t for t in query_tokens if t in vocab]
        if not known:
            return ids, np.zeros(len(ids), dtype=np.float32)
        return ids, np.asarray(retriever.get_scores(known), dtype=np.float32)

    def search(
        self, query_tokens: list[str], k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` (ids, scores) with a positive score, restricted to ``allowed`` ids when given."""
        ids, scores = self.scores(query_tokens)
        if allowed is not None:
            mask = np.isin(ids, allowed)
            scores = np.where(mask, scores, 0.0)
        positive = int(np.count_nonzero(scores > 0))
        k = min(k, positive)
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return ids[top], scores[top]
