"""Key quotes of a briefing story: sentence windows scored for centrality, news cues and novelty, chosen greedily
without repeats, then cut from the stored paragraph by offsets and verified against a fresh read of it.

Why cues: an analyst skims a briefing for who said what, what was decided and the figures; scene-setting, bare
quotations without their speaker, embedded posts and boilerplate read badly out of context. The cue weights are
small next to centrality (cosine with the story centroid, ~0.6-0.9), so they reorder near-equals only.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import numpy as np

from index.answer.spans import span_quote
from index.answer.verify import verified
from index.briefing.profiles import MINILM, Thresholds
from index.briefing.types import ArticleContent, ArticleItem
from index.models import Paragraph, Quote, SourceRef
from index.store.articles import Store

log = logging.getLogger(__name__)

MAX_QUOTES = 3  # a briefing is skimmed: one to three quotes say what a story is without retelling it
QUOTE_MAX_CHARS = 420  # about three lines of a Discord embed; longer windows read as a paragraph dump
CANDIDATE_PARAGRAPHS = 40  # paragraphs per story whose sentences are scored (cues add at most ~0.3)
QUOTE_KEEP = 0.30  # a second or third quote must score within this of the first
MIN_PARAGRAPH_CHARS = 40  # shorter paragraphs are datelines, bylines and headings, not statements
LEAD_PARAGRAPHS = 2  # the first paragraphs carry the story (inverted pyramid) ...
LEAD_BONUS = 0.05  # ... and get this much on top of their centrality
NOVELTY_WEIGHT = 0.25  # for a developing story, how much being unlike the earlier days' paragraphs counts
REPEAT_WORDS = 0.6  # share of words two quotes may have in common before they are the same wire sentence
SHORT_SENTENCE = 120  # a sentence shorter than this is also tried together with the next one

# Cue points (small next to centrality, ~0.6-0.9, so they only reorder near-equals).
CUE_ATTRIBUTED = 0.12  # who said it: an attribution verb outside quotation marks
CUE_DECISION = 0.08  # what was decided or done
CUE_FIGURE = 0.06  # numbers an analyst will want to cite
CUE_QUOTATION = 0.04  # someone's own words
FRAGMENT_CHARS = 60  # shorter windows are fragments ...
FRAGMENT_PENALTY = 0.25  # ... and lose this much
LONG_PENALTY = 0.10  # a window over QUOTE_MAX_CHARS
SCENE_PENALTY = 0.20  # questions, scene-setting and boilerplate ("Read more", "Sign up")
UNATTRIBUTED_PENALTY = 0.10  # a quotation cut off from its speaker
SOCIAL_PENALTY = 0.30  # embedded posts and links are not statements a briefing should lead with

_ATTRIBUTION = re.compile(
    r"\b(said|says|told|warned|warns|announced|according to|added|stated|confirmed|denied|urged|called for|"
    r"wrote|tweeted|testified|argued|insisted|vowed|pledged|acknowledged|estimated)\b",
    re.IGNORECASE,
)
_DECISION = re.compile(
    r"\b(approved|voted|ruled|signed|ordered|decided|passed|sentenced|charged|banned|indicted|rejected|"
    r"agreed|launched|raised|cut|killed|died|arrested|filed|declared|resigned|elected|won|blocked|struck down|"
    r"suspended|imposed|fired|convicted|released|recalled|cancell?ed)\b",
    re.IGNORECASE,
)
_FIGURE = re.compile(r"\d|\b(million|billion|trillion|percent|thousands?|hundreds?|dozens?)\b", re.IGNORECASE)
_QUOTE_MARK = re.compile(r"[\"“”]")
_SOCIAL = re.compile(r"pic\.twitter\.com|https?://|(^|\s)[@#]\w+|—\s*\w[\w ]*\(@\w+\)")
_WORD = re.compile(r"\w+")
_QUOTED = re.compile(r"[\"“][^\"“”]*[\"”]")
_SCENE = re.compile(
    r"^(on a|it was|as the sun|in the (morning|evening|afternoon)|sign up|click here|read more|watch:|"
    r"this story|this article|follow us|subscribe|copyright|editor's note|\(cnn\)\s*$)",
    re.IGNORECASE,
)


def cue_score(text: str) -> float:
    """How much a sentence window reads like news (a statement, a decision, a figure) rather than scene-setting."""
    score = 0.0
    # Attribution counts outside quotation marks: "said" inside a quotation does not name the speaker.
    attributed = bool(_ATTRIBUTION.search(_QUOTED.sub(" ", text)))
    if attributed:
        score += CUE_ATTRIBUTED
    if _DECISION.search(text):
        score += CUE_DECISION
    if _FIGURE.search(text):
        score += CUE_FIGURE
    if _QUOTE_MARK.search(text):
        score += CUE_QUOTATION
    n = len(text)
    if n < FRAGMENT_CHARS:
        score -= FRAGMENT_PENALTY
    elif n > QUOTE_MAX_CHARS:
        score -= LONG_PENALTY
    stripped = text.strip()
    if stripped.endswith("?") or _SCENE.search(stripped):
        score -= SCENE_PENALTY
    if stripped[:1] in '"“' and not attributed:
        score -= UNATTRIBUTED_PENALTY
    if _SOCIAL.search(stripped):
        score -= SOCIAL_PENALTY
    return score


def _windows(paragraph: Paragraph) -> list[tuple[int, int]]:
    """Candidate spans: each sentence, and a short sentence together with the next one (at most two)."""
    spans = paragraph.sentences or [(0, len(paragraph.text))]
    out = []
    for i, (s, e) in enumerate(spans):
        out.append((s, e))
        if e - s < SHORT_SENTENCE and i + 1 < len(spans) and spans[i + 1][1] - s <= QUOTE_MAX_CHARS:
            out.append((s, spans[i + 1][1]))
    return out


@dataclass
class Candidate:
    """The best sentence window of one paragraph of a story, with its score."""

    content: ArticleContent
    row: int  # paragraph index inside the content
    start: int
    end: int
    score: float
    novel: bool


def candidates(
    contents: list[ArticleContent], centroid: np.ndarray, earlier: np.ndarray | None, t: Thresholds = MINILM
) -> list[Candidate]:
    """Best sentence window of the most central paragraphs, scored by centrality, cues and (if developing) novelty.

    Only the ``CANDIDATE_PARAGRAPHS`` paragraphs with the best centrality-plus-novelty are split into sentence
    windows: cues add at most ~0.3, so paragraphs further down cannot win, and the regexes are the costly part.
    """
    # One matrix product per story (many small ones thrash BLAS threads on a busy two-core machine).
    stacked = np.vstack([c.vectors for c in contents])
    base_all = (stacked @ centroid).tolist()
    prior_all = (stacked @ earlier.T).max(axis=1).tolist() if earlier is not None and len(earlier) else None
    pool: list[tuple[float, ArticleContent, int, bool]] = []
    offset = 0
    for content in contents:
        for row, para in enumerate(content.paragraphs):
            n = offset + row
            if content.caption[row] or len(para.text) < MIN_PARAGRAPH_CHARS:
                continue
            score = base_all[n] + (LEAD_BONUS if para.ordinal <= LEAD_PARAGRAPHS else 0.0)
            novel = True
            if prior_all is not None:
                score += NOVELTY_WEIGHT * (1.0 - prior_all[n])
                novel = prior_all[n] < t.novel_max
            pool.append((score, content, row, novel))
        offset += len(content.paragraphs)
    pool.sort(key=lambda t: (-t[0], t[1].id, t[2]))
    out: list[Candidate] = []
    for score, content, row, novel in pool[:CANDIDATE_PARAGRAPHS]:
        para = content.paragraphs[row]
        cues = {w: cue_score(para.text[w[0] : w[1]]) for w in _windows(para)}
        best = max(cues, key=lambda w: (cues[w], -w[0]))
        out.append(Candidate(content, row, best[0], best[1], score + cues[best], novel))
    out.sort(key=lambda c: (-c.score, c.content.id, c.row))
    return out


def choose_quotes(cands: list[Candidate], developing: bool, t: Thresholds = MINILM) -> list[Candidate]:
    """Greedy choice of one to three quotes: the best first (for a developing story, the best *new* one), then
    the next best that are not near-repeats of what was chosen (other paragraphs, cosine < ``t.repeat_cosine``)."""
    if not cands:
        return []
    first = next((c for c in cands if c.novel), cands[0]) if developing else cands[0]
    chosen = [first]
    for cand in cands:
        if len(chosen) >= MAX_QUOTES or cand.score < first.score - QUOTE_KEEP:
            break
        if any(c.content.id == cand.content.id and c.row == cand.row for c in chosen):
            continue
        v = cand.content.vectors[cand.row]
        if max(float(v @ c.content.vectors[c.row]) for c in chosen) >= t.repeat_cosine:
            continue
        if any(_overlap(cand, c) >= REPEAT_WORDS for c in chosen):  # the same sentence carried by two outlets
            continue
        chosen.append(cand)
    return chosen


def _overlap(a: Candidate, b: Candidate) -> float:
    """Share of the shorter quote's words that the other one has too."""
    wa = set(_WORD.findall(a.content.paragraphs[a.row].text[a.start : a.end].lower()))
    wb = set(_WORD.findall(b.content.paragraphs[b.row].text[b.start : b.end].lower()))
    return len(wa & wb) / max(1, min(len(wa), len(wb)))


def make_quote(cand: Candidate, item: ArticleItem, also_in: list[SourceRef]) -> Quote:
    """The quote of a candidate, cut from its paragraph by offsets; ``item`` is the window article carrying the
    text (the canonical, or its copy) and ``also_in`` the other outlets that carried it."""
    return span_quote(cand.content.paragraphs[cand.row], item, cand.start, cand.end, cand.score, also_in)


def verify_quotes(store: Store, quotes: list[Quote]) -> tuple[list[Quote], int]:
    """Keep the quotes whose text is exactly their span of the stored paragraph, read afresh now."""
    kept = verified(store, quotes, "a briefing's quote")
    return kept, len(quotes) - len(kept)
