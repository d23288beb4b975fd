"""The few sentences of a quote that fit a small screen (the bot's first page on a phone), cut only where the
stored text has a sentence boundary, so what is shown is still characters [start:end] of the stored paragraph.

A quote is already the best run of one to three sentences of its paragraph (``spans.best_window``) and may be long;
a phone shows about 1,500 characters for a whole answer. ``excerpt`` keeps the quote whole when it fits the room it
is given, otherwise the run of its sentences that best answers the question (the question's terms it holds, and
what the question asks for: a number for "how many") and fits. A sentence that takes a statement back or qualifies
it ("Egeland later recanted", ``spans.QUALIFIER``) is never left out after the statement it qualifies. Only a
single sentence longer than the hard ``limit`` is cut inside, at a word break (between graphemes when the text has
no spaces), and says so (``cut_after``): the full passage is one click away.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from index.answer.answer_type import answer_type, has_answer_type
from index.answer.spans import MAX_SENTENCES, QUALIFIER
from index.ingest.segment import sentence_spans
from index.models import Quote
from index.text import checksum, tokenize

W_ANSWER_TYPE = 0.1  # the same small bonus the answer stage gives a window holding what the question asks for
_GRAPHEME = regex.compile(r"\X")


@dataclass(frozen=True)
class Excerpt:
    """Characters [start:end] of the quote's stored paragraph (``text``), and whether the quote goes on before or
    after it (where the reader is shown an ellipsis)."""

    text: str
    start: int
    end: int
    cut_before: bool
    cut_after: bool

    @property
    def whole(self) -> bool:
        return not (self.cut_before or self.cut_after)


def quote_digest(text: str) -> str:
    """A short fingerprint of a quote's text: what a stateless "Full passage" button carries to re-check that the
    stored span still reads as quoted (a custom id holds 100 characters, not the quote)."""
    return checksum(text)[:12]


def _sentences(text: str) -> list[tuple[int, int]]:
    return sentence_spans(text) or [(0, len(text))]


def _score(tokens: set[str], asked: set[str], typed: bool) -> float:
    share = len(tokens & asked) / len(asked) if asked else 0.0
    return share + (W_ANSWER_TYPE if typed else 0.0)


def excerpt(quote: Quote, question: str, room: int, limit: int | None = None) -> Excerpt:
    """The best run of the quote's sentences within ``room`` characters (the whole quote when it fits).

    Runs are ranked by the share of the question's terms they hold (plus what the question asks for), then the
    earlier, then the longer. A single sentence that answers better than every run that fits is shown whole, over
    ``room`` (the page then shows fewer quotes); longer than ``limit`` too, it is cut at a word break."""
    text = quote.text
    if len(text) <= room:
        return Excerpt(text, quote.start, quote.end, False, False)
    spans = _sentences(text)
    lang = quote.language
    sent_tokens = [set(t) for t in tokenize([text[s:e] for s, e in spans], lang)]
    asked = set(tokenize([question], lang)[0])
    kind = answer_type(question)
    qualifiers = [i for i, (s, e) in enumerate(spans) if QUALIFIER.search(text, s, e)]
    # Runs that fit compete with single sentences that do not: a run is never chosen for its length over a sentence
    # that answers better (or as well, earlier); then the longest run that fits from the same start.
    best: tuple[tuple[float, int, bool, int], int, int] | None = None
    for i in range(len(spans)):
        union: set[str] = set()
        for j in range(i, min(i + MAX_SENTENCES, len(spans))):
            union |= sent_tokens[j]
            last = max([j, *(q for q in qualifiers if q > j)])  # a statement keeps the sentence qualifying it
            s, e = spans[i][0], spans[last][1]
            fits = e - s <= room
            if not fits and j > i:
                break
            typed = kind is not None and has_answer_type(text[s:e], kind, question)
            tokens = union.union(*sent_tokens[j + 1 : last + 1])
            key = (_score(tokens, asked, typed), -i, fits, j)
            if best is None or key > best[0]:
                best = (key, i, last)
    assert best is not None
    _, first, last = best
    s, e = spans[first][0], spans[last][1]
    if limit is not None and e - s > limit:
        e = s + _word_cut(text[s:e], limit)
    return Excerpt(text[s:e], quote.start + s, quote.start + e, s > 0, e < len(text.rstrip()))


def _word_cut(text: str, limit: int) -> int:
    """The end of the longest prefix within ``limit`` that ends at a word break (else between two graphemes)."""
    space = text.rfind(" ", 0, limit + 1)
    if space > limit // 3:
        return len(text[:space].rstrip())
    cut = 0
    for m in _GRAPHEME.finditer(text):
        if m.end() > limit and cut:
            break
        cut = m.end()
    return cut
