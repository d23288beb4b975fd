"""What a poll did, item by item and feed by feed: the record ``feed_store`` writes and front ends summarise.

Kept apart from ``polling`` (which produces these) and ``feed_store`` (which records them) so that both depend on
it and not on each other. ``PollReport.summary()`` and ``FeedPollResult.summary()`` are the sentences front ends
show (from the message catalogue), so a poll of thousands of items reads as counts, not as a list.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from index.messages import say


class ItemStatus(StrEnum):
    """What happened to one feed item (stored in ``feed_items.status``)."""

    ADDED = "added"
    DUPLICATE = "duplicate"  # indexed as a copy of a story already indexed
    UNCHANGED = "unchanged"  # already indexed (same URL, canonical URL or text); nothing new
    SKIPPED = "skipped"
    FAILED = "failed"  # neither the page nor the feed's text could be indexed (retried on a few polls)
    DEFERRED = "deferred"  # over the per-poll cap: left for the next poll


SKIPPED = (ItemStatus.DUPLICATE, ItemStatus.UNCHANGED, ItemStatus.SKIPPED)


class FeedPollStatus(StrEnum):
    OK = "ok"
    NOT_MODIFIED = "not_modified"  # the feed answered 304 to our ETag / Last-Modified
    ERROR = "error"


@dataclass
class ItemOutcome:
    guid: str
    link: str | None
    title: str
    status: ItemStatus | None = None  # None until the item has been handled
    reason: str | None = None
    article_id: str | None = None
    fetched: bool = False  # whether the item's page was requested


@dataclass
class FeedPollResult:
    feed_id: int
    url: str
    status: FeedPollStatus = FeedPollStatus.OK
    error: str | None = None
    entries: int = 0  # items in the feed document
    seen: int = 0  # items already handled on an earlier poll (not fetched again)
    items: list[ItemOutcome] = field(default_factory=list)
    feed_http: int | None = None  # the feed request's final HTTP status (200, 304); None when it failed
    deferred: int = 0  # new items left for the next poll (over the per-poll cap)

    def count(self, *statuses: str) -> int:
        return sum(1 for i in self.items if i.status in statuses)

    @property
    def added(self) -> int:
        return self.count(ItemStatus.ADDED)

    @property
    def pages_fetched(self) -> int:
        return sum(1 for i in self.items if i.fetched)

    def summary(self) -> str:
        """One line for this feed: its error, "not modified", or what its items became."""
        if self.status == FeedPollStatus.ERROR:
            return say("feeds_poll_feed_error", f=self)
        if self.status == FeedPollStatus.NOT_MODIFIED:
            return say("feeds_poll_feed_not_modified", f=self)
        return say(
            "feeds_poll_feed_line",
            f=self,
            copies=self.count(ItemStatus.DUPLICATE),
            skipped=self.count(ItemStatus.UNCHANGED, ItemStatus.SKIPPED),
            failed=self.count(ItemStatus.FAILED),
        )


@dataclass
class PollReport:
    feeds: list[FeedPollResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def added(self) -> int:
        return sum(f.added for f in self.feeds)

    @property
    def skipped(self) -> int:
        return sum(f.count(*SKIPPED) for f in self.feeds)

    @property
    def failed(self) -> int:
        return sum(f.count(ItemStatus.FAILED) for f in self.feeds)

    @property
    def deferred(self) -> int:
        """New items left for later polls across the feeds (a feed dumping thousands is indexed over polls)."""
        return sum(f.deferred for f in self.feeds)

    @property
    def seen(self) -> int:
        return sum(f.seen for f in self.feeds)

    @property
    def errors(self) -> list[FeedPollResult]:
        return [f for f in self.feeds if f.status == FeedPollStatus.ERROR]

    @property
    def pages_fetched(self) -> int:
        return sum(f.pages_fetched for f in self.feeds)

    def summary(self) -> str:
        """The poll in one sentence: added, skipped, failed, deferred and failing feeds, as counts."""
        if not self.feeds:
            return say("feeds_poll_nothing_due")
        return say(
            "feeds_poll_summary",
            r=self,
            feeds=len(self.feeds),
            errors=len(self.errors),
            seconds=f"{self.seconds:.1f}",
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 3),
            "added": self.added,
            "skipped": self.skipped,
            "failed": self.failed,
            "deferred": self.deferred,
            "pages_fetched": self.pages_fetched,
            "summary": self.summary(),
            "feeds": [asdict(f) | {"added": f.added, "pages_fetched": f.pages_fetched} for f in self.feeds],
        }
