"""The store's queries for single features: the briefing, live sources, the evaluation, the server-private
reindex and tracked questions. Each reads ``articles`` and ``paragraphs`` the way only its feature needs; they live
here, mixed into ``index.store.articles.Store``, so that the store module keeps the core (articles, paragraphs, filters,
writes) small enough to read whole.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from index.models import Article, Paragraph


class Store(Protocol):
    """What these queries use of ``index.store.articles.Store`` (which mixes this class in)."""

    def query(self, sql: str, params: Sequence | dict = ()) -> list[sqlite3.Row]: ...
    def query_in(self, sql: str, values: Sequence, chunk: int = 500) -> list[sqlite3.Row]: ...
    def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...
    def bump_version(self, conn: sqlite3.Connection) -> None: ...
    def set_vectors(self, conn: sqlite3.Connection, ids: Sequence[int], vectors: np.ndarray) -> None: ...
    @staticmethod
    def _article(row: sqlite3.Row) -> Article: ...
    @staticmethod
    def _paragraph(row: sqlite3.Row) -> Paragraph: ...


class FeatureRows:
    """Store queries of single features (mixed into ``index.store.articles.Store``)."""

    # -- queries for the briefing (index/briefing) ------------------------------------------------------------
    def articles_dated(
        self: Store,
        first: str,
        last: str,
        scopes: Sequence[str] | None = None,
        sources: Sequence[str] | None = None,
    ) -> list[Article]:
        """Articles whose stored date is between the days ``first`` and ``last`` (inclusive), syndicated copies
        included, ordered by date, publication time and id (the briefing's window and look-back).

        ``date`` may carry a time after the day (``2004-12-29T10:00``); ``~`` sorts after any such suffix.
        ``sources`` match outlets case-insensitively; ``scopes=None`` means every scope.
        """
        sql = "SELECT * FROM articles WHERE date >= ? AND date <= ?"
        params: list = [first, last + "~"]
        if scopes is not None:
            sql += f" AND scope IN ({','.join('?' * len(scopes))})"
            params += list(scopes)
        if sources:
            sql += f" AND lower(source) IN ({','.join('?' * len(sources))})"
            params += [s.lower() for s in sources]
        return [self._article(row) for row in self.query(sql + " ORDER BY date, published_at, id", params)]

    def paragraphs_of(self: Store, article_ids: Sequence[str]) -> list[tuple[Paragraph, bool]]:
        """Every paragraph of these articles with its caption flag, in article and paragraph order."""
        rows = self.query_in(
            "SELECT * FROM paragraphs WHERE article_id IN ({marks}) ORDER BY article_id, ordinal",
            list(dict.fromkeys(article_ids)),
        )
        return [(self._paragraph(row), bool(row["caption"])) for row in rows]

    # -- queries for live sources (index/sources) -------------------------------------------------------------
    def article_id_by_url(self: Store, url: str, scope: str) -> str | None:
        """Id of the first article stored under ``url`` that ``scope`` can see (global or its own), else None."""
        rows = self.query(
            "SELECT id FROM articles WHERE url=? AND scope IN ('', ?) ORDER BY rowid LIMIT 1",
            (url.strip(), scope),
        )
        return rows[0]["id"] if rows else None

    # -- queries for evaluation (index/eval) ------------------------------------------------------------------
    def latest_articles_on(self: Store, day: str, n: int) -> list[tuple[str, str]]:
        """The ``n`` most recently published articles dated ``day``: (article id, id of the stored text).

        The briefing evaluation's baseline; a syndicated copy's text is stored under its canonical article.
        """
        rows = self.query(
            "SELECT id, duplicate_of FROM articles WHERE date = ? "
            "ORDER BY COALESCE(published_at, '') DESC, rowid DESC LIMIT ?",
            (day, n),
        )
        return [(r["id"], r["duplicate_of"] or r["id"]) for r in rows]

    def lead_paragraph(self: Store, article_id: str) -> str | None:
        """The first paragraph of an article that is not a photo caption, or None."""
        rows = self.query(
            "SELECT text FROM paragraphs WHERE article_id = ? AND caption = 0 ORDER BY ordinal LIMIT 1",
            (article_id,),
        )
        return rows[0]["text"] if rows else None

    def article_dates(self: Store) -> dict[str, str | None]:
        """Every article's date by id (the briefing evaluation's reachability ceiling)."""
        return {r["id"]: r["date"] for r in self.query("SELECT id, date FROM articles")}

    # -- queries for the server-private reindex (index/ingest/reindex.py) ------------------------------------
    @staticmethod
    def _private(scopes: Sequence[str]) -> list[str]:
        """The server scopes among ``scopes``: never ``""``, the shared corpus every server sees."""
        return list(dict.fromkeys(s for s in scopes if s))

    def private_paragraph_ids(self: Store, scopes: Sequence[str]) -> np.ndarray:
        """Ids of the paragraphs of articles stored under these server scopes (the shared corpus excluded)."""
        wanted = FeatureRows._private(scopes)
        if not wanted:
            return np.zeros(0, dtype=np.int64)
        rows = self.query(
            "SELECT p.id FROM paragraphs p JOIN articles a ON a.id = p.article_id "
            f"WHERE a.scope IN ({','.join('?' * len(wanted))}) ORDER BY p.id",
            wanted,
        )
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def private_article_rows(self: Store, scopes: Sequence[str]) -> list[sqlite3.Row]:
        """Id, title, origin and copy link of every article stored under these server scopes, in ingest order."""
        wanted = FeatureRows._private(scopes)
        if not wanted:
            return []
        return self.query(
            "SELECT id, title, origin, duplicate_of FROM articles "
            f"WHERE scope IN ({','.join('?' * len(wanted))}) ORDER BY rowid",
            wanted,
        )

    def replace_vectors(self: Store, ids: Sequence[int], vectors: np.ndarray) -> int:
        """New vectors for these paragraphs, in one transaction, each with a tombstone: every process's cache
        drops the old vector when it catches up and reads the new one back (``VectorIndex.catch_up``); the ids
        stay the same. Paragraphs deleted meanwhile (an article replaced) are skipped. Returns rows updated."""
        with self.transaction() as conn:
            self.set_vectors(conn, ids, vectors)
            updated = conn.executemany(
                "INSERT INTO tombstones(paragraph_id) SELECT id FROM paragraphs WHERE id = ?",
                [(int(i),) for i in ids],
            ).rowcount
            self.bump_version(conn)
        return int(updated)

    # -- queries for tracked questions (index/track) ----------------------------------------------------------
    def new_paragraph_ids(
        self: Store, after: int, upto: int, scopes: Sequence[str] | None, source: str | None
    ) -> np.ndarray:
        """Ids of paragraphs stored after ``after`` up to ``upto`` (the store's sequence) that ``scopes`` may see,
        from ``source`` (or a syndicated copy from it) when given. A range scan of the primary key: its cost is
        the new paragraphs', whatever the size of the corpus."""
        sql = "SELECT p.id FROM paragraphs p JOIN articles a ON a.id = p.article_id WHERE p.id > ? AND p.id <= ?"
        params: list = [int(after), int(upto)]
        if scopes is not None:
            sql += f" AND a.scope IN ({','.join('?' * len(scopes))})"
            params += list(scopes)
        if source:
            sql += (
                " AND (lower(a.source) = lower(?) OR EXISTS "
                "(SELECT 1 FROM articles c WHERE c.duplicate_of = a.id AND lower(c.source) = lower(?)))"
            )
            params += [source, source]
        rows = self.query(sql + " ORDER BY p.id", params)
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def bm25_between(self: Store, terms: Sequence[str], after: int, upto: int) -> dict[int, float]:
        """SQLite's BM25 (positive) of the paragraphs in (``after``, ``upto``] matching any of ``terms``; FTS5 seeks
        by rowid, so only the new part of each term's postings is read."""
        match = " OR ".join(f'"{t}"' for t in dict.fromkeys(terms) if '"' not in t)
        if not match:
            return {}
        rows = self.query(
            "SELECT rowid id, -bm25(paragraph_terms) s FROM paragraph_terms "
            "WHERE paragraph_terms MATCH ? AND rowid > ? AND rowid <= ?",
            (match, int(after), int(upto)),
        )
        return {int(r["id"]): float(r["s"]) for r in rows}
