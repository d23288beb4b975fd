"""Lexical search: BM25 over paragraphs (each prefixed with its article's title).

The tokens (lower-cased, stop words dropped, demonyms folded onto countries, Snowball-stemmed) are what the store's
FTS5 table indexes and what questions are matched with; the same tokens and document frequencies serve sentence
scoring in ``quotes.py``. The index itself lives in SQLite, so it is never rebuilt per change.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Protocol

import numpy as np

from index.vectors.facets import NotExact

if TYPE_CHECKING:
    from index.models import Filters
    from index.vectors.facets import Allowed

log = logging.getLogger(__name__)

DF_FLOOR = 1_000  # a term in fewer paragraphs than this is always kept in the lexical query
POST_FILTER_SHARE = 0.2  # a filter allowing at least this share of paragraphs is applied after the FTS5 query
POST_FILTER_MAX = 5_000  # the longest unfiltered top list read for a post-filter


class LexicalStore(Protocol):
    """What the lexical index needs from the store."""

    def positions(self) -> tuple[int, int]: ...
    def paragraph_count(self) -> int: ...
    def document_frequencies(self, terms: list[str]) -> dict[str, int]: ...
    def lexical_search(
        self, terms: list[str], k: int, filters: Filters | None
    ) -> tuple[np.ndarray, np.ndarray]: ...


class LexicalEngine(Protocol):
    """A top-k engine serving the same terms as FTS5 (``tantivy_engine.TantivyLexical``): filters inside it."""

    name: str

    def refresh(self) -> None: ...
    def document_frequencies(self, terms: list[str]) -> dict[str, int]: ...
    def search(self, terms: list[str], k: int, filters: Filters | None) -> tuple[np.ndarray, np.ndarray]: ...
    def close(self) -> None: ...


class LexicalIndex:
    """BM25 over paragraphs, served by the store's FTS5 table (written with each article, shared by every
    process), or by a top-k ``engine`` derived from it (``NEWSDESK_LEXICAL_ENGINE=tantivy``). This class adds what
    retrieval needs around it: query tokens in, ranked ids out, and IDF weights for sentence choice, with the
    collection size cached until the store moves. Document frequencies (which query terms to keep, the IDF
    weights) come from the engine that searches: the same documents, so the same terms are asked either way."""

    def __init__(
        self,
        store: LexicalStore,
        max_df: float = 1.0,
        max_terms: int = 0,
        engine: LexicalEngine | None = None,
    ) -> None:
        self.store = store
        self.engine = engine
        self.max_df, self.max_terms = max_df, max_terms
        self._size: tuple[tuple[int, int], int] | None = None
        self._df: tuple[tuple, dict[str, int]] | None = None

    def close(self) -> None:
        if self.engine is not None:
            self.engine.close()

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
            source = self.engine if self.engine is not None else self.store
            memo = self._df = (key, source.document_frequencies(list(key[1])))
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
        if self.engine is not None:
            try:
                return self._engine_search(query_tokens, k, filters, allowed)
            except NotExact as exc:
                log.info("lexical filter answered by FTS5: %s", exc)
        if allowed is not None and k > 0:
            share = allowed.count / max(self.size(), 1)
            if share >= POST_FILTER_SHARE:
                limit = min(POST_FILTER_MAX, math.ceil(k * 1.5 / share) + 10)
                ids, scores = self.store.lexical_search(query_tokens, limit, None)
                keep = allowed.contains(ids)
                if int(keep.sum()) >= k or len(ids) < limit:
                    return ids[keep][:k], scores[keep][:k]
        return self.store.lexical_search(query_tokens, k, filters)

    def _engine_search(
        self, terms: list[str], k: int, filters: Filters | None, allowed: Allowed | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The engine applies ``filters`` itself; ``allowed`` may be narrower still (articles left out of one
        question, ``Newsdesk.ask(exclude_articles=...)``): its list is post-filtered, read longer when short."""
        assert self.engine is not None
        limit = k
        while True:
            ids, scores = self.engine.search(terms, limit, filters)
            if allowed is None:
                return ids, scores
            keep = allowed.contains(ids)
            if int(keep.sum()) >= k or len(ids) < limit:
                return ids[keep][:k], scores[keep][:k]
            limit *= 4
