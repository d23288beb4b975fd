"""SQLite side of the feed registry: tables ``feeds`` and ``feed_items`` in the store's database.

Every query on the feed tables is here (queries on articles and paragraphs are ``Store`` methods). All functions
are synchronous and take the ``Store``; async callers run them through ``asyncio.to_thread`` because the store's
lock can be held by an ingest in another thread.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from index.sources.report import SKIPPED, ItemOutcome, ItemStatus
from index.store.articles import Store
from index.validate import now_iso

DEFAULT_EVERY = 900  # seconds between polls when the admin names no interval (15 minutes)


@dataclass
class FeedInfo:
    """One row of ``feeds``: a registered feed, its HTTP validators, counters and last outcome."""

    id: int
    url: str
    scope: str
    every_seconds: int = DEFAULT_EVERY
    title: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_polled: str | None = None
    last_success: str | None = None
    last_error: str | None = None
    last_error_at: str | None = None
    warning: str | None = None
    added: int = 0
    skipped: int = 0
    failed: int = 0
    created_at: str = ""

    @property
    def next_due(self) -> datetime | None:
        """When the feed is due again (None: never polled, so due now)."""
        if not self.last_polled:
            return None
        return datetime.fromisoformat(self.last_polled) + timedelta(seconds=self.every_seconds)

    @property
    def healthy(self) -> bool:
        """False when the latest poll failed (an error newer than the last success)."""
        return not self.last_error_at or bool(self.last_success and self.last_success >= self.last_error_at)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"healthy": self.healthy}


@dataclass
class ItemRecord:
    """One row of ``feed_items``: an item a poll handled, and why it was not added when it was not."""

    guid: str
    link: str | None
    title: str | None
    status: ItemStatus
    reason: str | None
    article_id: str | None
    attempts: int
    seen_at: str
    updated_at: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> ItemRecord:
        values = {k: row[k] for k in cls.__dataclass_fields__}
        return cls(**values | {"status": ItemStatus(values["status"])})


@dataclass
class FeedStatus:
    """A feed with its most recent items (what ``feeds status`` shows)."""

    feed: FeedInfo
    items: list[ItemRecord] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"feed": self.feed.to_dict(), "items": [asdict(i) for i in self.items]}


def _feed(row: sqlite3.Row) -> FeedInfo:
    return FeedInfo(**{k: row[k] for k in FeedInfo.__dataclass_fields__})


def get_feed(store: Store, feed_id: int) -> FeedInfo | None:
    rows = store.query("SELECT * FROM feeds WHERE id=?", (feed_id,))
    return _feed(rows[0]) if rows else None


def normalise_feed_url(url: str) -> str:
    """The form a feed URL is registered under: scheme and host lower-case, fragment dropped.

    ``HTTP://Example.org/feed`` and ``http://example.org/feed#top`` name the same document as
    ``http://example.org/feed`` (a fragment is never sent to the server), so they are the same feed; the path and
    query keep their case (servers may distinguish it).
    """
    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, ""))


def feeds_in(store: Store, scope: str | None = None) -> list[FeedInfo]:
    """Every feed, or those of ``scope`` ("" = global), by id."""
    sql, params = "SELECT * FROM feeds", tuple[str, ...]()
    if scope is not None:
        sql, params = sql + " WHERE scope=?", (scope,)
    return [_feed(row) for row in store.query(sql + " ORDER BY id", params)]


def feeds_with_url(store: Store, url: str) -> list[FeedInfo]:
    """The feeds registered under ``url`` once both are normalised (in any scope), by id."""
    wanted = normalise_feed_url(url)
    return [f for f in feeds_in(store) if normalise_feed_url(f.url) == wanted]


def insert_feed(store: Store, url: str, scope: str, every_seconds: int) -> tuple[int, bool]:
    """Register ``url`` (normalised) in ``scope``: (its id, True), or (the id already polling it, False)."""
    url = normalise_feed_url(url)
    with store.transaction() as conn:
        for row in conn.execute("SELECT id, url FROM feeds WHERE scope=? ORDER BY id", (scope,)):
            if normalise_feed_url(row["url"]) == url:
                return int(row["id"]), False
        cur = conn.execute(
            "INSERT INTO feeds(url, scope, every_seconds, created_at) VALUES(?, ?, ?, ?)",
            (url, scope, every_seconds, now_iso()),
        )
        return int(cur.lastrowid or 0), True


def delete_feed(store: Store, feed_id: int) -> None:
    """Forget a feed and its item history (articles it added stay indexed)."""
    with store.transaction() as conn:
        conn.execute("DELETE FROM feed_items WHERE feed_id=?", (feed_id,))
        conn.execute("DELETE FROM feeds WHERE id=?", (feed_id,))


def recent_items(store: Store, feed_id: int, limit: int) -> list[ItemRecord]:
    """The feed's most recently handled items, newest first."""
    rows = store.query(
        "SELECT * FROM feed_items WHERE feed_id=? ORDER BY updated_at DESC, rowid DESC LIMIT ?",
        (feed_id, limit),
    )
    return [ItemRecord.from_row(r) for r in rows]


