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

from index.answer.answer_type import answer_type, has_answer_type
from index.answer.attribution import asked_speaker, attributed_to, speaker_head, speaker_words
from index.answer.copies import Collapser
from index.answer.profiles import MINILM, Bar
from index.answer.relevance import FEATURE_DEPTH, feature_row, missing_share
from index.answer.spans import best_window, span_quote, with_qualifier
from index.answer.verify import is_verbatim
from index.models import Answer, Article, Paragraph, Quote
from index.retrieval.crosslingual import imputed
from index.retrieval.search import METHODS, Candidate
from index.store.articles import Store
from index.text import tokenize

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
# The relevance bar's numbers (floors, the margin relative to the best quote, the answerability and label models)
# are per encoder, in ``profiles.py``; MiniLM's floor is kept here for the alert evaluation (``eval/track.py``).
MIN_SCORE = MINILM.min_score
# The first quote's article must hold this share of the question's terms (IDF-weighted, title included): a passage
# that resembles the question but whose story never names what it asks about is not an answer. The signal
# over-answering needed (issue 21): on a sample of 250 NewsQA tuning-half questions (reporting half untouched), the
# top quote's article held >= 0.4 of the question's weight for 95.2 % of answerable questions and for 66.4 % of the
# same questions asked over an index without their story (no gate: 100 % and 91.2 %).
MIN_ARTICLE_COVERAGE = 0.4
# ... for questions of at least this many distinct terms: with one or two ("Who won the election?") a share is too
# coarse to judge by, and a synonym in the story ("claims victory") would refuse a real answer.
GATE_MIN_TERMS = 3
# The label a person reads instead of a score: the first quote is a "strong match" when the bar's label model gives
# it a high enough chance of being right (``profiles.py``), every other quote shown is "related".
STRONG, RELATED = "strong match", "related"
NEAREST_MISSES = 3


@dataclass
class Pool:
    """The candidates being turned into quotes, with what was read for them from the store."""

    cands: list[Candidate]
    paragraphs: dict[int, Paragraph]
    articles: dict[str, Article]
    windows: dict[int, tuple[int, int, float]] = field(default_factory=dict)
    article_tokens: dict[str, set[str]] = field(default_factory=dict)  # read when the first quote is judged
    typed: set[int] = field(default_factory=set)  # windows holding what the question asks for (a number, ...)
    language: str | None = None  # the question's (``Request.language``)

    def article_coverage(self, store: Store, article_id: str, weights: dict[str, float]) -> float:
        """The IDF-weighted share of the question's terms found anywhere in the article (title included).

        The article is cut by the rules the question's terms were cut by (the question's language): the share asks
        whether the same words occur, so a French question's "installations" must meet the French article's
        "installations", not its English stem "instal"; and an English-looking question (an all-ASCII French or
        German one is taken as English: ``language.question_language``) still meets its stems in the article."""
        if article_id not in self.article_tokens:
            article = self.articles.get(article_id)
            texts = store.article_texts([article_id]).get(article_id, [])
            title = article.title if article is not None else ""
            text = title + "\n" + "\n".join(texts)
            self.article_tokens[article_id] = set(tokenize([text], self.language)[0])
        total = sum(weights.values())
        if total <= 0:
            return 1.0
        return sum(w for t, w in weights.items() if t in self.article_tokens[article_id]) / total


@dataclass
class Request:
    question: str
    weights: dict[str, float]  # IDF of the question's tokens
    k: int
    offset: int
    per_article: int  # 0 = no cap
    scopes: tuple[str, ...] | None
    method: str = "hybrid"
    bar: Bar = MINILM  # the relevance bar of the model searched (profiles.py)
    language: str | None = None  # the question's, which cut its terms (``weights``); None: English rules


def load_pool(candidates: list[Candidate], store: Store, req: Request) -> Pool:
    cands = candidates[: max(4 * (req.k + req.offset), POOL)]
    paragraphs = store.paragraphs([c.pid for c in cands])
    articles = store.articles([p.article_id for p in paragraphs.values()])
    return Pool(cands, paragraphs, articles, language=req.language)


def rescore(pool: Pool, store: Store, req: Request) -> None:
    """Choose each candidate's best sentence window; for the hybrid method, add its evidence to the score."""
    rescored = METHODS[req.method].rescored
    words = speaker_words(req.question) if rescored else []
    speaker, head = set(words), speaker_head(words)
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
        end = with_qualifier(para, start, end)
        pool.windows[c.pid] = (start, end, c.coverage)
        prior = W_LEAD * math.exp(-(para.ordinal - 1) / LEAD_DECAY)
        if kind is not None and has_answer_type(para.text[start:end], kind, req.question):
            prior += W_ANSWER_TYPE
            pool.typed.add(c.pid)
        c.score += W_COVERAGE * c.coverage + prior
        c.prior += prior
        if speaker and attributed_to(para.text, speaker, head):
            c.attributed = True
            c.score += W_ATTRIBUTION
        if c.pid in captions:
            c.score *= CAPTION_PENALTY
            c.prior *= CAPTION_PENALTY
    if rescored:  # a "what did X say" question: X's own statements first, then the rest by score
        first = bool(asked_speaker(req.question))
        pool.cands.sort(key=lambda c: (first and not c.attributed, -c.score, c.pid))


def evidence(c: Candidate) -> float:
    """What the relevance bar reads: the score without the priors (lead, answer type, article centroid)."""
    return c.score - c.prior


def best_evidence(pool: Pool) -> float:
    """The best quote's evidence: what every quote's margin is measured from."""
    return max((evidence(c) for c in pool.cands if c.pid in pool.windows), default=0.0)


