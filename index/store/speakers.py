"""The store's queries for speakers: who is quoted in which sentence of which paragraph (``index.speakers.mentions``).

Speaker mentions are derived data, like the FAISS cache: they are read from the stored paragraphs and can be
rebuilt from them at any time. Their two tables (schema version 5) are kept caught up from the store's own sequence, exactly as the vector cache is: the highest
paragraph id already read and the last tombstone applied are kept in ``meta``; new paragraphs are read whole
article by whole article (an article's paragraphs are committed together), deleted ones leave tombstones. Queries
join ``paragraphs`` and ``articles``, so a mention of a deleted paragraph can never be shown even before its
tombstone is applied. A database that has never been read for speakers is backfilled the first time one is asked
for; a new extractor version (``EXTRACTOR_VERSION``) rebuilds everything.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Protocol

log = logging.getLogger(__name__)

LAST_KEY, TOMB_KEY, VERSION_KEY = "speakers_last_id", "speakers_tomb_seq", "speakers_version"
# (paragraph id, speaker name, start, end, phrase): what ``index.speakers.mentions.extract`` found, ready to store.
MentionRow = tuple[int, str, int, int, str]


class Store(Protocol):
    """What these queries use of ``index.store.articles.Store`` (which mixes this class in)."""

    def query(self, sql: str, params: Sequence | dict = ()) -> list[sqlite3.Row]: ...
    def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...
    def get_meta(self, key: str, default: str | None = None) -> str | None: ...
    def set_meta(self, conn: sqlite3.Connection, key: str, value: str) -> None: ...
    def positions(self) -> tuple[int, int]: ...


class SpeakerRows:
    """Mixed into ``Store``: the speaker tables and every query on them."""

    def reset_stale_speakers(self: Store, version: int) -> None:
        """Throw away mentions of another extractor version (they are rebuilt from the paragraphs)."""
        with self.transaction() as conn:
            stored = conn.execute("SELECT value FROM meta WHERE key=?", (VERSION_KEY,)).fetchone()
            if stored is None or int(stored[0]) != version:
                conn.execute("DELETE FROM speaker_mentions")
                conn.execute("DELETE FROM speakers")
                self.set_meta(conn, VERSION_KEY, str(version))
                self.set_meta(conn, LAST_KEY, "0")
                self.set_meta(conn, TOMB_KEY, str(self.positions()[1]))

    def speakers_read_all(self: Store, version: int) -> bool:
        """Whether the speaker tables are of extractor ``version`` and have read every paragraph and tombstone
        stored (two one-row reads: what a question may check before saying that nobody of a name is quoted)."""
        stored = self.get_meta(VERSION_KEY)
        if stored is None or int(stored) != version:
            return False
        last, tomb = self.speaker_position()
        if self.query("SELECT 1 FROM paragraphs WHERE id > ? LIMIT 1", (int(last),)):
            return False
        return tomb == self.positions()[1]

    def speaker_position(self: Store) -> tuple[int, int]:
        """(highest paragraph id read for speakers, last tombstone applied)."""
        return int(self.get_meta(LAST_KEY, "0") or 0), int(self.get_meta(TOMB_KEY, "0") or 0)

    def articles_with_paragraphs_after(self: Store, last_id: int, limit: int) -> tuple[list[str], int]:
        """Articles with paragraphs stored after ``last_id`` (up to ``limit`` of them) and the highest id seen."""
        rows = self.query(
            "SELECT article_id, MAX(id) m FROM paragraphs WHERE id > ? GROUP BY article_id ORDER BY m LIMIT ?",
            (int(last_id), int(limit)),
        )
        return [r["article_id"] for r in rows], max((r["m"] for r in rows), default=int(last_id))

    def add_speaker_mentions(
        self: Store,
        rows: list[MentionRow],
        keys: dict[str, str],
        since: tuple[int, int],
        upto: tuple[int, int],
    ) -> bool:
        """Store mentions and move the position from ``since`` to ``upto`` in one transaction; False (nothing
        written) when another process moved it first."""
        with self.transaction() as conn:
            now = (int(SpeakerRows._meta(conn, LAST_KEY)), int(SpeakerRows._meta(conn, TOMB_KEY)))
            if now != since:
                return False
            SpeakerRows._apply_tombstones(conn, since[1], upto[1])
            for name, key in keys.items():
                conn.execute("INSERT OR IGNORE INTO speakers(name, key) VALUES(?, ?)", (name, key))
            touched = set()
            for pid, name, start, end, phrase in rows:
                sid = conn.execute("SELECT id FROM speakers WHERE name=?", (name,)).fetchone()[0]
                cur = conn.execute(
                    "INSERT OR IGNORE INTO speaker_mentions(paragraph_id, speaker_id, start, end, phrase) "
                    "VALUES(?, ?, ?, ?, ?)",
                    (pid, sid, start, end, phrase),
                )
                if cur.rowcount:
                    touched.add(sid)
            SpeakerRows._recount(conn, touched)
            self.set_meta(conn, LAST_KEY, str(upto[0]))
            self.set_meta(conn, TOMB_KEY, str(upto[1]))
        return True

    @staticmethod
    def _meta(conn: sqlite3.Connection, key: str) -> str:
        row = conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else "0"

    @staticmethod
    def _apply_tombstones(conn: sqlite3.Connection, after: int, upto: int) -> None:
        gone = [
            r[0]
            for r in conn.execute(
                "SELECT paragraph_id FROM tombstones WHERE seq > ? AND seq <= ?", (after, upto)
            ).fetchall()
        ]
        touched: set[int] = set()
        for i in range(0, len(gone), 500):
            part = gone[i : i + 500]
            marks = ",".join("?" * len(part))
            touched |= {
                r[0]
                for r in conn.execute(
                    f"SELECT DISTINCT speaker_id FROM speaker_mentions WHERE paragraph_id IN ({marks})", part
                )
            }
            conn.execute(f"DELETE FROM speaker_mentions WHERE paragraph_id IN ({marks})", part)
        SpeakerRows._recount(conn, touched)

    @staticmethod
    def _recount(conn: sqlite3.Connection, speaker_ids: set[int]) -> None:
        for sid in speaker_ids:
            conn.execute(
                "UPDATE speakers SET mentions=(SELECT COUNT(*) FROM speaker_mentions WHERE speaker_id=?) "
                "WHERE id=?",
                (sid, sid),
            )

    # -- reading ------------------------------------------------------------------------------------------------
    def speakers_matching(self: Store, words: Sequence[str]) -> list[tuple[int, str]]:
        """(id, name) of speakers whose name holds every one of ``words`` as whole words (lower-case)."""
        if not words:
            return []
        sql = "SELECT id, name FROM speakers WHERE " + " AND ".join("key LIKE ?" for _ in words)
        return [(r["id"], r["name"]) for r in self.query(sql, [f"% {w} %" for w in words])]

    def speaker_names(
        self: Store, fragment: str, scopes: Sequence[str] | None, limit: int
    ) -> list[tuple[str, int]]:
        """(name, mentions) of speakers whose name has a word starting with ``fragment``, most quoted first,
        only those quoted in an article ``scopes`` can see. Reads the small speakers table, not the corpus;
        an index never read for speakers has none yet."""
        if not self.query("SELECT 1 FROM sqlite_master WHERE type='table' AND name='speakers'"):
            return []
        sql = "SELECT s.name, s.mentions FROM speakers s WHERE s.mentions > 0 AND s.key LIKE ?"
        params: list = [f"% {fragment.lower().strip()}%"]
        if scopes is not None:
            sql += (
                " AND EXISTS (SELECT 1 FROM speaker_mentions m JOIN paragraphs p ON p.id = m.paragraph_id"
                " JOIN articles a ON a.id = p.article_id WHERE m.speaker_id = s.id"
                f" AND a.scope IN ({','.join('?' * len(scopes))}))"
            )
            params += list(scopes)
        rows = self.query(sql + " ORDER BY s.mentions DESC, s.name LIMIT ?", [*params, int(limit)])
        return [(r["name"], r["mentions"]) for r in rows]

    def speaker_mentions(
        self: Store, speaker_ids: Sequence[int], where: list[str], params: list, limit: int
    ) -> list[sqlite3.Row]:
        """Mentions of these speakers in articles passing ``where`` (``Store.filter_sql`` on alias ``a``),
        newest article first (undated last): paragraph_id, start, end, phrase, speaker, article_id."""
        if not speaker_ids:
            return []
        marks = ",".join("?" * len(speaker_ids))
        sql = (
            "SELECT m.paragraph_id, m.start, m.end, m.phrase, s.name speaker, p.article_id "
            "FROM speaker_mentions m JOIN speakers s ON s.id = m.speaker_id "
            "JOIN paragraphs p ON p.id = m.paragraph_id JOIN articles a ON a.id = p.article_id "
            f"WHERE m.speaker_id IN ({marks})"
        )
        sql += "".join(f" AND {w}" for w in where)
        sql += (
            " ORDER BY a.date IS NULL, a.date DESC, COALESCE(a.published_at, '') DESC, m.paragraph_id DESC,"
            " m.start LIMIT ?"
        )
        return self.query(sql, [*speaker_ids, *params, int(limit)])
