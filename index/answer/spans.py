"""Quote spans: which one to three consecutive sentences of a paragraph answer best, and the ``Quote`` of a span.

A quote is a span (paragraph id, start, end) first and text second: the text is always cut from the stored
paragraph by its offsets (``span_quote``), and checked again before it is shown (``verify``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from index.models import Paragraph, Quote, SourceRef

# Window length: a negative cost prefers up to three sentences around the match (measured on NewsQA dev:
# quote hit@5 0.613 at -0.05 vs 0.581 at +0.02; the answer is often in the sentence next to the one that matches).
EXTRA_SENTENCE_COST = -0.05
MAX_SENTENCES = 3


def coverage(tokens: set[str], query: dict[str, float]) -> float:
    total = sum(query.values())
    if total <= 0:
        return 0.0
    return sum(w for t, w in query.items() if t in tokens) / total


# A statement is never shown without the sentence that takes it back or qualifies it ("Egeland later recanted his
# statement"): such a sentence later in the same paragraph joins the window.
QUALIFIER = re.compile(
    r"\b(?:recant\w*|retract\w*|den(?:ied|ies|ying)|correct(?:ed|ion|ing)|clarif(?:ied|ies|ying|ication)"
    r"|backtrack\w*|walked back|withdr(?:ew|awn))\b",
    re.IGNORECASE,
)


def with_qualifier(paragraph: Paragraph, start: int, end: int) -> int:
    """The window's end, moved to the end of the first later sentence of the paragraph that recants, denies,
    retracts, corrects or clarifies (``QUALIFIER``); ``end`` when there is none."""
    for s, e in paragraph.sentences:
        if s >= end and QUALIFIER.search(paragraph.text, s, e):
            return e
    return end


def best_window(
    paragraph: Paragraph,
    query_weights: dict[str, float],
    tokenize: Callable[[list[str]], list[list[str]]],
) -> tuple[int, int, float]:
    """(start, end, coverage) of the best run of 1-3 consecutive sentences.

    Windows are scored by the idf-weighted share of the question's terms they contain, minus a cost per extra
    sentence; among equal scores the earlier window wins.
    """
    spans = paragraph.sentences or [(0, len(paragraph.text))]
    if len(spans) == 1:
        sent_tokens = [set(tokenize([paragraph.text])[0])]
        return spans[0][0], spans[0][1], coverage(sent_tokens[0], query_weights)
    sent_tokens = [set(t) for t in tokenize([paragraph.text[s:e] for s, e in spans])]
    best: tuple[float, int, int] | None = None
    best_cov = 0.0
    for i in range(len(spans)):
        union: set[str] = set()
        for j in range(i, min(i + MAX_SENTENCES, len(spans))):
            union |= sent_tokens[j]
            cov = coverage(union, query_weights)
            size = j - i + 1
            key = (cov - EXTRA_SENTENCE_COST * (size - 1), -i, -size)
            if best is None or key > best:
                best = key
                best_cov = cov
                start, end = spans[i][0], spans[j][1]
    return start, end, best_cov


def span_quote(para: Paragraph, src, start: int, end: int, score: float, also_in=None) -> Quote:
    """The Quote for characters [start:end] of a stored paragraph; ``src`` is the article it is shown under
    (anything with id, title, source, date and url)."""
    return Quote(
        text=para.text[start:end],
        article_id=src.id,
        title=src.title,
        source=src.source,
        date=src.date,
        url=src.url,
        paragraph=para.ordinal,
        paragraph_id=para.id,
        start=start,
        end=end,
        score=round(float(score), 4),
        also_in=list(also_in or []),
        language=getattr(src, "language", None),
    )


def source_ref(src) -> SourceRef:
    return SourceRef(src.id, src.source, src.title, src.url, src.date)
