"""Tracked questions and the alerts they fire: plain data that the CLI, the bot and the evaluation render.

``Alert.to_dict`` is the JSON contract of ``--alerts FILE`` and ``--json`` (one object per alert; scripts rely on
its field names: extend, never rename).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from index.models import Quote


class TrackError(ValueError):
    """A tracked-question request that cannot be done (unknown number, over the cap, bad input): one sentence."""


@dataclass
class Tracked:
    """A question asked again of every paragraph stored after it was added ("from now on")."""

    id: int
    question: str
    source: str | None
    scope: str  # '' = every article (CLI); else a Discord server id: shared articles plus that server's own
    channel_id: str | None  # where the bot posts its alerts (None: alerts are only printed by the CLI)
    created_at: str
    created_by: str | None
    active: bool
    last_seq: int  # highest paragraph id already checked for it (the store's sequence)
    checked_at: str | None = None

    @property
    def scopes(self) -> tuple[str, ...] | None:
        """The article scopes it may see (``Filters.scopes`` semantics)."""
        return ("", self.scope) if self.scope else None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Alert:
    """A new passage that answers a tracked question: the verbatim quote, and every outlet that carried it."""

    tracked_id: int
    question: str
    quote: Quote
    outlets: list[str]
    story_key: str
    day: str  # the day it fired (the same-day story rule), in the configured time zone
    fired_at: str
    scope: str = ""
    channel_id: str | None = None
    id: int | None = None  # None for ``track test`` (nothing recorded)
    extra: dict[str, Any] = field(default_factory=dict)
    language: str | None = (
        None  # the tracked question's: a quote in another language says its own, as in answers
    )

    def to_dict(self) -> dict[str, Any]:
        q = self.quote
        return {
            "id": self.id,
            "tracked_id": self.tracked_id,
            "question": self.question,
            "quote": q.text,
            "title": q.title,
            "source": q.source,
            "date": q.date,
            "url": q.url,
            "outlets": self.outlets,
            "also_in": [asdict(r) for r in q.also_in],
            "article_id": q.article_id,
            "paragraph": q.paragraph,
            "paragraph_id": q.paragraph_id,
            "start": q.start,
            "end": q.end,
            "score": q.score,
            "story_key": self.story_key,
            "day": self.day,
            "fired_at": self.fired_at,
            "language": self.language,
            "server": self.scope or None,
            "channel_id": self.channel_id,
        }