def due_feeds(
    store: Store, feed_ids: Sequence[int] | None, force: bool, scope: str | None, now: datetime | None = None
) -> list[FeedInfo]:
    """Feeds to poll now: the named ones, or all with ``force``, or those whose interval has elapsed."""
    sql, params = "SELECT * FROM feeds", list[int | str]()
    where = []
    if feed_ids is not None:
        ids = [int(i) for i in feed_ids] or [-1]
        where.append(f"id IN ({','.join('?' * len(ids))})")
        params += ids
    if scope is not None:
        where.append("scope=?")
        params.append(scope)
    if where:
        sql += " WHERE " + " AND ".join(where)
    feeds = [_feed(row) for row in store.query(sql + " ORDER BY id", params)]
    if force or feed_ids is not None:
        return feeds
    now = now or datetime.now(UTC)
    return [f for f in feeds if f.next_due is None or f.next_due <= now]


@dataclass(frozen=True)
class KnownItem:
    """What an earlier poll did with an item: whether to try it again depends on this."""

    status: ItemStatus
    attempts: int


def known_items(store: Store, feed_id: int) -> dict[str, KnownItem]:
    rows = store.query("SELECT guid, status, attempts FROM feed_items WHERE feed_id=?", (feed_id,))
    return {r["guid"]: KnownItem(ItemStatus(r["status"]), int(r["attempts"])) for r in rows}


def record_feed_error(store: Store, feed_id: int, message: str) -> None:
    now = now_iso()
    with store.transaction() as conn:
        conn.execute(
            "UPDATE feeds SET last_polled=?, last_error=?, last_error_at=? WHERE id=?",
            (now, message, now, feed_id),
        )


def record_feed_success(
    store: Store,
    feed_id: int,
    title: str | None,
    warning: str | None,
    outcomes: list[tuple[ItemOutcome, int]],
    etag: str | None,
    last_modified: str | None,
) -> None:
    """One transaction: the feed's validators and counters, and one row per item handled in this poll."""
    now = now_iso()
    added = sum(1 for o, _ in outcomes if o.status == ItemStatus.ADDED)
    failed = sum(1 for o, _ in outcomes if o.status == ItemStatus.FAILED)
    skipped = sum(1 for o, _ in outcomes if o.status in SKIPPED)
    with store.transaction() as conn:
        conn.execute(
            "UPDATE feeds SET last_polled=?, last_success=?, etag=?, last_modified=?, title=COALESCE(?, title), "
            "warning=?, added=added+?, skipped=skipped+?, failed=failed+? WHERE id=?",
            (now, now, etag, last_modified, title, warning, added, skipped, failed, feed_id),
        )
        for outcome, attempts in outcomes:
            conn.execute(
                "INSERT INTO feed_items(feed_id, guid, link, title, status, reason, article_id, attempts, seen_at, "
                "updated_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(feed_id, guid) DO UPDATE SET "
                "link=excluded.link, title=excluded.title, status=excluded.status, reason=excluded.reason, "
                "article_id=excluded.article_id, attempts=excluded.attempts, updated_at=excluded.updated_at",
                (
                    feed_id,
                    outcome.guid,
                    outcome.link,
                    outcome.title,
                    outcome.status,
                    outcome.reason,
                    outcome.article_id,
                    attempts,
                    now,
                    now,
                ),
            )
