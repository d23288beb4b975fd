"""Timeline answers: "how did X change over time" as the matching passages in date order, oldest first.

A timeline is an ``Answer`` re-ordered, not a second retrieval path: the passages come from ``Newsdesk.ask`` (the
same hybrid retrieval, filters and scopes, the same relevance bar, every quote verified against the stored
paragraph and syndicated copies already collapsed into ``also_in``), with a larger ``k``. Re-using the answer stage
keeps one definition of "a passage that answers"; what this module adds is the ordering by the article's date,
one entry per passage, and the undated passages kept apart (a timeline never invents a date for them).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from index.models import Answer, Quote

log = logging.getLogger(__name__)

# Passages a timeline asks for by default: enough for a month of a developing story, few enough to read.
DEFAULT_TIMELINE_K = 20


@dataclass
class TimelineEntry:
    """One dated passage: the day it was first published (the article's, or its earliest copy's) and the quote."""

    date: str  # YYYY-MM-DD
    quote: Quote

    def to_dict(self) -> dict[str, Any]:
        return {**self.quote.to_dict(), "date": self.date, "published": self.quote.date}


@dataclass
class Timeline:
    """The passages that answer a question, oldest first, with the undated ones listed apart."""

    question: str
    entries: list[TimelineEntry] = field(default_factory=list)
    undated: list[Quote] = field(default_factory=list)
    no_answer: bool = False
    searched: dict[str, Any] = field(default_factory=dict)
    dropped_unverified: int = 0

    @property
    def days(self) -> list[tuple[str, list[TimelineEntry]]]:
        """The entries grouped by day, oldest day first (what the renderers draw)."""
        groups: dict[str, list[TimelineEntry]] = {}
        for entry in self.entries:
            groups.setdefault(entry.date, []).append(entry)
        return list(groups.items())

    @property
    def first(self) -> str | None:
        return self.entries[0].date if self.entries else None

    @property
    def last(self) -> str | None:
        return self.entries[-1].date if self.entries else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "no_answer": self.no_answer,
            "first": self.first,
            "last": self.last,
            "entries": [e.to_dict() for e in self.entries],
            "undated": [q.to_dict() for q in self.undated],
            "searched": self.searched,
        }


def entry_date(quote: Quote) -> str | None:
    """The day a passage was first seen: the earliest date among its article and the copies that carried it."""
    dates = [d[:10] for d in [quote.date, *(r.date for r in quote.also_in)] if d]
    return min(dates) if dates else None


def timeline_from(answer: Answer) -> Timeline:
    """Order an answer's verified quotes by date (oldest first; the better passage first within a day)."""
    timeline = Timeline(
        question=answer.question,
        no_answer=answer.no_answer,
        searched=answer.searched,
        dropped_unverified=answer.dropped_unverified,
    )
    ranked = {id(q): rank for rank, q in enumerate(answer.quotes)}
    dated: list[TimelineEntry] = []
    for quote in answer.quotes:
        day = entry_date(quote)
        if day is None:
            timeline.undated.append(quote)
        else:
            dated.append(TimelineEntry(day, quote))
    dated.sort(key=lambda e: (e.date, e.quote.date or "", ranked[id(e.quote)]))
    timeline.entries = dated
    log.info(
        "timeline for %r: %d dated, %d undated passages",
        answer.question,
        len(timeline.entries),
        len(timeline.undated),
    )
    return timeline
