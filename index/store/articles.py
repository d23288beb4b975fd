"""SQLite (WAL) store, the only truth: articles, paragraphs with their sentence spans, checksums and vectors, and
the lexical (FTS5) index. Every query on articles and paragraphs lives here.

Paragraph ids are SQLite ``INTEGER PRIMARY KEY AUTOINCREMENT`` values: stable, never reused, and the FAISS ids.
Writers are serialised across processes by SQLite itself (``BEGIN IMMEDIATE`` and a busy timeout), and since ids are
assigned inside those serialised transactions they grow in commit order: a derived cache that remembers the highest
id it holds and the last tombstone it applied catches up by reading only what came after (``vectors_after``,
``tombstones_after``). Each article (paragraphs, spans, checksums, vectors, lexical terms) is one transaction, so
there is no state in which a paragraph is stored but not searchable.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.models import Article, Filters, Paragraph, SourceRef, SourceStats
from index.store.features import FeatureRows
from index.store.schema import lexical_text, migrate, terms_of
from index.store.speakers import SpeakerRows
from index.store.vectors import VectorRows

log = logging.getLogger(__name__)

# How long a writer waits for another process's transaction before giving up (an ingest of a big batch commits
# article by article, so waits are short; a reindex swap is the longest single transaction).
BUSY_TIMEOUT_S = 120.0


@dataclass
class NewParagraph:
    """A paragraph ready to be stored: its text, sentence spans, caption flag, checksum and vector."""

    text: str
    sentences: list[tuple[int, int]]
    caption: bool
    checksum: str
    vector: np.ndarray | None


class Store(VectorRows, SpeakerRows, FeatureRows):
    """One SQLite database; safe to share between threads (calls are serialised by a lock) and processes."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self.conn = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=BUSY_TIMEOUT_S
        )
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        with self._lock:
            migrate(self.conn)

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    # -- transactions -------------------------------------------------------------------------------------------
    def execute(self, sql: str, params: Sequence | dict = ()) -> sqlite3.Cursor:
        with self._lock:
            return self.conn.execute(sql, params)

    def query(self, sql: str, params: Sequence | dict = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self.conn.execute(sql, params).fetchall()

    def query_in(self, sql: str, values: Sequence, chunk: int = 500) -> list[sqlite3.Row]:
        """``sql`` with ``{marks}`` standing for an IN list, run over ``values`` in chunks (SQLite's limit)."""
        rows: list[sqlite3.Row] = []
        for i in range(0, len(values), chunk):
            part = list(values[i : i + chunk])
            rows.extend(self.query(sql.format(marks=",".join("?" * len(part))), part))
        return rows

    class _Tx:
        def __init__(self, store: Store):
            self.store = store

        def __enter__(self) -> sqlite3.Connection:
            self.store._lock.acquire()
            self.store.conn.execute("BEGIN IMMEDIATE")
            return self.store.conn

        def __exit__(self, exc_type, exc, tb) -> None:
            try:
                if exc_type is None:
                    self.store.conn.execute("COMMIT")
                elif self.store.conn.in_transaction:  # SQLITE_FULL may have rolled it back already
                    self.store.conn.execute("ROLLBACK")
            finally:
                self.store._lock.release()

    def transaction(self) -> _Tx:
        return Store._Tx(self)

    # -- meta ---------------------------------------------------------------------------------------------------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        rows = self.query("SELECT value FROM meta WHERE key=?", (key,))
        return rows[0]["value"] if rows else default

    @staticmethod
    def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
        conn.execute(
            "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            (key, value),
        )

    def bump_version(self, conn: sqlite3.Connection) -> None:
        """Every change to paragraphs bumps this counter (what ``reindex`` and the caches compare)."""
        conn.execute(
            "INSERT INTO meta(key, value) VALUES('version', '1') "
            "ON CONFLICT(key) DO UPDATE SET value=CAST(value AS INTEGER) + 1"
        )

    @property
    def version(self) -> int:
        return int(self.get_meta("version", "0") or 0)

    def data_version(self) -> int:
        """Changes when *another* connection commits (SQLite's ``PRAGMA data_version``): a cheap staleness probe."""
        return int(self.query("PRAGMA data_version")[0][0])

    # -- articles -----------------------------------------------------------------------------------------------
    @staticmethod
    def _article(row: sqlite3.Row) -> Article:
        return Article(
            id=row["id"],
            title=row["title"],
            source=row["source"],
            date=row["date"],
            url=row["url"],
            author=row["author"],
            published_at=row["published_at"],
            scope=row["scope"],
            duplicate_of=row["duplicate_of"],
            n_paragraphs=row["n_paragraphs"],
            title_derived=bool(row["title_derived"]),
            language=row["language"],
        )

    def article(self, article_id: str) -> Article | None:
        rows = self.query("SELECT * FROM articles WHERE id=?", (article_id,))
        return self._article(rows[0]) if rows else None

    def article_row_by_key(self, key: str) -> sqlite3.Row | None:
        rows = self.query("SELECT * FROM articles WHERE key=?", (key,))
        return rows[0] if rows else None

    def canonical_by_hash(self, content_hash: str, scope: str) -> sqlite3.Row | None:
        """The first indexed article with this exact text that ``scope`` can see (global or its own)."""
        rows = self.query(
            "SELECT * FROM articles WHERE content_hash=? AND duplicate_of IS NULL AND scope IN ('', ?) "
            "ORDER BY ingested_at, rowid LIMIT 1",
            (content_hash, scope),
        )
        return rows[0] if rows else None

    def articles(self, ids: Sequence[str]) -> dict[str, Article]:
        rows = self.query_in("SELECT * FROM articles WHERE id IN ({marks})", list(dict.fromkeys(ids)))
        return {row["id"]: self._article(row) for row in rows}

    def unique_article_id(self, wanted: str) -> str:
        candidate, n = wanted, 1
        while self.query("SELECT 1 FROM articles WHERE id=?", (candidate,)):
            n += 1
            candidate = f"{wanted}-{n}"
        return candidate

    def copies_of(
        self, article_ids: Sequence[str], scopes: tuple[str, ...] | None
    ) -> dict[str, list[SourceRef]]:
        """Syndicated copies (same text, other URL or outlet) of each canonical article, visible in ``scopes``."""
        out: dict[str, list[SourceRef]] = {}
        ids = list(dict.fromkeys(article_ids))
        if not ids:
            return out
        marks = ",".join("?" * len(ids))
        sql = f"SELECT * FROM articles WHERE duplicate_of IN ({marks})"
        params: list = list(ids)
        if scopes is not None:
            # ``+scope``: look the copies up by ``articles_dup`` and filter their scope after. Without the ``+`` SQLite
            # walks ``articles_scope_date`` over every article of the server (a scoped ask at 1M paragraphs: 171 ms
            # for this query, 0.04 ms with it; issue 24).
            sql += f" AND +scope IN ({','.join('?' * len(scopes))})"
            params += list(scopes)
        for row in self.query(sql + " ORDER BY date, rowid", params):
            out.setdefault(row["duplicate_of"], []).append(
                SourceRef(row["id"], row["source"], row["title"], row["url"], row["date"])
            )
        return out

    # -- paragraphs ---------------------------------------------------------------------------------------------
    @staticmethod
    def _paragraph(row: sqlite3.Row) -> Paragraph:
        return Paragraph(
            id=row["id"],
            article_id=row["article_id"],
            ordinal=row["ordinal"],
            text=row["text"],
            sentences=[tuple(s) for s in json.loads(row["sentences"])],
        )

    def paragraphs(self, ids: Sequence[int]) -> dict[int, Paragraph]:
        rows = self.query_in("SELECT * FROM paragraphs WHERE id IN ({marks})", [int(i) for i in ids])
        return {row["id"]: self._paragraph(row) for row in rows}

    def checksums(self, ids: Sequence[int]) -> dict[int, str]:
        rows = self.query_in(
            "SELECT id, checksum FROM paragraphs WHERE id IN ({marks})", [int(i) for i in ids]
        )
        return {row["id"]: row["checksum"] for row in rows}

    def article_paragraphs(self, article_id: str) -> list[Paragraph]:
        rows = self.query("SELECT * FROM paragraphs WHERE article_id=? ORDER BY ordinal", (article_id,))
        return [self._paragraph(r) for r in rows]

    def paragraph_ids(self) -> np.ndarray:
        rows = self.query("SELECT id FROM paragraphs ORDER BY id")
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def iter_passages(
        self, ids: Sequence[int] | None = None, batch: int = 2000
    ) -> Iterator[list[sqlite3.Row]]:
        """(id, text, title) rows in id order, in batches: what the embedder and BM25 read."""
        sql = (
            "SELECT p.id, p.text, p.article_id, a.title, a.title_derived, p.caption "
            "FROM paragraphs p JOIN articles a ON a.id = p.article_id"
        )
        if ids is None:
            last = -1
            while True:
                rows = self.query(sql + " WHERE p.id > ? ORDER BY p.id LIMIT ?", (last, batch))
                if not rows:
                    return
                yield rows
                last = rows[-1]["id"]
        else:
            wanted = sorted(int(i) for i in ids)
            for i in range(0, len(wanted), 500):
                yield self.query_in(sql + " WHERE p.id IN ({marks}) ORDER BY p.id", wanted[i : i + 500])

    def allowed_paragraph_ids(self, filters: Filters) -> np.ndarray | None:
        """Ids of paragraphs that pass the filters, or None when nothing is filtered."""
        where, params = self.filter_sql(filters)
        if not where:
            return None
        sql = "SELECT p.id FROM paragraphs p JOIN articles a ON a.id = p.article_id WHERE " + " AND ".join(
            where
        )
        rows = self.query(sql, params)
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def allowed_count(self, filters: Filters) -> int:
        """How many paragraphs pass the filters (counted in SQL, for a backend that filters inside itself)."""
        where, params = self.filter_sql(filters)
        sql = "SELECT COUNT(*) FROM paragraphs p JOIN articles a ON a.id = p.article_id"
        return int(self.query(sql + (" WHERE " + " AND ".join(where) if where else ""), params)[0][0])

    @staticmethod
    def filter_sql(filters: Filters, alias: str = "a") -> tuple[list[str], list]:
        where: list[str] = []
        params: list = []
        if filters.source:
            # An article matches an outlet when it, or one of its syndicated copies, is from that outlet.
            where.append(
                f"(lower({alias}.source) = lower(?) OR {alias}.id IN "
                "(SELECT duplicate_of FROM articles WHERE lower(source) = lower(?)))"
            )
            params += [filters.source, filters.source]
        if filters.since:
            where.append(f"{alias}.date >= ?")
            params.append(filters.since[:10])
        if filters.until:
            where.append(f"{alias}.date <= ?")
            params.append(filters.until[:10])
        if filters.as_of:
            where.append(f"{alias}.date < ?")
            params.append(filters.as_of[:10])
        if filters.scopes is not None:
            where.append(f"{alias}.scope IN ({','.join('?' * len(filters.scopes))})")
            params += list(filters.scopes)
        return where, params

    # -- writing an article (one transaction; the service orchestrates, the SQL is here) -------------------------
    def upsert_article(self, conn: sqlite3.Connection, fields: dict) -> None:
        cols = ", ".join(fields)
        marks = ", ".join(f":{c}" for c in fields)
        updates = ", ".join(f"{c}=excluded.{c}" for c in fields if c not in ("id", "key", "ingested_at"))
        conn.execute(
            f"INSERT INTO articles({cols}) VALUES({marks}) ON CONFLICT(key) DO UPDATE SET {updates}", fields
        )

    def delete_paragraphs(self, conn: sqlite3.Connection, article_id: str) -> list[int]:
        """Remove an article's paragraphs (the trigger leaves tombstones and clears their lexical terms)."""
        ids = [r[0] for r in conn.execute("SELECT id FROM paragraphs WHERE article_id=?", (article_id,))]
        conn.execute("DELETE FROM paragraphs WHERE article_id=?", (article_id,))
        return ids

    def insert_paragraphs(
        self,
        conn: sqlite3.Connection,
        article_id: str,
        title: str,
        title_derived: bool,
        paras: list[NewParagraph],
        language: str | None = None,
    ) -> list[int]:
        """Paragraphs with spans, checksums, vectors and lexical terms (tokenized for the article's
        ``language``), in the caller's transaction."""
        terms = terms_of([lexical_text(p.text, title, title_derived) for p in paras], language)
        ids: list[int] = []
        for n, (para, term) in enumerate(zip(paras, terms, strict=True), 1):
            blob = None if para.vector is None else np.asarray(para.vector, dtype=np.float32).tobytes()
            cur = conn.execute(
                "INSERT INTO paragraphs(article_id, ordinal, text, sentences, caption, checksum, vector) "
                "VALUES(?, ?, ?, ?, ?, ?, ?)",
                (
                    article_id,
                    n,
                    para.text,
                    json.dumps(para.sentences),
                    int(para.caption),
                    para.checksum,
                    blob,
                ),
            )
            pid = int(cur.lastrowid)
            conn.execute("INSERT INTO paragraph_terms(rowid, terms) VALUES(?, ?)", (pid, term))
            ids.append(pid)
        return ids

    # -- near-duplicate candidates (dedup.py decides; these read) ------------------------------------------------
    def near_duplicate_candidates(
        self, scope: str, exclude_id: str, date: str | None, since: str, days: int, size: int, limit: int
    ) -> list[str]:
        """Canonical articles ``scope`` can see, near in time, of roughly the same length (``size`` chars)."""
        sql = (
            "SELECT a.id FROM articles a JOIN paragraphs p ON p.article_id = a.id "
            "WHERE a.duplicate_of IS NULL AND a.scope IN ('', ?) AND a.id != ? AND "
        )
        params: list = [scope, exclude_id]
        if date:
            sql += "a.date BETWEEN date(?, ?) AND date(?, ?) "
            params += [date[:10], f"-{days} days", date[:10], f"+{days} days"]
        else:
            sql += "a.ingested_at >= ? "
            params.append(since)
        sql += (
            "GROUP BY a.id HAVING SUM(length(p.text)) BETWEEN ? AND ? ORDER BY a.ingested_at, a.rowid LIMIT ?"
        )
        params += [int(size * 0.6), int(size / 0.6) + 1, limit]
        return [r["id"] for r in self.query(sql, params)]

    def article_texts(self, ids: Sequence[str]) -> dict[str, list[str]]:
        texts: dict[str, list[str]] = {i: [] for i in ids}
        for row in self.query_in(
            "SELECT article_id, text FROM paragraphs WHERE article_id IN ({marks}) ORDER BY article_id, ordinal",
            list(ids),
        ):
            texts[row["article_id"]].append(row["text"])
        return texts

    def article_row(self, article_id: str) -> sqlite3.Row | None:
        rows = self.query("SELECT * FROM articles WHERE id=?", (article_id,))
        return rows[0] if rows else None

    def article_rows(self) -> list[sqlite3.Row]:
        """Every article's id, title, origin and copy link, in ingest order (the reindex report)."""
        return self.query("SELECT id, title, origin, duplicate_of FROM articles ORDER BY rowid")

    # -- summaries ----------------------------------------------------------------------------------------------
    def sources(self, scopes: tuple[str, ...] | None = None) -> list[SourceStats]:
        sql = "SELECT source, COUNT(*) n, MIN(date) d0, MAX(date) d1 FROM articles"
        params: list = []
        if scopes is not None:
            sql += f" WHERE scope IN ({','.join('?' * len(scopes))})"
            params = list(scopes)
        rows = self.query(sql + " GROUP BY source ORDER BY n DESC, source", params)
        return [SourceStats(r["source"], r["n"], r["d0"], r["d1"]) for r in rows]

    def counts(self, scopes: tuple[str, ...] | None = None) -> dict[str, int]:
        """Articles, paragraphs, vectors, syndicated copies and outlets, optionally only those ``scopes`` see."""
        where, params = "", []
        if scopes is not None:
            where = f" WHERE scope IN ({','.join('?' * len(scopes))})"
            params = list(scopes)
        art = self.query(
            "SELECT COUNT(*) a, COALESCE(SUM(duplicate_of IS NOT NULL), 0) d, COUNT(DISTINCT source) s "
            f"FROM articles{where}",
            params,
        )[0]
        if scopes is None:
            para = self.query("SELECT COUNT(*) p, COUNT(vector) v FROM paragraphs")[0]
        else:
            para = self.query(
                "SELECT COUNT(*) p, COUNT(p.vector) v FROM paragraphs p JOIN articles a ON a.id = p.article_id"
                + where.replace("scope", "a.scope"),
                params,
            )[0]
        return {
            "articles": art["a"],
            "paragraphs": para["p"],
            "vectors": para["v"],
            "duplicates": art["d"],
            "sources": art["s"],
        }
