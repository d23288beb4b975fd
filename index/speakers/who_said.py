"""Who said what: a speaker's statements, newest first, each a verified verbatim sentence with its source.

The speakers table (``store_speakers``) is caught up from the store before a question is answered (``catch_up``:
only paragraphs stored since the last time are read, so the first call backfills an existing index and later ones
cost a couple of queries). A name asked for matches every stored speaker whose name holds all its words ("Kishida"
→ "Fumio Kishida") and a bare surname stored from an article that never gave the full name. ``about`` keeps the
statements on a topic: the dense similarity of the statement's paragraph to the topic (its stored vector) or the
topic's rare words in the sentence itself, the same two kinds of evidence the answer's relevance bar uses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from index.answer.spans import coverage, span_quote, with_qualifier
from index.answer.verify import is_verbatim
from index.models import Filters, Quote
from index.retrieval.lexical import LexicalIndex
from index.speakers.mentions import EXTRACTOR_VERSION, extract, speaker_key, split_run
from index.store.articles import Store
from index.text import tokenize

log = logging.getLogger(__name__)

CATCH_UP_ARTICLES = 200  # articles read per transaction while catching up (short write locks)
MAX_STATEMENTS = 50
SCAN_LIMIT = 500  # mentions read for one question before the topic filter and the limit
# "about": the statement's paragraph is semantically close to the topic, or the sentence holds its rare words.
ABOUT_MIN_DENSE = 0.35
ABOUT_MIN_COVERAGE = 0.5
W_DENSE, W_COVERAGE = 0.6, 0.4
_QUERY_NOISE = {"the", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "dr", "dr."}


@dataclass
class Statement:
    """One sentence attributed to ``speaker``, cut from the stored paragraph and verified."""

    quote: Quote
    speaker: str  # the canonical name ("Fumio Kishida")
    phrase: str  # how the article named them there ("the prime minister")

    def to_dict(self) -> dict[str, Any]:
        return {**self.quote.to_dict(), "speaker": self.speaker, "phrase": self.phrase}


@dataclass
class SpeakerQuotes:
    """What a speaker said (newest first), or an empty list with the names that were looked for."""

    speaker: str  # as asked
    speakers: list[str] = field(default_factory=list)  # the stored names it matched
    statements: list[Statement] = field(default_factory=list)
    about: str | None = None
    filters: dict[str, Any] = field(default_factory=dict)
    dropped_unverified: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "speaker": self.speaker,
            "speakers": self.speakers,
            "about": self.about,
            "filters": self.filters,
            "statements": [s.to_dict() for s in self.statements],
        }


def catch_up(store: Store) -> int:
    """Read the paragraphs stored since the last call for speakers; returns how many articles were read."""
    store.reset_stale_speakers(EXTRACTOR_VERSION)
    done = 0
    while True:
        since = store.speaker_position()
        top, tomb = store.positions()
        ids, last = store.articles_with_paragraphs_after(since[0], CATCH_UP_ARTICLES)
        if not ids and tomb == since[1]:
            return done
        rows, keys = [], {}
        for article_id in ids:
            for m in extract(store.article_paragraphs(article_id)):
                if m.paragraph_id > since[0]:
                    rows.append((m.paragraph_id, m.speaker, m.start, m.end, m.phrase))
                    keys[m.speaker] = speaker_key(m.speaker)
        if not store.add_speaker_mentions(rows, keys, since, (max(last, since[0]), tomb)):
            continue  # another process moved the position meanwhile: read from where it is now
        done += len(ids)
        if not ids:
            return done
        log.info("speakers: read %d articles up to paragraph %d (%d statements)", len(ids), last, len(rows))


def match_speakers(store: Store, asked: str) -> list[tuple[int, str]]:
    """Stored speakers the asked name means: all its name words, or its surname stored on its own."""
    words = [w for w in speaker_key(asked).split() if w not in _QUERY_NOISE]
    _, name = split_run(words)
    name_words = name.split() or words
    found = dict(store.speakers_matching(name_words))
    if name_words:
        for sid, stored in store.speakers_matching(name_words[-1:]):
            if len(stored.split()) == 1:
                found[sid] = stored
    return sorted(found.items(), key=lambda item: item[1])


def statement_count(store: Store, asked: str, filters: Filters, limit: int = 100) -> int | None:
    """How many statements of the speaker ``asked`` names the who-said-what index holds under ``filters`` (at most
    ``limit``; one query on its tables). None when that index cannot say "none": it has not read everything stored
    (``ask`` never catches it up: that is a write, which the bot's loop and ``quotes`` do), or ``asked`` is a role
    or a body without a name ("the ambassador", "the UN"), which it does not hold as a speaker of its own."""
    if not store.speakers_read_all(EXTRACTOR_VERSION):
        return None
    words = [w for w in speaker_key(asked).split() if w not in _QUERY_NOISE]
    if not split_run(words)[1]:
        return None
    matched = match_speakers(store, asked)
    where, params = store.filter_sql(filters)
    return len(store.speaker_mentions([sid for sid, _ in matched], where, params, limit))


@dataclass
class Topic:
    """The ``about`` topic ready for scoring: its vector and the idf weights of its words."""

    vector: np.ndarray
    weights: dict[str, float]
    min_dense: float = ABOUT_MIN_DENSE  # the model's (``profiles.Bar.min_about_dense``)


def topic_score(topic: Topic, pid: int, sentence: str, vectors: dict[int, np.ndarray]) -> float:
    """0 when the statement is not about the topic; else the blend of meaning and rare-word evidence."""
    dense = float(vectors[pid] @ topic.vector) if pid in vectors else 0.0
    cov = coverage(set(tokenize([sentence])[0]), topic.weights)
    if dense < topic.min_dense and cov < ABOUT_MIN_COVERAGE:
        return 0.0
    return W_DENSE * dense + W_COVERAGE * cov


def statements_by(
    store: Store,
    asked: str,
    filters: Filters,
    limit: int = 10,
    topic: Topic | None = None,
) -> SpeakerQuotes:
    """The verified statements of the speaker ``asked`` names, newest first (see the module docstring)."""
    matched = match_speakers(store, asked)
    result = SpeakerQuotes(asked, [name for _, name in matched], filters=filters.describe())
    where, params = store.filter_sql(filters)
    rows = store.speaker_mentions([sid for sid, _ in matched], where, params, SCAN_LIMIT)
    paragraphs = store.paragraphs(list({r["paragraph_id"] for r in rows}))
    articles = store.articles([p.article_id for p in paragraphs.values()])
    copies = store.copies_of(list(articles), filters.scopes)
    vectors: dict[int, np.ndarray] = {}
    if topic is not None and paragraphs:
        ids, vecs = store.vectors(list(paragraphs))
        vectors = dict(zip(ids.tolist(), vecs, strict=True))
    seen: set[tuple[int, int]] = set()
    for r in rows:
        para = paragraphs.get(r["paragraph_id"])
        if para is None or (para.id, r["start"]) in seen:
            continue
        text = para.text[r["start"] : r["end"]]
        score = topic_score(topic, para.id, text, vectors) if topic else 0.0
        if topic is not None and score <= 0:
            continue
        end = with_qualifier(para, r["start"], r["end"])  # never without the sentence that recants it
        quote = span_quote(para, articles[para.article_id], r["start"], end, score)
        if not is_verbatim(store, quote, "a statement"):  # a fresh read, not the one the quote was cut from
            result.dropped_unverified += 1
            continue
        quote.also_in = list(copies.get(para.article_id, []))
        seen.add((para.id, r["start"]))
        result.statements.append(Statement(quote, r["speaker"], r["phrase"]))
        if len(result.statements) >= limit:
            break
    return result


def topic_of(
    about: str, lexical: LexicalIndex, vector: np.ndarray, min_dense: float = ABOUT_MIN_DENSE
) -> Topic:
    return Topic(vector, lexical.weights(tokenize([about])[0]), min_dense)
