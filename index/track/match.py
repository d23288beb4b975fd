"""Asking a tracked question of the new paragraphs only: score them as ``ask`` does, keep what clears the bar.

The new paragraphs are those stored after the question's sequence (``Store.new_paragraph_ids``: a primary-key
range). Each is scored with the answer stage's evidence, computed for these paragraphs alone so the cost follows
the new paragraphs, not the corpus:

* dense: cosine of the question with the stored vectors (no FAISS scan: the new rows are read directly);
* lexical: SQLite's BM25 over the same id range, divided by its ceiling for this question
  (``(k1 + 1) * sum(idf)``) rather than by the best score in the batch, so whether a passage alerts never depends on
  which other articles arrived with it;
* then, as in ``answer.py``: the article blend, sentence-window coverage, attribution and the caption penalty, and
  the same relevance bar as every quote shown (``answer.relevance``: the encoder's floor, a close meaning or the
  rare terms, and the margin relative to the best new passage).

A passage alerts when it is relevant and its evidence reaches the encoder's alert floor (``alert_floor``:
``profiles.Bar.min_alert``); the passage of each article with the most evidence is the one kept, its text is
verified against the stored paragraph, and syndicated copies (``copies_of``) and identically worded passages of
other articles collapse into one alert listing every outlet.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from index.answer.compose import Request, best_evidence, load_pool, relevant, rescore
from index.answer.copies import Collapser
from index.answer.profiles import bar_for
from index.answer.spans import span_quote
from index.answer.verify import is_verbatim
from index.briefing.content import article_vector
from index.language import question_language
from index.models import Quote
from index.retrieval.lexical import LexicalIndex
from index.retrieval.search import W_DENSE, W_LEXICAL, Candidate, article_blend
from index.store.articles import Store
from index.text import tokenize
from index.track.models import Tracked

log = logging.getLogger(__name__)

# The alert bar on the answer stage's score, chosen on the tuning half of RealTimeQA replayed day by day
# (``newsdesk eval-track``: the best F1 of alert precision and recall over 0.30-0.70; tune half at 0.44: recall
# 0.767, precision 0.404, 3.6 alerts per question; the curve is flat, 0.49-0.53 from 0.36 to 0.60). notes/track.md.
ALERT_MIN_SCORE = 0.44  # all-MiniLM-L6-v2's; each model's is ``profiles.Bar.min_alert`` (``alert_floor``)
POOL = 100  # new paragraphs re-scored with sentence windows (the best by dense + lexical evidence)
K1 = 1.2  # FTS5's BM25 constants (its bm25() uses k1 = 1.2, b = 0.75)
IDF_FLOOR = 1e-6  # FTS5 clamps a negative idf to this


class QueryEncoder(Protocol):
    def encode_query(self, text: str) -> np.ndarray: ...


class TrackDesk(Protocol):
    """What tracking uses of a ``Newsdesk``: the store, the lexical statistics and the query encoder."""

    @property
    def store(self) -> Store: ...
    @property
    def lexical(self) -> LexicalIndex: ...
    @property
    def embedder(self) -> QueryEncoder: ...


@dataclass
class Found:
    """A new passage that answers the question: its verified quote, the outlets that carried it, its evidence."""

    quote: Quote
    outlets: list[str]
    dense: float
    coverage: float
    vector: np.ndarray | None = None  # the article's vector (the same-day story rule)


def bm25_ceiling(desk: TrackDesk, tokens: list[str]) -> float:
    """The BM25 a paragraph would get with every query term at saturation: ``(k1 + 1) * sum(idf)``."""
    terms = list(dict.fromkeys(tokens))
    if not terms:
        return 1.0
    n = max(desk.lexical.size(), 1)
    df = desk.store.document_frequencies(terms)
    idf = [max(math.log((n - df.get(t, 0) + 0.5) / (df.get(t, 0) + 0.5)), IDF_FLOOR) for t in terms]
    return (K1 + 1) * sum(idf) or 1.0


def candidates(
    desk: TrackDesk, tokens: list[str], qvec: np.ndarray, ids: np.ndarray, after: int, upto: int
) -> list[Candidate]:
    """The new paragraphs ``ids`` scored by dense + lexical evidence and the article blend, best first
    (``tokens``: the question's, in its language)."""
    store = desk.store
    have, vecs = store.vectors(ids.tolist())
    if not len(have):
        return []
    bm25 = store.bm25_between(tokens, after, upto)
    ceiling = bm25_ceiling(desk, tokens)
    cands: dict[int, Candidate] = {}
    for pid, d in zip(have.tolist(), (vecs @ qvec).tolist(), strict=True):
        b = bm25.get(pid, 0.0)
        c = Candidate(pid, dense=d, bm25=b)
        c.score = W_DENSE * d + W_LEXICAL * min(b / ceiling, 1.0)
        cands[pid] = c
    article_blend(cands, {}, store)
    return sorted(cands.values(), key=lambda c: (-c.score, c.pid))


def alert_floor(desk: TrackDesk) -> float:
    """The alert bar for the model whose vectors the store holds (cosines differ by model)."""
    return bar_for(desk.store.model_identity()[0]).min_alert


def find(desk: TrackDesk, tq: Tracked, qvec: np.ndarray, after: int, upto: int, floor: float) -> list[Found]:
    """Passages stored in (``after``, ``upto``] that ``tq`` may see and that answer it with a score >= ``floor``:
    one per article (its best), verified, copies collapsed; best first."""
    store = desk.store
    ids = store.new_paragraph_ids(after, upto, tq.scopes, tq.source)
    if not len(ids):
        return []
    # The question's words in its language, as ``ask`` reads them: a French question is not English-stemmed, so
    # its terms meet the French articles' terms, which the store keeps in their own language (``schema.terms_of``).
    language = question_language(tq.question)
    tokens = tokenize([tq.question], language)[0]
    ranked = candidates(desk, tokens, qvec, ids, after, upto)[:POOL]
    bar = bar_for(store.model_identity()[0])
    req = Request(
        tq.question, desk.lexical.weights(tokens), POOL // 4, 0, 0, tq.scopes, "hybrid", bar, language
    )
    pool = load_pool(ranked, store, req)
    rescore(pool, store, req)
    best = best_evidence(pool)
    copies = store.copies_of(list(pool.articles), tq.scopes)
    found: list[Found] = []
    by_quote: dict[int, Found] = {}
    shown = Collapser()
    # One alert per article, so its passage is the one with the most evidence: a lead paragraph's prior orders
    # answers on a page but must not put the lead in place of the passage that answers (issue 21).
    for c in sorted(pool.cands, key=lambda c: (-(c.score - c.prior), c.pid)):
        if c.score - c.prior < floor:  # the evidence, as for the no-answer bar: priors only rank
            continue
        para = pool.paragraphs.get(c.pid)
        if para is None or c.pid not in pool.windows or not relevant(c, True, "hybrid", bar, best):
            continue
        article = pool.articles[para.article_id]
        if any(f.quote.article_id == article.id for f in found):
            continue
        start, end, _ = pool.windows[c.pid]
        quote = span_quote(para, article, start, end, c.score, copies.get(article.id, []))
        quote.evidence = round(c.score - c.prior, 4)  # what the alert floor reads (eval-track replays it)
        if not is_verbatim(store, quote, f"tracked question {tq.id}'s alert"):
            continue
        same = shown.absorbed(quote, article)
        if same is not None:  # the same wire passage in a differently edited copy: one alert, one more outlet
            by_quote[id(same)].outlets = outlets_of(same)
            continue
        shown.keep(quote)
        f = Found(quote, outlets_of(quote), c.dense, c.coverage)
        by_quote[id(quote)] = f
        found.append(f)
    for f in found:
        f.vector = story_vector(store, f.quote.article_id)
    return found


def outlets_of(quote: Quote) -> list[str]:
    """The quote's outlet first, then every other outlet that carried it, each once."""
    return list(dict.fromkeys([quote.source, *(r.source for r in quote.also_in)]))


def story_vector(store: Store, article_id: str) -> np.ndarray | None:
    """The article's vector as the briefing computes it (lead-weighted mean of its stored paragraph vectors)."""
    paras = store.paragraphs_of([article_id])
    if not paras:
        return None
    ids, vecs = store.vectors([p.id for p, _ in paras])
    keep = set(ids.tolist())
    rows = [(p, cap) for p, cap in paras if p.id in keep]
    if not rows:
        return None
    return article_vector([p for p, _ in rows], [cap for _, cap in rows], vecs)