def relevant(c: Candidate, first: bool, method: str, bar: Bar = MINILM, best: float | None = None) -> bool:
    """The relevance bar of one passage (``relevance.py``): an absolute floor on its evidence, a close meaning or the
    rare terms for the first quote, and within ``bar.margin`` of the ``best`` quote's evidence. Priors
    (``Candidate.prior``) rank passages but never make one relevant."""
    if not METHODS[method].rescored:
        return True
    ev = evidence(c)
    if best is not None and ev < best - bar.margin:
        return False
    if not first:
        return ev >= bar.min_follow
    return ev >= bar.min_score and (c.dense >= bar.min_dense or c.coverage >= bar.min_coverage)


def features(pool: Pool, store: Store, req: Request, c: Candidate, best: float) -> list[float]:
    """The answerability and label models' features of ``c`` (``relevance.FEATURES``), read from the pool."""
    para = pool.paragraphs[c.pid]
    article = para.article_id
    depth = [x for x in pool.cands[:FEATURE_DEPTH] if x.pid in pool.paragraphs]
    other = max((evidence(x) for x in depth if pool.paragraphs[x.pid].article_id != article), default=0.0)
    coverage = pool.article_coverage(store, article, req.weights)
    return feature_row(
        evidence=evidence(c),
        dense=c.dense,
        coverage=c.coverage,
        article_coverage=coverage,
        missing=missing_share(req.weights, pool.article_tokens[article]),
        typed=c.pid in pool.typed,
        asks_type=answer_type(req.question) is not None,
        best=best,
        other_article=other,
        dense_rank=c.dense_rank,
        lex_rank=c.lex_rank,
        articles_top10=len({pool.paragraphs[x.pid].article_id for x in depth[:10]}),
        terms=len(req.weights),
    )


def covered(pool: Pool, store: Store, req: Request, c: Candidate, article_id: str) -> bool:
    """The article-coverage gate of the first quote: its story names enough of what the question asks about."""
    return (
        c.foreign  # another script: the question's words cannot be found there
        or len(req.weights) < GATE_MIN_TERMS
        or pool.article_coverage(store, article_id, req.weights) >= MIN_ARTICLE_COVERAGE
    )


@dataclass
class Selection:
    quotes: list[Quote] = field(default_factory=list)
    misses: list[Quote] = field(default_factory=list)
    dropped: int = 0
    about: bool = False  # the question's speaker is quoted nowhere: only passages that mention them are shown
    answerability: float | None = None  # the answerability model's probability for the first passing passage


def select_quotes(pool: Pool, store: Store, req: Request) -> Selection:
    """Walk the pool best first: relevant, verified, not a repeat, within the per-article cap. The first quote also
    decides whether there is an answer at all (the bar's answerability model), once."""
    copies = store.copies_of(list(pool.articles), req.scopes)
    sel = Selection()
    shown = Collapser()
    per: dict[str, int] = {}
    rescored = METHODS[req.method].rescored
    asked = asked_speaker(req.question) if rescored else None
    speaker = set(speaker_words(req.question)) if asked else set()  # the words ``rescore`` attributed by
    best = best_evidence(pool) if rescored else None
    bar = req.bar
    for c in pool.cands:
        para = pool.paragraphs.get(c.pid)
        if para is None or c.pid not in pool.windows:
            continue
        article = pool.articles[para.article_id]
        start, end, _ = pool.windows[c.pid]
        quote = span_quote(para, article, start, end, c.score)
        quote.evidence = round(evidence(c), 4)
        quote.also_in = list(copies.get(article.id, []))
        first = not sel.quotes
        if not relevant(c, first, req.method, bar, best) or (
            first and rescored and not covered(pool, store, req, c, article.id)
        ):
            if len(sel.misses) < NEAREST_MISSES:
                sel.misses.append(quote)
            continue
        x = features(pool, store, req, c, best) if first and rescored else None
        p = bar.answerable.p(x) if x is not None and bar.answerable is not None else None
        if p is not None:
            sel.answerability = round(p, 4)  # shown in --json; the decision reads the unrounded value
        if p is not None and p < bar.answer_threshold:
            sel.misses.insert(0, quote)  # the nearest passage, judged not to answer: no answer at all
            del sel.misses[NEAREST_MISSES:]
            break
        if speaker:
            if first:  # statements come first: if the best is not one, the speaker is quoted nowhere
                sel.about = not c.attributed
            if sel.about and not speaker & set(tokenize([para.text])[0]):
                continue  # not even about the speaker
            quote.attributed = c.attributed
        if not is_verbatim(store, quote, "an answer's quote"):
            sel.dropped += 1
            continue
        if shown.absorbed(quote, article) is not None:
            continue
        if req.per_article and per.get(article.id, 0) >= req.per_article:
            continue
        per[article.id] = per.get(article.id, 0) + 1
        shown.keep(quote)
        quote.confidence = confidence(x, req.method, bar)
        sel.quotes.append(quote)
        if len(sel.quotes) >= req.offset + req.k:
            break
    return sel


def confidence(x: list[float] | None, method: str, bar: Bar) -> str | None:
    """The calibrated label of a shown quote (None for the bare baselines, which the evaluation scores): "strong
    match" for a first quote (``x``: its features) the label model rates likely right, "related" otherwise."""
    if not METHODS[method].rescored:
        return None
    if x is None or bar.label is None:
        return RELATED
    return STRONG if bar.label.p(x) >= bar.strong else RELATED


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
        speaker=asked_speaker(req.question) if METHODS[req.method].rescored else None,
        speaker_quoted=(not sel.about)
        if sel.quotes and any(q.attributed is not None for q in sel.quotes)
        else None,
        language=language,
        answerability=sel.answerability,
    )
