"""The tracked questions and the alert log in SQLite (schema version 3): the SQL of ``index/track``.

Both tables live in the store's database, so every process on a data dir (the bot, cron ``newsdesk poll``, an
admin's CLI) shares them, and SQLite's write lock (``BEGIN IMMEDIATE``) serialises what must not race: moving a
question's sequence forward together with the alerts of that range, and claiming an alert for delivery.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from index.language import question_language
from index.models import Quote, SourceRef
from index.store.articles import Store
from index.track.models import Alert, Tracked

log = logging.getLogger(__name__)


def _tracked(row: sqlite3.Row) -> Tracked:
    return Tracked(
        id=row["id"],
        question=row["question"],
        source=row["source"],
        scope=row["scope"],
        channel_id=row["channel_id"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        active=bool(row["active"]),
        last_seq=row["last_seq"],
        checked_at=row["checked_at"],
    )


def insert_tracked(
    store: Store,
    question: str,
    source: str | None,
    scope: str,
    channel_id: str | None,
    created_by: str | None,
    now: str,
    max_active: int | None = None,
) -> Tracked | None:
    """Add a question whose sequence starts at the store's head ("from now on"); None when ``scope`` already
    has ``max_active`` active questions (checked under the write lock, so two adds cannot both pass the cap)."""
    with store.transaction() as conn:
        if max_active is not None:
            n = conn.execute("SELECT COUNT(*) FROM tracked WHERE scope=? AND active=1", (scope,)).fetchone()[
                0
            ]
            if n >= max_active:
                return None
        head = conn.execute(
            "SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name='paragraphs'"
        ).fetchone()[0]
        cur = conn.execute(
            "INSERT INTO tracked(question, source, scope, channel_id, created_at, created_by, last_seq) "
            "VALUES(?, ?, ?, ?, ?, ?, ?)",
            (question, source, scope, channel_id, now, created_by, int(head)),
        )
        row = conn.execute("SELECT * FROM tracked WHERE id=?", (cur.lastrowid,)).fetchone()
    return _tracked(row)


def tracked(store: Store, tracked_id: int) -> Tracked | None:
    rows = store.query("SELECT * FROM tracked WHERE id=?", (int(tracked_id),))
    return _tracked(rows[0]) if rows else None


def active(store: Store, scopes: Sequence[str] | None = None) -> list[Tracked]:
    """Active questions, oldest first; ``scopes`` keeps only those of these servers ('' = the CLI's own)."""
    sql, params = "SELECT * FROM tracked WHERE active=1", []
    if scopes is not None:
        if not scopes:
            return []
        sql += f" AND scope IN ({','.join('?' * len(scopes))})"
        params = list(scopes)
    return [_tracked(r) for r in store.query(sql + " ORDER BY id", params)]


def any_active(store: Store) -> bool:
    """Whether any question is tracked at all: a cheap look before a command loads the matching."""
    return bool(store.query("SELECT 1 FROM tracked WHERE active=1 LIMIT 1"))


def deactivate(store: Store, tracked_id: int) -> bool:
    """Stop tracking (the alert log stays: it is the record of what was said)."""
    with store.transaction() as conn:
        cur = conn.execute("UPDATE tracked SET active=0 WHERE id=? AND active=1", (int(tracked_id),))
    return cur.rowcount > 0


@dataclass
class LoggedStory:
    """An alert of the day, as the same-day story rule needs it."""

    story_key: str
    outlets: list[str]
    vector: np.ndarray | None


def stories_of_day(conn: sqlite3.Connection | Store, tracked_id: int, day: str) -> list[LoggedStory]:
    """The question's alerts of ``day`` (inside a check's transaction, or on the store for a dry run)."""
    rows = conn.execute(
        "SELECT story_key, outlets, story_vector FROM alerts WHERE tracked_id=? AND day=? ORDER BY id",
        (tracked_id, day),
    ).fetchall()
    return [
        LoggedStory(
            r["story_key"],
            json.loads(r["outlets"]),
            None if r["story_vector"] is None else np.frombuffer(r["story_vector"], dtype=np.float32),
        )
        for r in rows
    ]


def alerted_texts(
    conn: sqlite3.Connection, tracked_id: int, article_ids: Sequence[str]
) -> set[tuple[str, str]]:
    """(article id, quote text) of the question's alerts on these articles: a replaced article's paragraphs get
    new ids, and a passage it still carries word for word has been said already."""
    ids = list(dict.fromkeys(article_ids))
    if not ids:
        return set()
    rows = conn.execute(
        f"SELECT article_id, quote FROM alerts WHERE tracked_id=? AND article_id IN ({','.join('?' * len(ids))})",
        [tracked_id, *ids],
    ).fetchall()
    return {(r["article_id"], json.loads(r["quote"])["text"]) for r in rows}


def last_seq(conn: sqlite3.Connection, tracked_id: int) -> int | None:
    """The question's sequence as committed now, or None when it was removed meanwhile."""
    row = conn.execute("SELECT last_seq, active FROM tracked WHERE id=?", (tracked_id,)).fetchone()
    return None if row is None or not row["active"] else int(row["last_seq"])


def insert_alert(conn: sqlite3.Connection, alert: Alert, vector: np.ndarray | None) -> int | None:
    """Record a fired alert; None when this question already alerted on this paragraph (idempotent)."""
    q = alert.quote
    cur = conn.execute(
        "INSERT OR IGNORE INTO alerts(tracked_id, paragraph_id, article_id, story_key, day, outlets, quote, score, "
        "story_vector, fired_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            alert.tracked_id,
            q.paragraph_id,
            q.article_id,
            alert.story_key,
            alert.day,
            json.dumps(alert.outlets, ensure_ascii=False),
            json.dumps(asdict(q), ensure_ascii=False),
            q.score,
            None if vector is None else np.asarray(vector, dtype=np.float32).tobytes(),
            alert.fired_at,
        ),
    )
    return int(cur.lastrowid) if cur.rowcount else None


