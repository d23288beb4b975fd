"""The bot's own small SQLite database (a separate file in the data dir).

Watched channels, the filters of threads the bot answers in, the answers behind persistent buttons (kept for the
retention period, then pruned), feedback on answers (exportable as an evaluation set), briefings already posted
(so the daily post happens once even across restarts), the admin audit log, and small key/value metadata such as
the hash of the last synced command tree. The schema is versioned (``PRAGMA user_version``) and migrated forward
on open. Synchronous and thread-safe; the bot calls it through ``asyncio.to_thread``.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA_V1 = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS watched (guild_id INTEGER NOT NULL, channel_id INTEGER NOT NULL, added_by INTEGER,
    added_at TEXT NOT NULL, PRIMARY KEY (guild_id, channel_id));
CREATE TABLE IF NOT EXISTS threads (thread_id INTEGER PRIMARY KEY, guild_id INTEGER NOT NULL,
    filters TEXT NOT NULL, question TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL,
    guild_id INTEGER, channel_id INTEGER, user_id INTEGER NOT NULL, question TEXT NOT NULL, filters TEXT NOT NULL,
    vote INTEGER NOT NULL, quotes TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS briefings (day TEXT NOT NULL, channel_id INTEGER NOT NULL, status TEXT NOT NULL,
    message_id INTEGER, at TEXT NOT NULL, PRIMARY KEY (day, channel_id));
CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, user_id INTEGER,
    user_name TEXT, guild_id INTEGER, channel_id INTEGER, action TEXT NOT NULL, detail TEXT, result TEXT);
"""
# v2: the answers behind persistent buttons (a button's custom_id carries the answer id); one vote per user and
# answer (a second press updates it).
SCHEMA_V2 = """
CREATE TABLE answers (id INTEGER PRIMARY KEY AUTOINCREMENT, guild_id INTEGER, channel_id INTEGER,
    user_id INTEGER NOT NULL, ephemeral INTEGER NOT NULL DEFAULT 0, question TEXT NOT NULL, filters TEXT NOT NULL,
    k INTEGER NOT NULL, offset INTEGER NOT NULL, no_answer INTEGER NOT NULL, has_more INTEGER NOT NULL,
    quotes TEXT NOT NULL, more_claimed INTEGER NOT NULL DEFAULT 0, message_id INTEGER,
    created_at TEXT NOT NULL, expires_at TEXT NOT NULL);
CREATE INDEX answers_expiry ON answers(expires_at);
ALTER TABLE feedback ADD COLUMN answer_id INTEGER;
CREATE UNIQUE INDEX feedback_vote ON feedback(answer_id, user_id) WHERE answer_id IS NOT NULL;
"""
# v3: a briefing claim has an owner (the process posting it) and an expiry, and remembers the messages it sent, so
# a post interrupted by a stop or a crash is cleaned up and retried instead of being "already posted" forever.
SCHEMA_V3 = """
ALTER TABLE briefings ADD COLUMN owner TEXT;
ALTER TABLE briefings ADD COLUMN expires_at TEXT;
ALTER TABLE briefings ADD COLUMN message_ids TEXT NOT NULL DEFAULT '[]';
"""
# v4: a briefing claim remembers how many pages its attempt has, so a restarted bot decides completeness from the
# channel and the record together (every page present, in order), not from "a page with the Markdown file exists".
SCHEMA_V4 = """
ALTER TABLE briefings ADD COLUMN pages INTEGER;
"""
MIGRATIONS = (SCHEMA_V1, SCHEMA_V2, SCHEMA_V3, SCHEMA_V4)


@dataclass
class BriefingClaim:
    """The right to post one day's briefing to one channel, until ``expires_at``.

    ``recovered`` says an earlier attempt was interrupted (stopped, crashed, refused): messages it sent may be in
    the channel, ``message_ids`` lists those it knew of (in the order sent) and ``pages`` how many it meant to
    send (None when it stopped before it knew)."""

    day: str
    channel_id: int
    owner: str
    recovered: bool
    message_ids: list[int]
    pages: int | None = None


