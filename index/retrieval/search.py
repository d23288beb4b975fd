"""Retrieval: dense (FAISS) and lexical (BM25) candidates, fused by one of four methods.

``hybrid`` is what Newsdesk answers with (measured with ``newsdesk eval``; see README): each candidate paragraph gets
    score = W_DENSE * cosine + W_LEXICAL * bm25 / max_bm25   (+ W_COVERAGE * idf-weighted query-term coverage and
    the attribution signal, added by ``answer.py`` once sentence windows are scored)
over the union of the two top-N lists, then blended with the best score of its article. Unlike reciprocal rank
fusion the score keeps the size of each signal, so it also serves as the displayed score and as the evidence for
the no-answer decision. ``rrf``, ``dense`` and ``bm25`` are the baselines the evaluation compares against.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial
from typing import ClassVar, Protocol

import numpy as np

from index.models import Filters
from index.retrieval.article_evidence import article_evidence
from index.retrieval.crosslingual import article_scripts, foreign_ids, imputed
from index.retrieval.lexical import LexicalIndex
from index.store.articles import Store
from index.vectors.base import VectorStore
from index.vectors.facets import Allowed

log = logging.getLogger(__name__)

CANDIDATES = 100  # top-N taken from each retriever before fusion
W_DENSE, W_LEXICAL = 0.6, 0.15
RRF_K = 60  # the usual reciprocal-rank constant (Cormack et al.)
# Two-stage evidence: a passage in an article whose other passages also match is more likely the answer.
W_ARTICLE = 0.5


@dataclass
class Candidate:
    pid: int
    dense: float = 0.0
    bm25: float = 0.0
    coverage: float = 0.0
    dense_rank: int | None = None
    lex_rank: int | None = None
    score: float = 0.0
    attributed: bool = (
        False  # a statement by the speaker a "what did X say" question names (answer.attribution)
    )
    # The part of ``score`` that is a prior (article centroid, lead position, answer type): it ranks, but it is not
    # evidence that a passage answers, so the no-answer bar (answer.relevant) reads ``score - prior``.
    prior: float = 0.0
    # Written in another script than the question: its lexical signals are imputed (index/retrieval/crosslingual.py).
    foreign: bool = False


@dataclass
class Query:
    """A question ready for retrieval: its tokens, its vector, the filters and the paragraphs they allow."""

    tokens: list[str]
    vector: np.ndarray
    filters: Filters
    # The FAISS cache's answer to the filters (or ids); None when nothing is filtered, or when the vector backend
    # applies ``filters`` itself (Milvus).
    allowed: Allowed | np.ndarray | None
    script: str = "latin"  # of the question's letters (index/language.py): passages in another are "foreign"


@dataclass
class Sources:
    """Where candidates come from."""

    vectors: VectorStore
    lexical: LexicalIndex
    store: Store


def dense_candidates(q: Query, src: Sources, n: int) -> dict[int, Candidate]:
    ids, scores = src.vectors.search(q.vector, n, allowed=q.allowed, filters=q.filters)
    return {
        pid: Candidate(pid, dense=s, dense_rank=rank)
        for rank, (pid, s) in enumerate(zip(ids.tolist(), scores.tolist(), strict=True))
    }


def lexical_candidates(q: Query, src: Sources, n: int, into: dict[int, Candidate]) -> None:
    if isinstance(q.allowed, Allowed):  # the FAISS cache's bitmap: broad filters post-filter the FTS5 list
        ids, scores = src.lexical.search(q.tokens, n, q.filters, q.allowed)
    else:
        ids, scores = src.lexical.search(q.tokens, n, q.filters)
    for rank, (pid, s) in enumerate(zip(ids.tolist(), scores.tolist(), strict=True)):
        c = into.setdefault(pid, Candidate(pid))
        c.bm25, c.lex_rank = s, rank


class Method(Protocol):
    name: ClassVar[str]
    dense: ClassVar[bool]
    lexical: ClassVar[bool]
    rescored: ClassVar[bool]  # whether answer.py adds sentence coverage and attribution to the score

    def fuse(self, cands: dict[int, Candidate], q: Query, src: Sources) -> None: ...


class Hybrid:
    name, dense, lexical, rescored = "hybrid", True, True, True

    def fuse(self, cands: dict[int, Candidate], q: Query, src: Sources) -> None:
        far = len(cands)  # candidates nearest the top of either list first: their articles are scored
        ranked = sorted(
            cands.values(), key=lambda c: (min(_rank(c.dense_rank, far), _rank(c.lex_rank, far)), c.pid)
        )
        vectors_of = partial(src.vectors.vectors_of, store=src.store)
        evidence = article_evidence(q.vector, [c.pid for c in ranked], src.store, vectors_of)
        for pid in evidence.expand:  # the best articles' other paragraphs: candidates no retriever ranked
            if pid not in cands:
                cands[pid] = Candidate(pid)
        missing = [c.pid for c in cands.values() if c.dense_rank is None and c.pid not in evidence.vectors]
        known = {pid: evidence.vectors[pid] for pid in cands if pid in evidence.vectors}
        if missing:  # exact cosine for lexical-only candidates, from the stored vectors
            ids, vecs = src.store.vectors(missing)
            known.update(zip(ids.tolist(), vecs, strict=True))
        for pid, vec in known.items():
            if cands[pid].dense_rank is None:
                cands[pid].dense = float(vec @ q.vector)
        max_bm25 = max((c.bm25 for c in cands.values()), default=0.0) or 1.0
        foreign = _foreign(cands, q, src, evidence.article_of)
        for c in cands.values():
            lexical = c.bm25 / max_bm25
            if c.pid in foreign:
                c.foreign, lexical = True, imputed(lexical, c.dense)
            c.score = W_DENSE * c.dense + W_LEXICAL * lexical
        article_blend(cands, evidence.article_of, src.store)
        for c in cands.values():
            c.prior = evidence.bonus.get(evidence.article_of.get(c.pid, ""), 0.0)
            c.score += c.prior


def _foreign(cands: dict[int, Candidate], q: Query, src: Sources, article_of: dict[int, str]) -> set[int]:
    """Candidates in another script than the question (one small SQL read of their articles' languages)."""
    unknown = [pid for pid in cands if pid not in article_of]
    if unknown:
        article_of = {**article_of, **src.store.article_of(unknown)}
    scripts = article_scripts(src.store, (article_of[p] for p in cands if p in article_of))
    return foreign_ids(q.script, article_of, scripts, cands)


def _rank(rank: int | None, far: int) -> int:
    return far if rank is None else rank


class RRF:
    name, dense, lexical, rescored = "rrf", True, True, False

    def fuse(self, cands: dict[int, Candidate], q: Query, src: Sources) -> None:
        for c in cands.values():
            c.score = sum(1.0 / (RRF_K + r + 1) for r in (c.dense_rank, c.lex_rank) if r is not None)


class Dense:
    name, dense, lexical, rescored = "dense", True, False, False

    def fuse(self, cands: dict[int, Candidate], q: Query, src: Sources) -> None:
        for c in cands.values():
            c.score = c.dense


class BM25:
    name, dense, lexical, rescored = "bm25", False, True, False

    def fuse(self, cands: dict[int, Candidate], q: Query, src: Sources) -> None:
        max_bm25 = max((c.bm25 for c in cands.values()), default=0.0) or 1.0
        for c in cands.values():
            c.score = c.bm25 / max_bm25


METHODS: dict[str, Method] = {m.name: m for m in (Hybrid(), RRF(), Dense(), BM25())}


def article_blend(cands: dict[int, Candidate], known: dict[int, str], store: Store) -> None:
    """Blend each candidate's score with the best score in its article (article-level evidence)."""
    if not W_ARTICLE:
        return
    article_of = dict(known)
    unknown = [pid for pid in cands if pid not in article_of]
    if unknown:
        article_of.update(store.article_of(unknown))
    best: dict[str, float] = {}
    for c in cands.values():
        aid = article_of.get(c.pid)
        if aid is not None:
            best[aid] = max(best.get(aid, 0.0), c.score)
    for c in cands.values():
        aid = article_of.get(c.pid)
        if aid is not None:
            c.score = (1 - W_ARTICLE) * c.score + W_ARTICLE * best[aid]


def retrieve(q: Query, src: Sources, method: str = "hybrid", n: int = CANDIDATES) -> list[Candidate]:
    """Candidates ranked by ``method`` (one of ``METHODS``), best first."""
    try:
        m = METHODS[method]
    except KeyError:
        raise ValueError(f"unknown search method {method!r}; use one of {', '.join(METHODS)}") from None
    cands = dense_candidates(q, src, n) if m.dense else {}
    if m.lexical:
        lexical_candidates(q, src, n, cands)
    if not cands:
        return []
    m.fuse(cands, q, src)
    return sorted(cands.values(), key=lambda c: (-c.score, c.pid))
