"""What a poll did, item by item and feed by feed: the record ``feed_store`` writes and front ends summarise.

Kept apart from ``feeds`` (which produces these) and ``feed_store`` (which records them) so that both depend on
it and not on each other.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class ItemOutcome:
    guid: str
    link: str | None
    title: str
    status: str  # added | duplicate (a copy of a story already indexed) | unchanged | failed | deferred
    reason: str | None = None
    article_id: str | None = None
    fetched: bool = False  # whether the item's page was requested


@dataclass
class FeedPollResult:
    feed_id: int
    url: str
    status: str  # ok | not_modified | error
    error: str | None = None
    entries: int = 0  # items in the feed document
    seen: int = 0  # items already handled on an earlier poll (not fetched again)
    items: list[ItemOutcome] = field(default_factory=list)
    feed_http: int | None = None  # the feed request's final HTTP status (200, 304); None when it failed
    deferred: int = 0  # new items left for the next poll (over MAX_NEW_PER_POLL)

    def count(self, *statuses: str) -> int:
        return sum(1 for i in self.items if i.status in statuses)

    @property
    def added(self) -> int:
        return self.count("added")

    @property
    def pages_fetched(self) -> int:
        return sum(1 for i in self.items if i.fetched)


@dataclass
class PollReport:
    feeds: list[FeedPollResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def added(self) -> int:
        return sum(f.added for f in self.feeds)

    @property
    def skipped(self) -> int:
        return sum(f.count("duplicate", "unchanged", "skipped") for f in self.feeds)

    @property
    def failed(self) -> int:
        return sum(f.count("failed") for f in self.feeds)

    @property
    def errors(self) -> list[FeedPollResult]:
        return [f for f in self.feeds if f.status == "error"]

    @property
    def pages_fetched(self) -> int:
        return sum(f.pages_fetched for f in self.feeds)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 3),
            "added": self.added,
            "skipped": self.skipped,
            "failed": self.failed,
            "pages_fetched": self.pages_fetched,
            "feeds": [asdict(f) | {"added": f.added, "pages_fetched": f.pages_fetched} for f in self.feeds],
        }
