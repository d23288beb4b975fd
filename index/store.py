"""SQLite (WAL) store: articles, paragraphs with their sentence spans, and small bookkeeping tables.

Paragraph ids are SQLite ``INTEGER PRIMARY KEY AUTOINCREMENT`` values: stable, never reused (so a vector left
behind by a crash can never be mistaken for a newer paragraph), and used as the FAISS ids.
Each article is written in one transaction; the vector index is updated after the commit, and the start-up
consistency check repairs whatever a crash between the two left behind.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from index.models import Article, Filters, Paragraph, SourceRef, SourceStats

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    date TEXT,
    published_at TEXT,
    url TEXT,
    author TEXT,
    scope TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL,
    duplicate_of TEXT REFERENCES articles(id) ON DELETE SET NULL,
    origin TEXT,
    title_derived INTEGER NOT NULL DEFAULT 0,
    n_paragraphs INTEGER NOT NULL DEFAULT 0,
    ingested_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_hash ON articles(content_hash);
CREATE INDEX IF NOT EXISTS articles_date ON articles(date);
CREATE INDEX IF NOT EXISTS articles_dup ON articles(duplicate_of);
CREATE TABLE IF NOT EXISTS paragraphs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    text TEXT NOT NULL,
    sentences TEXT NOT NULL,
    caption INTEGER NOT NULL DEFAULT 0,
    checksum TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS paragraphs_article ON paragraphs(article_id, ordinal);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class Store:
    """One SQLite database; safe to share between threads (calls are serialised by a lock)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self.conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.conn.executescript(SCHEMA)

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
                self.store.conn.execute("COMMIT" if exc_type is None else "ROLLBACK")
            finally:
                self.store._lock.release()

    def transaction(self) -> _Tx:
        return Store._Tx(self)

    # -- meta ---------------------------------------------------------------------------------------------------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        rows = self.query("SELECT value FROM meta WHERE key=?", (key,))
        return rows[0]["value"] if rows else default

    def bump_version(self, conn: sqlite3.Connection) -> None:
        """Every change to paragraphs bumps this counter, so derived caches (BM25) know they are stale."""
        conn.execute(
            "INSERT INTO meta(key, value) VALUES('version', '1') "
            "ON CONFLICT(key) DO UPDATE SET value=CAST(value AS INTEGER) + 1"
        )

    @property
    def version(self) -> int:
        return int(self.get_meta("version", "0") or 0)

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
            sql += f" AND scope IN ({','.join('?' * len(scopes))})"
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

    # -- summaries ----------------------------------------------------------------------------------------------
    def sources(self, scopes: tuple[str, ...] | None = None) -> list[SourceStats]:
        sql = "SELECT source, COUNT(*) n, MIN(date) d0, MAX(date) d1 FROM articles"
        params: list = []
        if scopes is not None:
            sql += f" WHERE scope IN ({','.join('?' * len(scopes))})"
            params = list(scopes)
        rows = self.query(sql + " GROUP BY source ORDER BY n DESC, source", params)
        return [SourceStats(r["source"], r["n"], r["d0"], r["d1"]) for r in rows]

    def counts(self) -> dict[str, int]:
        row = self.query(
            "SELECT (SELECT COUNT(*) FROM articles) a, (SELECT COUNT(*) FROM paragraphs) p, "
            "(SELECT COUNT(*) FROM articles WHERE duplicate_of IS NOT NULL) d, "
            "(SELECT COUNT(DISTINCT source) FROM articles) s"
        )[0]
        return {"articles": row["a"], "paragraphs": row["p"], "duplicates": row["d"], "sources": row["s"]}

    # -- queries for the briefing (index/briefing) ------------------------------------------------------------

    # -- queries for live sources (index/sources) -------------------------------------------------------------

    # -- queries for evaluation (index/eval) ------------------------------------------------------------------
    def latest_articles_on(self, day: str, n: int) -> list[tuple[str, str]]:
        """The ``n`` most recently published articles dated ``day``: (article id, id of the stored text).

        The briefing evaluation's baseline; a syndicated copy's text is stored under its canonical article.
        """
        rows = self.query(
            "SELECT id, duplicate_of FROM articles WHERE date = ? "
            "ORDER BY COALESCE(published_at, '') DESC, rowid DESC LIMIT ?",
            (day, n),
        )
        return [(r["id"], r["duplicate_of"] or r["id"]) for r in rows]

    def lead_paragraph(self, article_id: str) -> str | None:
        """The first paragraph of an article that is not a photo caption, or None."""
        rows = self.query(
            "SELECT text FROM paragraphs WHERE article_id = ? AND caption = 0 ORDER BY ordinal LIMIT 1",
            (article_id,),
        )
        return rows[0]["text"] if rows else None

    def article_dates(self) -> dict[str, str | None]:
        """Every article's date by id (the briefing evaluation's reachability ceiling)."""
        return {r["id"]: r["date"] for r in self.query("SELECT id, date FROM articles")}
