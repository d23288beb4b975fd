"""The one check before any quote is shown — in answers, briefings, alerts, timelines and who-said-what alike.

A quote is a span (paragraph id, start, end) first and text second. Before it is shown, its paragraph is read
afresh from the store and the quote must be exactly that paragraph's characters [start:end], and the paragraph
unchanged since it was indexed (its checksum, recorded at ingest, matches). A quote that fails is dropped and
logged, never shown.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from index.models import Paragraph, Quote
from index.text import checksum

log = logging.getLogger(__name__)


class ParagraphReader(Protocol):
    """What verification reads from the store."""

    def paragraphs(self, ids: Sequence[int]) -> dict[int, Paragraph]: ...
    def checksums(self, ids: Sequence[int]) -> dict[int, str]: ...


def matches(text: str, start: int, end: int, stored: Paragraph | None, stored_checksum: str | None) -> bool:
    """True only when ``text`` is exactly the stored paragraph's characters [start:end] and the paragraph is
    unchanged since it was indexed (its checksum matches)."""
    if stored is None or not text.strip():
        return False
    if not (0 <= start < end <= len(stored.text)):
        return False
    if stored.text[start:end] != text:
        return False
    return stored_checksum is None or checksum(stored.text) == stored_checksum


def verified(store: ParagraphReader, quotes: Sequence[Quote], what: str = "quote") -> list[Quote]:
    """The quotes that are verbatim spans of their stored paragraphs, read afresh now (order kept); each one that
    is not is logged, naming ``what`` it was (an answer's quote, a briefing's, an alert's, a statement)."""
    if not quotes:
        return []
    ids = list(dict.fromkeys(q.paragraph_id for q in quotes))
    stored, sums = store.paragraphs(ids), store.checksums(ids)
    kept = []
    for q in quotes:
        if matches(q.text, q.start, q.end, stored.get(q.paragraph_id), sums.get(q.paragraph_id)):
            kept.append(q)
        else:
            log.warning("%s from paragraph %s failed verification and was dropped", what, q.paragraph_id)
    return kept


def is_verbatim(store: ParagraphReader, quote: Quote, what: str = "quote") -> bool:
    """``verified`` for one quote (the answer stage checks each one as it walks the ranked pool)."""
    return bool(verified(store, [quote], what))
