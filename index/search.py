"""Hybrid retrieval: dense (FAISS) + lexical (BM25) candidates, fused, filtered, turned into verified quotes.

Fusion (measured with ``newsdesk eval``; see README): each candidate paragraph gets
    score = W_DENSE * cosine + W_LEXICAL * bm25 / max_bm25 + W_COVERAGE * idf-weighted query-term coverage
over the union of the two top-N lists. Unlike reciprocal rank fusion the score keeps the size of each signal, so
it also serves as the displayed score and as the evidence for the no-answer decision.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from index.attribution import attributed_to, question_speaker
from index.lexical import LexicalIndex, tokenize
from index.models import Answer, Filters, Quote
from index.quotes import best_window, source_ref, span_quote, verify
from index.store import Store
from index.vectors import VectorIndex

log = logging.getLogger(__name__)

CANDIDATES = 100  # top-N taken from each retriever before fusion
POOL = 40  # fused candidates re-scored with sentence coverage and attribution
W_DENSE, W_LEXICAL, W_COVERAGE = 0.6, 0.15, 0.25
# "What did X say": a statement attributed to X (attribution.py) is evidence of an answer.
W_ATTRIBUTION = 0.25
RRF_K = 60
CAPTION_PENALTY = 0.85
# No-answer: the best passage must be either semantically close or share most of the question's rare terms.
MIN_DENSE = 0.35
MIN_COVERAGE = 0.5
MIN_SCORE = 0.30
# Quotes after the first need only this score: the no-answer decision is made on the best passage.
MIN_FOLLOW = 0.30
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


def query_weights(lexical: LexicalIndex, tokens: list[str]) -> dict[str, float]:
    return {t: lexical.idf(t) for t in dict.fromkeys(tokens)}


def retrieve(
    question_vec: np.ndarray,
    q_tokens: list[str],
    vectors: VectorIndex,
    lexical: LexicalIndex,
    allowed: np.ndarray | None,
    method: str = "hybrid",
    n: int = CANDIDATES,
) -> list[Candidate]:
    """Candidates ranked by ``method``: "hybrid" (weighted fusion), "rrf", "dense" or "bm25"."""
    cands: dict[int, Candidate] = {}
    if method in ("hybrid", "rrf", "dense"):
        ids, scores = vectors.search(question_vec, n, allowed)
        for rank, (pid, s) in enumerate(zip(ids.tolist(), scores.tolist(), strict=True)):
            cands[pid] = Candidate(pid, dense=s, dense_rank=rank)
    if method in ("hybrid", "rrf", "bm25"):
        ids, scores = lexical.search(q_tokens, n, allowed)
        for rank, (pid, s) in enumerate(zip(ids.tolist(), scores.tolist(), strict=True)):
            c = cands.setdefault(pid, Candidate(pid))
            c.bm25, c.lex_rank = s, rank
    if not cands:
        return []
    if method == "hybrid":
        missing = [c.pid for c in cands.values() if c.dense_rank is None]
        if missing:  # exact cosine for lexical-only candidates, from the stored vectors
            vecs = vectors.vectors(missing)
            for pid, s in zip(missing, (vecs @ question_vec).tolist(), strict=True):
                cands[pid].dense = s
    max_bm25 = max((c.bm25 for c in cands.values()), default=0.0) or 1.0
    for c in cands.values():
        if method == "dense":
            c.score = c.dense
        elif method == "bm25":
            c.score = c.bm25 / max_bm25
        elif method == "rrf":
            c.score = sum(1.0 / (RRF_K + r + 1) for r in (c.dense_rank, c.lex_rank) if r is not None)
        else:
            c.score = W_DENSE * c.dense + W_LEXICAL * c.bm25 / max_bm25
    if method == "hybrid" and W_ARTICLE:
        best: dict[str, float] = {}
        for c in cands.values():
            aid = lexical.article_of.get(c.pid)
            if aid is not None:
                best[aid] = max(best.get(aid, 0.0), c.score)
        for c in cands.values():
            aid = lexical.article_of.get(c.pid)
            if aid is not None:
                c.score = (1 - W_ARTICLE) * c.score + W_ARTICLE * best[aid]
    return sorted(cands.values(), key=lambda c: (-c.score, c.pid))


def build_answer(
    question: str,
    candidates: list[Candidate],
    store: Store,
    lexical: LexicalIndex,
    q_tokens: list[str],
    k: int,
    offset: int,
    per_article: int,
    filters: Filters,
    searched: dict,
    method: str = "hybrid",
) -> Answer:
    """Pick the best sentences of the top candidates, collapse copies, cap per article, verify, decide no-answer."""
    weights = query_weights(lexical, q_tokens)
    speaker = question_speaker(question) if method == "hybrid" else set()
    pool = candidates[: max(4 * (k + offset), POOL)]
    paragraphs = store.paragraphs([c.pid for c in pool])
    articles = store.articles([p.article_id for p in paragraphs.values()])
    captions = (
        {
            r["id"]
            for r in store.query(
                f"SELECT id FROM paragraphs WHERE caption=1 AND id IN ({','.join('?' * len(pool))})",
                [c.pid for c in pool],
            )
        }
        if pool
        else set()
    )

    # Sentence choice and the coverage feature come from the same window scoring.
    windows: dict[int, tuple[int, int, float]] = {}
    for c in pool:
        para = paragraphs.get(c.pid)
        if para is None:
            continue
        windows[c.pid] = best_window(para, weights, tokenize)
        if method == "hybrid":
            c.coverage = windows[c.pid][2]
            c.score += W_COVERAGE * c.coverage
        if speaker and attributed_to(para.text, speaker):
            c.score += W_ATTRIBUTION
        if c.pid in captions:
            c.score *= CAPTION_PENALTY
    if method == "hybrid":
        pool.sort(key=lambda c: (-c.score, c.pid))

    copies = store.copies_of([a.id for a in articles.values()], filters.scopes)
    checks = store.checksums(list(paragraphs))
    quotes: list[Quote] = []
    misses: list[Quote] = []
    seen_text: dict[str, Quote] = {}
    per: dict[str, int] = {}
    dropped = 0
    for c in pool:
        para = paragraphs.get(c.pid)
        if para is None or c.pid not in windows:
            continue
        article = articles[para.article_id]
        start, end, _ = windows[c.pid]
        quote = span_quote(para, article, start, end, c.score)
        quote.also_in = list(copies.get(article.id, []))
        relevant = _relevant(c, method) if not quotes else (method != "hybrid" or c.score >= MIN_FOLLOW)
        if not relevant:
            if len(misses) < 3:
                misses.append(quote)
            continue
        fresh = store.paragraphs([para.id]).get(para.id)
        if not verify(quote.text, start, end, fresh, checks.get(para.id)):
            log.warning("quote from paragraph %s failed verification and was dropped", para.id)
            dropped += 1
            continue
        same = seen_text.get(quote.text)
        if same is not None:  # the same passage in two differently edited copies of a story
            same.also_in.append(source_ref(article))
            continue
        if per_article and per.get(article.id, 0) >= per_article:
            continue
        per[article.id] = per.get(article.id, 0) + 1
        seen_text[quote.text] = quote
        quotes.append(quote)
        if len(quotes) >= offset + k:
            break
    page = quotes[offset : offset + k]
    no_answer = not quotes
    if no_answer and not misses:
        misses = [
            span_quote(
                paragraphs[c.pid], articles[paragraphs[c.pid].article_id], *windows[c.pid][:2], c.score
            )
            for c in pool[:3]
            if c.pid in paragraphs
        ]
    return Answer(
        question=question,
        quotes=page,
        no_answer=no_answer,
        searched=searched,
        nearest_misses=misses if no_answer else [],
        dropped_unverified=dropped,
    )


def _relevant(c: Candidate, method: str) -> bool:
    """Evidence that a passage answers rather than merely resembles: a close meaning or the rare terms."""
    if method != "hybrid":
        return True
    return c.score >= MIN_SCORE and (c.dense >= MIN_DENSE or c.coverage >= MIN_COVERAGE)
