"""From ranked candidates to an ``Answer``: sentence windows, re-scoring, copies collapsed, a cap per article,
every quote verified against the stored paragraph, and the honest no-answer.

Each step is a small function over the same pool so it can be read (and tuned) on its own:
``rescore`` (window coverage, attribution, captions) -> ``select_quotes`` (relevance, verification, collapse, cap)
-> ``no_answer_misses`` (what was nearest when nothing answered).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from functools import partial

from index.answer_type import answer_type, has_answer_type
from index.attribution import attributed_to, question_speaker
from index.crosslingual import imputed
from index.lexical import tokenize
from index.models import Answer, Article, Paragraph, Quote, SourceRef
from index.profiles import Bar
from index.quotes import best_window, source_ref, span_quote, verify
from index.search import METHODS, Candidate
from index.store import Store

log = logging.getLogger(__name__)

POOL = 40  # fused candidates re-scored with sentence coverage and attribution
W_COVERAGE = 0.25
# "What did X say": a statement attributed to X (attribution.py) is evidence of an answer.
W_ATTRIBUTION = 0.25
# News is written lead first (28 % of NewsQA answers are in an article's first paragraph): a bonus that halves
# about every 1.4 paragraphs. And a window holding what the question asks for (a number for "how many", a date for
# "when", a new name for "who") is more likely the answer. Both chosen on NewsQA's tuning half (issue 10).
W_LEAD, LEAD_DECAY = 0.1, 2.0
W_ANSWER_TYPE = 0.1
CAPTION_PENALTY = 0.85  # a photo caption rarely answers; it still may, so it is only pushed down
# No-answer: the best passage must be either semantically close or share most of the question's rare terms.
MIN_DENSE = 0.35
MIN_COVERAGE = 0.5
MIN_SCORE = 0.30
# Quotes after the first need only this score: the no-answer decision is made on the best passage.
MIN_FOLLOW = 0.30
NEAREST_MISSES = 3


@dataclass
class Pool:
    """The candidates being turned into quotes, with what was read for them from the store."""

    cands: list[Candidate]
    paragraphs: dict[int, Paragraph]
    articles: dict[str, Article]
    windows: dict[int, tuple[int, int, float]] = field(default_factory=dict)


@dataclass
class Request:
    question: str
    weights: dict[str, float]  # IDF of the question's tokens
    k: int
    offset: int
    per_article: int  # 0 = no cap
    scopes: tuple[str, ...] | None
    method: str = "hybrid"
    bar: Bar | None = None  # the relevance bar of the model searched (profiles.py); None = MiniLM's constants


def load_pool(candidates: list[Candidate], store: Store, req: Request) -> Pool:
    cands = candidates[: max(4 * (req.k + req.offset), POOL)]
    paragraphs = store.paragraphs([c.pid for c in cands])
    articles = store.articles([p.article_id for p in paragraphs.values()])
    return Pool(cands, paragraphs, articles)


def rescore(pool: Pool, store: Store, req: Request) -> None:
    """Choose each candidate's best sentence window; for the hybrid method, add its evidence to the score."""
    rescored = METHODS[req.method].rescored
    speaker = question_speaker(req.question) if rescored else set()
    kind = answer_type(req.question) if rescored else None
    captions = store.captions([c.pid for c in pool.cands]) if rescored else set()
    for c in pool.cands:
        para = pool.paragraphs.get(c.pid)
        if para is None:
            continue
        lang = pool.articles[para.article_id].language
        pool.windows[c.pid] = best_window(para, req.weights, partial(tokenize, lang=lang))
        if not rescored:
            continue
        start, end, c.coverage = pool.windows[c.pid]
        if c.foreign:  # another script than the question's: the share of its words is not observable
            c.coverage = imputed(c.coverage, c.dense)
        prior = W_LEAD * math.exp(-(para.ordinal - 1) / LEAD_DECAY)
        if kind is not None and has_answer_type(para.text[start:end], kind, req.question):
            prior += W_ANSWER_TYPE
        c.score += W_COVERAGE * c.coverage + prior
        c.prior += prior
        if speaker and attributed_to(para.text, speaker):
            c.score += W_ATTRIBUTION
        if c.pid in captions:
            c.score *= CAPTION_PENALTY
            c.prior *= CAPTION_PENALTY
    if rescored:
        pool.cands.sort(key=lambda c: (-c.score, c.pid))