def advance(conn: sqlite3.Connection, tracked_id: int, upto: int, now: str) -> None:
    conn.execute(
        "UPDATE tracked SET last_seq = MAX(last_seq, ?), checked_at = ? WHERE id = ?",
        (int(upto), now, tracked_id),
    )


def _alert(row: sqlite3.Row) -> Alert:
    raw = json.loads(row["quote"])
    raw["also_in"] = [SourceRef(**r) for r in raw.get("also_in") or []]
    return Alert(
        tracked_id=row["tracked_id"],
        question=row["question"],
        quote=Quote(**raw),
        outlets=json.loads(row["outlets"]),
        story_key=row["story_key"],
        day=row["day"],
        fired_at=row["fired_at"],
        scope=row["scope"],
        channel_id=row["channel_id"],
        id=row["id"],
        extra={"reclaimed": row["claimed_by"] is not None},
        language=question_language(row["question"]),
    )


_ALERT_SQL = (
    "SELECT a.*, t.question, t.scope, t.channel_id FROM alerts a JOIN tracked t ON t.id = a.tracked_id "
)


def alerts(store: Store, tracked_id: int | None = None) -> list[Alert]:
    """The alert log (of one question), oldest first."""
    if tracked_id is None:
        return [_alert(r) for r in store.query(_ALERT_SQL + "ORDER BY a.id")]
    return [_alert(r) for r in store.query(_ALERT_SQL + "WHERE a.tracked_id=? ORDER BY a.id", (tracked_id,))]


def claim(
    store: Store, scopes: Sequence[str], claimant: str, now: str, stale_before: str, limit: int
) -> list[Alert]:
    """Take undelivered alerts of these servers' channels for posting: unclaimed ones, or ones whose claim is
    older than ``stale_before`` (a claimant that died mid-post). One transaction, so two bots never take the same."""
    if not scopes:
        return []
    marks = ",".join("?" * len(scopes))
    sql = (
        _ALERT_SQL + f"WHERE t.scope IN ({marks}) AND t.active = 1 AND t.channel_id IS NOT NULL "
        "AND a.delivered_at IS NULL AND (a.claimed_by IS NULL OR a.claimed_at < ?) ORDER BY a.id LIMIT ?"
    )
    if not store.query(sql, [*scopes, stale_before, 1]):  # the usual case, without taking the write lock
        return []
    with store.transaction() as conn:
        rows = conn.execute(sql, [*scopes, stale_before, int(limit)]).fetchall()
        conn.executemany(
            "UPDATE alerts SET claimed_by=?, claimed_at=? WHERE id=?",
            [(claimant, now, r["id"]) for r in rows],
        )
    return [_alert(r) for r in rows]


def delivered(store: Store, alert_id: int, claimant: str, now: str, delivery: str) -> bool:
    """Mark a claimed alert as done (``delivery``: "posted:<message id>" or why it could not be posted)."""
    with store.transaction() as conn:
        cur = conn.execute(
            "UPDATE alerts SET delivered_at=?, delivery=? WHERE id=? AND claimed_by=? AND delivered_at IS NULL",
            (now, delivery, int(alert_id), claimant),
        )
    return cur.rowcount > 0


def release(store: Store, alert_id: int, claimant: str) -> None:
    """Give a claim back (the post failed for a reason that may pass): the next round tries again."""
    with store.transaction() as conn:
        conn.execute(
            "UPDATE alerts SET claimed_by=NULL, claimed_at=NULL WHERE id=? AND claimed_by=? AND delivered_at IS NULL",
            (int(alert_id), claimant),
        )