@dataclass
class AnswerRecord:
    """What the buttons under an answer need, long after the process that sent it is gone."""

    id: int
    guild_id: int | None
    channel_id: int | None
    user_id: int
    ephemeral: bool
    question: str
    filters: dict[str, Any]
    k: int
    offset: int
    no_answer: bool
    has_more: bool
    quotes: list[dict[str, Any]]
    more_claimed: bool
    message_id: int | None
    created_at: str
    expires_at: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> AnswerRecord:
        d = dict(row)
        d["filters"], d["quotes"] = json.loads(d["filters"]), json.loads(d["quotes"])
        for flag in ("ephemeral", "no_answer", "has_more", "more_claimed"):
            d[flag] = bool(d[flag])
        return cls(**d)


def _iso(moment: datetime) -> str:
    """UTC, to the second: stored times compare as strings."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _now() -> str:
    return _iso(datetime.now(UTC))


class BotState:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._migrate()

    def _migrate(self) -> None:
        """Bring an older database forward, one version at a time, each in its own transaction."""
        with self._lock:
            version = self._conn.execute("PRAGMA user_version").fetchone()[0]
            for number, script in enumerate(MIGRATIONS[version:], version + 1):
                self._conn.executescript(f"BEGIN; {script} PRAGMA user_version = {number}; COMMIT;")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _exec(self, sql: str, params: tuple | dict = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._conn.execute(sql, params)

    def _rows(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    # -- meta
    def get_meta(self, key: str) -> str | None:
        rows = self._rows("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0]["value"] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        self._exec(
            "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # -- watched channels
    def watch(self, guild_id: int, channel_id: int, user_id: int | None = None) -> bool:
        cur = self._exec(
            "INSERT OR IGNORE INTO watched VALUES (?, ?, ?, ?)", (guild_id, channel_id, user_id, _now())
        )
        return cur.rowcount > 0

    def unwatch(self, guild_id: int, channel_id: int) -> bool:
        cur = self._exec("DELETE FROM watched WHERE guild_id = ? AND channel_id = ?", (guild_id, channel_id))
        return cur.rowcount > 0

    def watched(self, guild_id: int) -> set[int]:
        return {
            r["channel_id"]
            for r in self._rows("SELECT channel_id FROM watched WHERE guild_id = ?", (guild_id,))
        }

    def is_watched(self, guild_id: int, channel_id: int) -> bool:
        return bool(
            self._rows("SELECT 1 FROM watched WHERE guild_id = ? AND channel_id = ?", (guild_id, channel_id))
        )

    # -- threads the bot answers in
    def remember_thread(self, thread_id: int, guild_id: int, filters: dict[str, Any], question: str) -> None:
        self._exec(
            "INSERT OR REPLACE INTO threads VALUES (?, ?, ?, ?, ?)",
            (thread_id, guild_id, json.dumps(filters), question, _now()),
        )

    def thread_filters(self, thread_id: int) -> dict[str, Any] | None:
        rows = self._rows("SELECT filters FROM threads WHERE thread_id = ?", (thread_id,))
        return json.loads(rows[0]["filters"]) if rows else None

    # -- answers behind persistent buttons
    def save_answer(self, *, now: datetime, keep_seconds: float, **fields: Any) -> int:
        """Store an answer page; returns the id its buttons carry. Kept until ``now + keep_seconds``."""
        fields["filters"], fields["quotes"] = json.dumps(fields["filters"]), json.dumps(fields["quotes"])
        fields["created_at"] = _iso(now)
        fields["expires_at"] = _iso(datetime.fromtimestamp(now.timestamp() + keep_seconds, UTC))
        names = ", ".join(fields)
        cur = self._exec(
            f"INSERT INTO answers({names}) VALUES ({', '.join('?' * len(fields))})", tuple(fields.values())
        )
        return int(cur.lastrowid or 0)

    def answer_sent(self, answer_id: int, channel_id: int | None, message_id: int | None) -> None:
        """Where the answer's buttons are (so they can be disabled when the answer expires)."""
        self._exec(
            "UPDATE answers SET channel_id = ?, message_id = ? WHERE id = ?",
            (channel_id, message_id, answer_id),
        )

    def answer(self, answer_id: int, now: datetime) -> AnswerRecord | None:
        """The answer, or None when it was never stored, was pruned, or has expired."""
        rows = self._rows("SELECT * FROM answers WHERE id = ? AND expires_at > ?", (answer_id, _iso(now)))
        return AnswerRecord.from_row(rows[0]) if rows else None

    def claim_more(self, answer_id: int) -> bool:
        """True the first time the next page of an answer is asked for (it is then posted publicly, once)."""
        cur = self._exec(
            "UPDATE answers SET more_claimed = 1 WHERE id = ? AND more_claimed = 0", (answer_id,)
        )
        return cur.rowcount > 0

    def release_more(self, answer_id: int) -> None:
        self._exec("UPDATE answers SET more_claimed = 0 WHERE id = ?", (answer_id,))

    def expired_answers(self, now: datetime, limit: int = 100) -> list[AnswerRecord]:
        rows = self._rows(
            "SELECT * FROM answers WHERE expires_at <= ? ORDER BY expires_at LIMIT ?", (_iso(now), limit)
        )
        return [AnswerRecord.from_row(r) for r in rows]

    def forget_answers(self, ids: list[int]) -> None:
        self._exec(f"DELETE FROM answers WHERE id IN ({','.join('?' * len(ids))})", tuple(ids))

    # -- feedback
    def add_feedback(
        self,
        *,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int,
        question: str,
        filters: dict[str, Any],
        vote: int,
        quotes: list[dict[str, Any]],
        answer_id: int | None = None,
    ) -> bool:
        """Record a vote; True when it replaced the user's earlier vote on the same answer."""
        with self._lock:
            earlier = answer_id is not None and bool(
                self._conn.execute(
                    "SELECT 1 FROM feedback WHERE answer_id = ? AND user_id = ?", (answer_id, user_id)
                ).fetchone()
            )
            self._conn.execute(
                "INSERT INTO feedback(at, guild_id, channel_id, user_id, question, filters, vote, quotes, "
                "answer_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(answer_id, user_id) WHERE answer_id IS NOT NULL "
                "DO UPDATE SET vote = excluded.vote, at = excluded.at",
                (
                    _now(),
                    guild_id,
                    channel_id,
                    user_id,
                    question,
                    json.dumps(filters),
                    vote,
                    json.dumps(quotes),
                    answer_id,
                ),
            )
        return earlier

    def feedback(self) -> list[dict[str, Any]]:
        return [
            {**dict(r), "filters": json.loads(r["filters"]), "quotes": json.loads(r["quotes"])}
            for r in self._rows("SELECT * FROM feedback ORDER BY id")
        ]

    def iter_eval_set(self) -> Iterator[dict[str, Any]]:
        """Feedback as an evaluation set: one record per vote, in the shape of the seed questions file."""
        for f in self.feedback():
            yield {
                "id": f"feedback-{f['id']}",
                "question": f["question"],
                "label": "good" if f["vote"] > 0 else "bad",
                "answers": [q["text"] for q in f["quotes"]] if f["vote"] > 0 else [],
                "rejected": [q["text"] for q in f["quotes"]] if f["vote"] < 0 else [],
                "quote_ids": [q["id"] for q in f["quotes"]],
                "filters": f["filters"],
                "at": f["at"],
            }

    def export_eval_set(self, path: Path) -> int:
        n = 0
        with path.open("w", encoding="utf-8") as fh:
            for rec in self.iter_eval_set():
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
                n += 1
        return n

    # -- briefings posted
    def claim_briefing(
        self, day: str, channel_id: int, owner: str, now: datetime, seconds: float
    ) -> BriefingClaim | None:
        """Claim a day's post for ``seconds``; None when it is posted, or another live claim is posting it.

        A claim that expired (its process died) or was abandoned (a stop, a refused post) is taken over."""
        until = _iso(datetime.fromtimestamp(now.timestamp() + seconds, UTC))
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                row = self._conn.execute(
                    "SELECT * FROM briefings WHERE day = ? AND channel_id = ?", (day, channel_id)
                ).fetchone()
                claim = self._take(row, day, channel_id, owner, _iso(now), until)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return claim

    def _take(
        self, row: sqlite3.Row | None, day: str, channel_id: int, owner: str, now: str, until: str
    ) -> BriefingClaim | None:
        if row is None:
            self._conn.execute(
                "INSERT INTO briefings(day, channel_id, status, at, owner, expires_at) "
                "VALUES (?, ?, 'posting', ?, ?, ?)",
                (day, channel_id, now, owner, until),
            )
            return BriefingClaim(day, channel_id, owner, False, [])
        live = row["status"] == "posting" and (row["expires_at"] or "") > now
        if row["status"] == "posted" or live:
            return None
        self._conn.execute(
            "UPDATE briefings SET status = 'posting', owner = ?, expires_at = ?, at = ? "
            "WHERE day = ? AND channel_id = ?",
            (owner, until, now, day, channel_id),
        )
        return BriefingClaim(
            day, channel_id, owner, True, json.loads(row["message_ids"] or "[]"), row["pages"]
        )

    def briefing_planned(self, claim: BriefingClaim, pages: int) -> None:
        """An attempt begins: it will send ``pages`` messages (recorded before the first one is sent)."""
        self._exec(
            "UPDATE briefings SET pages = ?, message_ids = '[]' WHERE day = ? AND channel_id = ? AND owner = ?",
            (pages, claim.day, claim.channel_id, claim.owner),
        )

    def briefing_sent(self, claim: BriefingClaim, message_ids: list[int]) -> None:
        """The messages of the post so far (recorded after each one, so a stop can clean them up)."""
        self._exec(
            "UPDATE briefings SET message_ids = ? WHERE day = ? AND channel_id = ? AND owner = ?",
            (json.dumps(message_ids), claim.day, claim.channel_id, claim.owner),
        )

    def briefing_posted(self, claim: BriefingClaim, message_id: int) -> None:
        self._exec(
            "UPDATE briefings SET status = 'posted', message_id = ?, at = ?, expires_at = NULL "
            "WHERE day = ? AND channel_id = ? AND owner = ?",
            (message_id, _now(), claim.day, claim.channel_id, claim.owner),
        )

    def abandon_briefing(self, claim: BriefingClaim, message_ids: list[int]) -> None:
        """Give the claim up at once (its post failed or the bot is stopping): the next attempt takes it over."""
        self._exec(
            "UPDATE briefings SET status = 'abandoned', expires_at = NULL, message_ids = ? "
            "WHERE day = ? AND channel_id = ? AND owner = ? AND status = 'posting'",
            (json.dumps(message_ids), claim.day, claim.channel_id, claim.owner),
        )

    def posted_briefings(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self._rows("SELECT * FROM briefings ORDER BY day")]

    # -- audit
    def audit(
        self,
        *,
        user_id: int | None,
        user_name: str,
        guild_id: int | None,
        channel_id: int | None,
        action: str,
        detail: str,
        result: str,
    ) -> None:
        self._exec(
            "INSERT INTO audit(at, user_id, user_name, guild_id, channel_id, action, detail, result) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (_now(), user_id, user_name, guild_id, channel_id, action, detail, result),
        )

    def audit_log(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self._rows("SELECT * FROM audit ORDER BY id")]
