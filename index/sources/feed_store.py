"""SQLite side of the feed registry: tables ``feeds`` and ``feed_items`` in the store's database.

Kept apart from ``feeds.py`` (the polling logic) so the SQL is in one place. All functions are synchronous and
take the ``Store``; async callers run them through ``asyncio.to_thread`` because the store's lock can be held by
an ingest in another thread.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from index.sources.report import ItemOutcome
from index.store import Store
from index.validate import now_iso

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS feeds (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        url TEXT NOT NULL,
        scope TEXT NOT NULL DEFAULT '',
        every_seconds INTEGER NOT NULL DEFAULT 900,
        title TEXT,
        etag TEXT,
        last_modified TEXT,
        last_polled TEXT,
        last_success TEXT,
        last_error TEXT,
        last_error_at TEXT,
        warning TEXT,
        added INTEGER NOT NULL DEFAULT 0,
        skipped INTEGER NOT NULL DEFAULT 0,
        failed INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        UNIQUE(url, scope)
    )""",
    """CREATE TABLE IF NOT EXISTS feed_items (
        feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        guid TEXT NOT NULL,
        link TEXT,
        title TEXT,
        status TEXT NOT NULL,
        reason TEXT,
        article_id TEXT,
        attempts INTEGER NOT NULL DEFAULT 1,
        seen_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (feed_id, guid)
    )""",
    "CREATE INDEX IF NOT EXISTS feed_items_link ON feed_items(link)",
)


@dataclass
class FeedInfo:
    id: int
    url: str
    scope: str
    every_seconds: int
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
    def healthy(self) -> bool:
        """False when the latest poll failed (an error newer than the last success)."""
        return not self.last_error_at or bool(self.last_success and self.last_success >= self.last_error_at)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"healthy": self.healthy}


@dataclass
class ItemRecord:
    guid: str
    link: str | None
    title: str | None
    status: str
    reason: str | None
    article_id: str | None
    attempts: int
    seen_at: str
    updated_at: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> ItemRecord:
        return cls(**{k: row[k] for k in cls.__dataclass_fields__})


@dataclass
class FeedStatus:
    feed: FeedInfo
    items: list[ItemRecord] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"feed": self.feed.to_dict(), "items": [asdict(i) for i in self.items]}


def ensure_schema(store: Store) -> None:
    """Create the feed tables if missing; cheap enough to call before every operation."""
    with store.transaction() as conn:
        for statement in SCHEMA:
            conn.execute(statement)


def get_feed(store: Store, feed_id: int) -> FeedInfo | None:
    rows = store.query("SELECT * FROM feeds WHERE id=?", (feed_id,))
    if not rows:
        return None
    return FeedInfo(**{k: rows[0][k] for k in FeedInfo.__dataclass_fields__})


def due_feeds(
    store: Store, feed_ids: Sequence[int] | None, force: bool, scope: str | None, now: datetime | None = None
) -> list[FeedInfo]:
    """Feeds to poll now: the named ones, or all with ``force``, or those whose interval has elapsed."""
    ensure_schema(store)
    sql, params = "SELECT id FROM feeds", []
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
    feeds = [get_feed(store, r["id"]) for r in store.query(sql + " ORDER BY id", params)]
    if force or feed_ids is not None:
        return [f for f in feeds if f is not None]
    now = now or datetime.now(UTC)
    due = []
    for f in feeds:
        if f is None:
            continue
        if (
            not f.last_polled
            or datetime.fromisoformat(f.last_polled) + timedelta(seconds=f.every_seconds) <= now
        ):
            due.append(f)
    return due


def known_items(store: Store, feed_id: int) -> dict[str, sqlite3.Row]:
    rows = store.query("SELECT guid, status, attempts FROM feed_items WHERE feed_id=?", (feed_id,))
    return {r["guid"]: r for r in rows}


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
    added = sum(1 for o, _ in outcomes if o.status == "added")
    failed = sum(1 for o, _ in outcomes if o.status == "failed")
    skipped = sum(1 for o, _ in outcomes if o.status in ("duplicate", "unchanged", "skipped"))
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
