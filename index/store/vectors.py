"""The store's queries on vectors, the lexical index and reindexing (a part of ``Store``, kept apart for size).

Vectors are float32 blobs on their paragraph rows (1,536 bytes for MiniLM's 384 dimensions): the truth the FAISS
cache is derived from. The lexical index is FTS5 over our own tokens (``lexical.tokenize``: stemmed, demonyms
folded), ranked by SQLite's BM25, in the same transactions as the paragraphs, so every process sees the same
lexical index at once and nothing is rebuilt per change.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Protocol

import numpy as np

from index.models import Filters


class Store(Protocol):
    """What these queries use of ``index.store.articles.Store`` (which mixes this class in)."""

    def query(self, sql: str, params: Sequence | dict = ()) -> list[sqlite3.Row]: ...
    def query_in(self, sql: str, values: Sequence, chunk: int = 500) -> list[sqlite3.Row]: ...
    def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...
    def get_meta(self, key: str, default: str | None = None) -> str | None: ...
    def set_meta(self, conn: sqlite3.Connection, key: str, value: str) -> None: ...
    def bump_version(self, conn: sqlite3.Connection) -> None: ...
    def filter_sql(self, filters: Filters, alias: str = "a") -> tuple[list[str], list]: ...


MODEL_KEY, DIMENSION_KEY, EPOCH_KEY, REINDEX_KEY = "model", "dimension", "vectors_epoch", "reindex_model"


class VectorRows:
    """Mixed into ``Store``: every method runs on the store's connection and lock."""

    # -- vectors (the truth the FAISS cache is derived from) -----------------------------------------------------
    @staticmethod
    def _matrix(rows: list[sqlite3.Row], dimension: int | None) -> np.ndarray:
        if not rows:
            return np.zeros((0, dimension or 0), dtype=np.float32)
        return np.frombuffer(b"".join(r["vector"] for r in rows), dtype=np.float32).reshape(len(rows), -1)

    def vectors(
        self: Store, ids: Sequence[int], dimension: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(ids that have a vector, their vectors) for these paragraph ids, in the order asked."""
        rows = self.query_in(
            "SELECT id, vector FROM paragraphs WHERE vector IS NOT NULL AND id IN ({marks})",
            [int(i) for i in ids],
        )
        by_id = {r["id"]: r for r in rows}
        ordered = [by_id[int(i)] for i in ids if int(i) in by_id]
        return np.asarray([r["id"] for r in ordered], dtype=np.int64), self._matrix(ordered, dimension)

    def vectors_after(self: Store, last_id: int, limit: int = 20_000) -> tuple[np.ndarray, np.ndarray]:
        """The next paragraphs with vectors after ``last_id``, in id order (a cache's catch-up or rebuild)."""
        ids, _, vecs = self.paragraphs_after(last_id, limit)
        return ids, vecs

    def tombstones_after(self: Store, seq: int) -> tuple[int, np.ndarray]:
        """(the newest tombstone's seq, ids of paragraphs deleted after ``seq``)."""
        rows = self.query("SELECT seq, paragraph_id FROM tombstones WHERE seq > ? ORDER BY seq", (int(seq),))
        last = rows[-1]["seq"] if rows else int(seq)
        return last, np.asarray([r["paragraph_id"] for r in rows], dtype=np.int64)

    def positions(self: Store) -> tuple[int, int]:
        """(highest paragraph id ever assigned, newest tombstone seq): where the store is, for the caches."""
        paragraphs, tombstones, _ = self.head()
        return paragraphs, tombstones

    def head(self: Store) -> tuple[int, int, int]:
        """``positions()`` plus the newest article change (schema v4's log): where the FAISS cache and its filter
        fields must be to be current. One query: every question reads it."""
        row = self.query(
            "SELECT (SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name='paragraphs') p, "
            "(SELECT COALESCE(MAX(seq), 0) FROM tombstones) t, "
            "(SELECT COALESCE(MAX(seq), 0) FROM article_changes) a"
        )[0]
        return int(row["p"]), int(row["t"]), int(row["a"])

    def paragraphs_after(
        self: Store, last_id: int, limit: int = 20_000
    ) -> tuple[np.ndarray, list[str], np.ndarray]:
        """(ids, their article ids, vectors) of the next paragraphs with vectors after ``last_id``, in id order."""
        rows = self.query(
            "SELECT id, article_id, vector FROM paragraphs WHERE id > ? AND vector IS NOT NULL ORDER BY id LIMIT ?",
            (int(last_id), limit),
        )
        ids = np.asarray([r["id"] for r in rows], dtype=np.int64)
        return ids, [r["article_id"] for r in rows], self._matrix(rows, None)

    def article_changes_after(self: Store, seq: int) -> tuple[int, list[str]]:
        """(the newest change's seq, ids of the articles inserted, updated or deleted after ``seq``)."""
        rows = self.query(
            "SELECT seq, article_id FROM article_changes WHERE seq > ? ORDER BY seq", (int(seq),)
        )
        last = rows[-1]["seq"] if rows else int(seq)
        return last, list(dict.fromkeys(r["article_id"] for r in rows))

    def article_facet_rows(self: Store, ids: Sequence[str] | None = None) -> list[sqlite3.Row]:
        """(id, date, scope, outlet, duplicate_of) of these articles (all when ``ids`` is None): what filters read.
        The outlet is ``lower(source)`` as SQLite lowers it, so it matches ``filter_sql`` exactly."""
        sql = "SELECT id, date, scope, lower(source) outlet, duplicate_of FROM articles"
        if ids is None:
            return self.query(sql)
        return self.query_in(sql + " WHERE id IN ({marks})", list(ids))

    def ids_without_vector(self: Store) -> np.ndarray:
        rows = self.query("SELECT id FROM paragraphs WHERE vector IS NULL ORDER BY id")
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def set_vectors(self: Store, conn: sqlite3.Connection, ids: Sequence[int], vectors: np.ndarray) -> None:
        conn.executemany(
            "UPDATE paragraphs SET vector=? WHERE id=?",
            [(np.asarray(v, dtype=np.float32).tobytes(), int(i)) for i, v in zip(ids, vectors, strict=True)],
        )

    # -- lexical index (FTS5 over our own tokens; BM25 ranking inside SQLite) ------------------------------------
    def lexical_search(
        self, terms: Sequence[str], k: int, filters: Filters | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` paragraph ids by BM25 for any of ``terms`` (already tokenised), filters applied in SQL."""
        if not terms or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        match = " OR ".join(f'"{t}"' for t in dict.fromkeys(terms) if '"' not in t)
        where, params = self.filter_sql(filters or Filters())
        if where:
            sql = (
                "SELECT t.rowid id, -bm25(paragraph_terms) s FROM paragraph_terms t "
                "JOIN paragraphs p ON p.id = t.rowid JOIN articles a ON a.id = p.article_id "
                f"WHERE paragraph_terms MATCH ? AND {' AND '.join(where)} ORDER BY s DESC LIMIT ?"
            )
        else:
            sql = "SELECT rowid id, -bm25(paragraph_terms) s FROM paragraph_terms WHERE paragraph_terms MATCH ? "
            sql += "ORDER BY rank LIMIT ?"
        rows = self.query(sql, [match, *params, int(k)] if where else [match, int(k)])
        return (
            np.asarray([r["id"] for r in rows], dtype=np.int64),
            np.asarray([r["s"] for r in rows], dtype=np.float32),
        )

    def document_frequencies(self: Store, terms: Sequence[str]) -> dict[str, int]:
        wanted = list(dict.fromkeys(terms))
        rows = self.query_in("SELECT term, doc FROM paragraph_vocab WHERE term IN ({marks})", wanted)
        return {r["term"]: int(r["doc"]) for r in rows}

    def paragraph_count(self: Store) -> int:
        return int(self.query("SELECT COUNT(*) FROM paragraphs")[0][0])

    def captions(self: Store, ids: Sequence[int]) -> set[int]:
        rows = self.query_in(
            "SELECT id FROM paragraphs WHERE caption=1 AND id IN ({marks})", [int(i) for i in ids]
        )
        return {r["id"] for r in rows}

    def article_of(self: Store, ids: Sequence[int]) -> dict[int, str]:
        rows = self.query_in(
            "SELECT id, article_id FROM paragraphs WHERE id IN ({marks})", [int(i) for i in ids]
        )
        return {r["id"]: r["article_id"] for r in rows}

    def article_paragraph_rows(self: Store, article_ids: Sequence[str]) -> list[tuple[int, str]]:
        """(paragraph id, article id) of every paragraph of these articles, article by article in reading order."""
        rows = self.query_in(
            "SELECT id, article_id FROM paragraphs WHERE article_id IN ({marks}) ORDER BY article_id, ordinal",
            list(article_ids),
        )
        return [(r["id"], r["article_id"]) for r in rows]

    # -- the model the stored vectors come from --------------------------------------------------------------------
    def model_identity(self: Store) -> tuple[str | None, int | None]:
        model, dim = self.get_meta(MODEL_KEY), self.get_meta(DIMENSION_KEY)
        return model, int(dim) if dim else None

    def claim_model(self: Store, conn: sqlite3.Connection, model: str, dimension: int) -> None:
        """Record which model the vectors come from, when no vector was stored yet."""
        if conn.execute("SELECT 1 FROM meta WHERE key=?", (MODEL_KEY,)).fetchone() is None:
            self.set_meta(conn, MODEL_KEY, model)
            self.set_meta(conn, DIMENSION_KEY, str(dimension))
            self.set_meta(conn, EPOCH_KEY, uuid.uuid4().hex)

    def epoch(self: Store) -> str:
        """Changes when every vector is replaced (``reindex``, an upgrade): caches of another epoch are rebuilt."""
        return self.get_meta(EPOCH_KEY, "") or ""

    # -- reindex: new vectors aside, then one swap ---------------------------------------------------------------
    def reindex_target(self: Store) -> str | None:
        return self.get_meta(REINDEX_KEY)

    def start_reindex(self: Store, model: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM reindex_vectors")
            self.set_meta(conn, REINDEX_KEY, model)

    def ids_to_reindex(self: Store) -> np.ndarray:
        """Paragraphs without a new vector yet (a reindex that was stopped resumes where it was)."""
        rows = self.query(
            "SELECT id FROM paragraphs WHERE id NOT IN (SELECT id FROM reindex_vectors) ORDER BY id"
        )
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def paragraph_texts(self: Store, ids: Sequence[int]) -> dict[int, str]:
        rows = self.query_in("SELECT id, text FROM paragraphs WHERE id IN ({marks})", [int(i) for i in ids])
        return {r["id"]: r["text"] for r in rows}

    def put_reindexed(self: Store, ids: Sequence[int], vectors: np.ndarray) -> None:
        with self.transaction() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO reindex_vectors(id, vector) VALUES(?, ?)",
                [
                    (int(i), np.asarray(v, dtype=np.float32).tobytes())
                    for i, v in zip(ids, vectors, strict=True)
                ],
            )

    def finish_reindex(
        self: Store, model: str, dimension: int, encode: Callable[[list[str]], np.ndarray]
    ) -> None:
        """Swap every new vector in at once; paragraphs ingested meanwhile are embedded inside the transaction
        (few, since the caller's chunks ran until just before), so none keeps a vector of the old model."""
        with self.transaction() as conn:
            late = conn.execute(
                "SELECT id, text FROM paragraphs WHERE id NOT IN (SELECT id FROM reindex_vectors) ORDER BY id"
            ).fetchall()
            if late:
                vecs = encode([r["text"] for r in late])
                conn.executemany(
                    "INSERT INTO reindex_vectors(id, vector) VALUES(?, ?)",
                    [
                        (r["id"], np.asarray(v, dtype=np.float32).tobytes())
                        for r, v in zip(late, vecs, strict=True)
                    ],
                )
            conn.execute(
                "UPDATE paragraphs SET vector = (SELECT r.vector FROM reindex_vectors r WHERE r.id = paragraphs.id)"
            )
            conn.execute("DELETE FROM reindex_vectors")
            conn.execute("DELETE FROM meta WHERE key=?", (REINDEX_KEY,))
            self.set_meta(conn, MODEL_KEY, model)
            self.set_meta(conn, DIMENSION_KEY, str(dimension))
            self.set_meta(conn, EPOCH_KEY, uuid.uuid4().hex)
            self.bump_version(conn)

    # -- the Milvus vector backend (index/vectors/milvus.py) ---------------------------------------------------
    def paragraph_facets(self: Store, ids: Sequence[int]) -> dict[int, tuple[str | None, str, str]]:
        """(article date, source, scope) of these paragraphs: the scalar fields Milvus filters on."""
        rows = self.query_in(
            "SELECT p.id, a.date, a.source, a.scope FROM paragraphs p JOIN articles a ON a.id = p.article_id "
            "WHERE p.id IN ({marks})",
            [int(i) for i in ids],
        )
        return {r["id"]: (r["date"], r["source"] or "", r["scope"] or "") for r in rows}

    def syndicated_paragraph_ids(self: Store, outlet: str) -> list[int]:
        """Paragraphs of articles from another outlet that match ``outlet`` through a syndicated copy from it (a
        row with ``duplicate_of`` = the article): the part of ``filter_sql``'s outlet rule that a per-paragraph
        field in Milvus cannot say. Copies are few, so this list is short. Case-insensitive like ``filter_sql``."""
        rows = self.query(
            "SELECT p.id FROM paragraphs p JOIN articles a ON a.id = p.article_id "
            "WHERE lower(a.source) != lower(?) AND a.id IN "
            "(SELECT duplicate_of FROM articles WHERE duplicate_of IS NOT NULL AND lower(source) = lower(?)) "
            "ORDER BY p.id",
            (outlet, outlet),
        )
        return [int(r[0]) for r in rows]