def relevant(c: Candidate, first: bool, method: str, bar: Bar | None = None) -> bool:
    """Evidence that a passage answers rather than merely resembles: a close meaning or the rare terms. Priors
    (``Candidate.prior``) rank passages but never make one relevant. ``bar``: the model's (``profiles.py``);
    the module's MiniLM values when not given."""
    if not METHODS[method].rescored:
        return True
    if bar is None:
        bar = Bar(MIN_SCORE, MIN_FOLLOW, MIN_DENSE, MIN_COVERAGE)
    evidence = c.score - c.prior
    if not first:
        return evidence >= bar.min_follow
    return evidence >= bar.min_score and (c.dense >= bar.min_dense or c.coverage >= bar.min_coverage)


@dataclass
class Selection:
    quotes: list[Quote] = field(default_factory=list)
    misses: list[Quote] = field(default_factory=list)
    dropped: int = 0


def select_quotes(pool: Pool, store: Store, req: Request) -> Selection:
    """Walk the pool best first: relevant, verified, not a repeat, within the per-article cap."""
    copies = store.copies_of(list(pool.articles), req.scopes)
    checks = store.checksums(list(pool.paragraphs))
    sel = Selection()
    seen_text: dict[str, Quote] = {}
    per: dict[str, int] = {}
    for c in pool.cands:
        para = pool.paragraphs.get(c.pid)
        if para is None or c.pid not in pool.windows:
            continue
        article = pool.articles[para.article_id]
        start, end, _ = pool.windows[c.pid]
        quote = span_quote(para, article, start, end, c.score)
        quote.evidence = round(c.score - c.prior, 4)
        quote.also_in = list(copies.get(article.id, []))
        if not relevant(c, not sel.quotes, req.method, req.bar):
            if len(sel.misses) < NEAREST_MISSES:
                sel.misses.append(quote)
            continue
        fresh = store.paragraphs([para.id]).get(para.id)
        if not verify(quote.text, start, end, fresh, checks.get(para.id)):
            log.warning("quote from paragraph %s failed verification and was dropped", para.id)
            sel.dropped += 1
            continue
        if _collapsed(quote, seen_text, article):
            continue
        if req.per_article and per.get(article.id, 0) >= req.per_article:
            continue
        per[article.id] = per.get(article.id, 0) + 1
        seen_text[quote.text] = quote
        sel.quotes.append(quote)
        if len(sel.quotes) >= req.offset + req.k:
            break
    return sel


def _collapsed(quote: Quote, seen_text: dict[str, Quote], article: Article) -> bool:
    """The same passage in two differently edited copies of a story: one quote, the other outlet as "also in"."""
    same = seen_text.get(quote.text)
    if same is None:
        return False
    ref: SourceRef = source_ref(article)
    same.also_in.append(ref)
    return True


def no_answer_misses(pool: Pool) -> list[Quote]:
    """When nothing cleared the bar and nothing was kept as a miss: the best few passages, as nearest misses."""
    out = []
    for c in pool.cands[:NEAREST_MISSES]:
        para = pool.paragraphs.get(c.pid)
        if para is None or c.pid not in pool.windows:
            continue
        start, end, _ = pool.windows[c.pid]
        out.append(span_quote(para, pool.articles[para.article_id], start, end, c.score))
    return out


def build_answer(
    candidates: list[Candidate], store: Store, req: Request, searched: dict, language: str | None = None
) -> Answer:
    """Pick, verify and page the quotes of ``candidates``; decide the no-answer."""
    pool = load_pool(candidates, store, req)
    rescore(pool, store, req)
    sel = select_quotes(pool, store, req)
    no_answer = not sel.quotes
    misses = (sel.misses or no_answer_misses(pool)) if no_answer else []
    return Answer(
        question=req.question,
        quotes=sel.quotes[req.offset : req.offset + req.k],
        no_answer=no_answer,
        searched=searched,
        nearest_misses=misses,
        dropped_unverified=sel.dropped,
        language=language,
    )
