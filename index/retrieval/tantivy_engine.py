"""A top-k lexical engine (Tantivy: BM25 with block-max WAND) as a derived cache of the store's lexical terms.

Why: SQLite FTS5's ``bm25()`` scores every posting of every matched term (no top-k pruning) and a filter joins
``articles`` in SQL: 68-127 ms a question at 1M paragraphs (issue 24). Tantivy keeps the same documents in
memory-mapped segments and stops scoring once the top k cannot change.

The store stays the only truth. Each paragraph document holds the *store's own* FTS5 terms (``paragraph_terms``:
our tokens, stemmed, demonyms folded, CJK pairs; whitespace-joined), indexed with Tantivy's whitespace tokenizer,
so a question matches exactly the tokens it matches in FTS5; plus its article's filter fields (day as
``facets.day_of``, scope, lower-cased outlet, article id), so every filter runs inside the engine. The cache is
caught up from the store's sequence like the vector cache (``catch_up``): the article change log first (an
article whose fields changed has its stored paragraphs re-added), then the paragraphs after our position, then the
tombstones. The position is a document of its own (pid 0), so it is committed atomically with the rows: a process
killed mid-write leaves the last commit, whole. One writer at a time across processes (an ``fcntl`` lock beside the
index; Tantivy's own writer lock inside it), any number of readers. A missing or damaged index, or one ahead of the
store (a restored backup), is rebuilt from the store.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import tantivy

from index.models import Filters
from index.store.articles import Store
from index.vectors.facets import _ASCII_LOWER, ODD_DATE, NotExact, day_of, filter_day, filtered
from index.vectors.faiss_file import file_lock

log = logging.getLogger(__name__)

FORMAT = 1  # bump when the schema or the meaning of a field changes: an older index is rebuilt
LOCK_FILE = "lexical.lock"
BATCH = 20_000  # stored rows read per step while catching up
WRITER_HEAP = 64_000_000
META_PID = 0  # paragraph ids start at 1: pid 0 is the document holding the cache's position

# CROSS JOIN keeps ``paragraphs`` outermost: with a plain JOIN SQLite's planner scans the whole FTS5 table for the
# rows after a position (seconds at 1M paragraphs) instead of looking each paragraph's terms up by rowid.
ROWS_SQL = (
    "SELECT p.id, p.article_id, t.terms, a.date, a.scope, lower(a.source) outlet FROM paragraphs p "
    "CROSS JOIN paragraph_terms t ON t.rowid = p.id JOIN articles a ON a.id = p.article_id "
)


def _schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_unsigned_field("pid", indexed=True, fast=True)
    b.add_text_field("terms", tokenizer_name="whitespace", index_option="freq")
    b.add_text_field("article", tokenizer_name="raw", index_option="basic")
    b.add_integer_field("day", indexed=True, fast=True)
    b.add_text_field("scope", tokenizer_name="raw", index_option="basic")
    b.add_text_field("outlet", tokenizer_name="raw", index_option="basic")
    b.add_text_field("meta", stored=True, tokenizer_name="raw", index_option="basic")
    return b.build()


SCHEMA = _schema()


def _scope(value: str | None) -> str:
    return "s:" + (value or "")  # never an empty term


def _outlet(value: str | None) -> str:
    return "o:" + (value or "").translate(_ASCII_LOWER)


class Damaged(Exception):
    """The index on disk cannot be read as one of ours."""


class TantivyLexical:
    """BM25 top-k over the store's lexical terms, filters inside the engine; caught up from the store."""

    name = "tantivy"

    def __init__(self, directory: Path, store: Store, threads: int = 1) -> None:
        self.directory = directory
        self.store = store
        self.threads = threads
        self.index: tantivy.Index | None = None
        self.searcher: tantivy.Searcher | None = None
        self.position = (0, 0, 0)  # (last paragraph id, tombstone seq, article change seq), as Store.head()
        self.odd_dates = False
        self._lock = threading.RLock()

    @property
    def path(self) -> Path:
        return self.directory / "tantivy"

    # -- opening, reading the position ------------------------------------------------------------------------------
    def _open_existing(self) -> None:
        """Open the index on disk and read its position; raises ``Damaged`` on anything unreadable."""
        try:
            if not self.path.is_dir() or not tantivy.Index.exists(str(self.path)):
                raise Damaged("missing")
            index = tantivy.Index.open(str(self.path))
            index.config_reader(reload_policy="Manual")  # no watcher thread: we reload when the store moves
            index.reload()
            searcher = index.searcher()
            meta = self._meta(searcher)
        except Damaged:
            raise
        except BaseException as exc:  # noqa: BLE001 - pyo3's PanicException is a BaseException
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            raise Damaged(str(exc) or type(exc).__name__) from exc
        if meta.get("format") != FORMAT:
            raise Damaged(f"format {meta.get('format')!r}, not {FORMAT}")
        self.index, self.searcher = index, searcher
        self.position = tuple(int(x) for x in meta["position"])  # type: ignore[assignment]
        self.odd_dates = self._count(tantivy.Query.term_query(SCHEMA, "day", ODD_DATE)) > 0

    def close(self) -> None:
        """Let go of the index: its segments stay memory-mapped while a searcher holds them, and a segment file
        truncated under a mapping kills the process with SIGBUS on the next read of a lost page. A later search
        opens the index again."""
        with self._lock:
            self.index = self.searcher = None
            self.position = (0, 0, 0)

    def _meta(self, searcher: tantivy.Searcher) -> dict:
        hits = searcher.search(tantivy.Query.term_query(SCHEMA, "pid", META_PID), 1).hits
        if not hits:
            raise Damaged("no position document")
        return json.loads(searcher.doc(hits[0][1])["meta"][0])

    def _count(self, query: tantivy.Query) -> int:
        assert self.searcher is not None
        return int(self.searcher.search(query, 1, count=True).count or 0)

    def _reload(self) -> None:
        """The last commit of any process, with its position."""
        assert self.index is not None
        self.index.reload()
        self.searcher = self.index.searcher()
        self.position = tuple(int(x) for x in self._meta(self.searcher)["position"])  # type: ignore[assignment]

    # -- catching up ------------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Be where the store is: reload another process's commit, else catch up under the writer lock."""
        with self._lock:
            head = self.store.head()
            if self.index is not None and self.position == head:
                return
            if self.index is not None:
                try:
                    self._reload()
                except BaseException as exc:  # noqa: BLE001 - damaged under us: rebuilt below
                    if isinstance(exc, KeyboardInterrupt | SystemExit):
                        raise
                    self.index = None
                if self.index is not None and self.position == head:
                    return
            self.directory.mkdir(parents=True, exist_ok=True)
            with file_lock(self.directory / LOCK_FILE):
                self._catch_up_locked()

    def _catch_up_locked(self) -> None:
        try:
            self._open_existing()
        except Damaged as exc:
            if str(exc) != "missing":
                log.warning(
                    "the lexical index %s is damaged (%s): rebuilding it from the store", self.path, exc
                )
            self._rebuild()
            return
        assigned, tomb_seq, change_seq = self.store.head()
        if self.position[0] > assigned or self.position[1] > tomb_seq or self.position[2] > change_seq:
            log.warning(
                "the lexical index %s is ahead of the store (a restored backup?): rebuilding it", self.path
            )
            self._rebuild()
            return
        if self.position != (assigned, tomb_seq, change_seq):
            self._write(fresh=False)

    def _rebuild(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        self.path.mkdir(parents=True)
        self.index = tantivy.Index(SCHEMA, str(self.path), reuse=False)
        self.index.config_reader(reload_policy="Manual")
        self.position = (0, 0, 0)
        self._write(fresh=True)
        log.info(
            "lexical index built from the store: %d paragraphs", self._count(tantivy.Query.all_query()) - 1
        )

    def _write(self, fresh: bool) -> None:
        """Apply what the store holds after our position, with one commit (the position document included)."""
        assert self.index is not None
        last_id, tomb_seq, change_seq = self.position
        # read first: every id up to ``assigned`` is committed or was rolled back. A fresh build reads the rows as
        # they are now, so it starts from the store's current tombstone and change positions; a paragraph deleted
        # or an article changed while it reads comes after them and is applied below or by the next catch-up.
        assigned, tomb_head, change_head = self.store.head()
        if fresh:
            tomb_seq, change_seq = tomb_head, change_head
        writer = self.index.writer(WRITER_HEAP, self.threads)
        try:
            last_change, changed = self.store.article_changes_after(change_seq)
            if changed:  # their stored paragraphs come back with the article's new fields
                for i in range(0, len(changed), 500):
                    chunk = changed[i : i + 500]
                    for aid in chunk:
                        writer.delete_documents_by_term("article", aid)
                    rows = self.store.query_in(
                        ROWS_SQL + "WHERE p.article_id IN ({marks}) AND p.id <= " + str(int(last_id)), chunk
                    )
                    self._add(writer, rows)
            while True:
                rows = self.store.query(ROWS_SQL + "WHERE p.id > ? ORDER BY p.id LIMIT ?", (last_id, BATCH))
                if not rows:
                    break
                self._add(writer, rows)
                last_id = int(rows[-1]["id"])
            last_id = max(last_id, assigned)
            last_seq, gone = self.store.tombstones_after(tomb_seq)
            if len(gone):
                gone = np.unique(gone)
                stored = {
                    int(r[0])
                    for r in self.store.query_in(
                        "SELECT id FROM paragraphs WHERE id IN ({marks})", gone.tolist()
                    )
                }
                dropped = [
                    int(p) for p in gone.tolist() if int(p) not in stored
                ]  # still stored: a new vector only
                if dropped:
                    writer.delete_documents_by_query(tantivy.Query.term_set_query(SCHEMA, "pid", dropped))
            self.position = (last_id, last_seq, last_change)
            writer.delete_documents_by_query(tantivy.Query.term_query(SCHEMA, "pid", META_PID))
            meta = json.dumps({"format": FORMAT, "position": list(self.position)})
            doc = tantivy.Document()
            doc.add_unsigned("pid", META_PID)
            doc.add_text("meta", meta)
            writer.add_document(doc)
            writer.commit()
            writer.wait_merging_threads()
        except BaseException:
            writer.rollback()
            raise
        self._reload()
        self.odd_dates = self._count(tantivy.Query.term_query(SCHEMA, "day", ODD_DATE)) > 0

    @staticmethod
    def _add(writer: tantivy.IndexWriter, rows: Iterable) -> None:
        for r in rows:
            doc = tantivy.Document()
            doc.add_unsigned("pid", int(r["id"]))
            doc.add_text("terms", r["terms"])
            doc.add_text("article", r["article_id"])
            doc.add_integer("day", day_of(r["date"]))
            doc.add_text("scope", _scope(r["scope"]))
            doc.add_text("outlet", _outlet(r["outlet"]))
            writer.add_document(doc)

    # -- search -----------------------------------------------------------------------------------------------------
    def search(self, terms: list[str], k: int, filters: Filters | None) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` (paragraph ids, BM25 scores) for any of ``terms`` among what ``filters`` allow. Raises
        ``NotExact`` where the engine cannot apply a filter exactly as SQL would (the caller asks FTS5)."""
        empty = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        terms = list(dict.fromkeys(t for t in terms if t))
        if not terms or k <= 0:
            return empty
        self.refresh()
        text = [
            (tantivy.Occur.Should, tantivy.Query.term_query(SCHEMA, "terms", t, index_option="freq"))
            for t in terms
        ]
        query = tantivy.Query.boolean_query(text)
        if filters is not None and filtered(filters):
            if filters.scopes is not None and not filters.scopes:
                return empty
            clauses = self._filter_clauses(filters)
            query = tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, query)]
                + [(tantivy.Occur.Must, tantivy.Query.const_score_query(c, 0.0)) for c in clauses]
            )
        with self._lock:
            searcher = self.searcher
        assert searcher is not None
        hits = searcher.search(query, k, count=False).hits
        if not hits:
            return empty
        pids = searcher.fast_field_values("pid", [h[1] for h in hits])
        return np.asarray(pids, dtype=np.int64), np.asarray([h[0] for h in hits], dtype=np.float32)

    def document_frequencies(self, terms: list[str]) -> dict[str, int]:
        """Paragraphs holding each term, from the engine's term dictionary (FTS5's ``fts5vocab`` reads cost 6-12 ms
        a question at 1M paragraphs; these are microseconds). Deleted documents count until their segment is
        merged, as in Tantivy's own BM25."""
        self.refresh()
        with self._lock:
            searcher = self.searcher
        assert searcher is not None
        out = {}
        for t in dict.fromkeys(terms):
            n = int(searcher.doc_freq("terms", t))
            if n:
                out[t] = n
        return out

    def _filter_clauses(self, filters: Filters) -> list[tantivy.Query]:
        """The filters as Tantivy queries, with ``Store.filter_sql``'s rules (see ``facets`` for the day scale)."""
        out: list[tantivy.Query] = []
        if (filters.since or filters.until or filters.as_of) and self.odd_dates:
            raise NotExact("a stored date is not YYYY-MM-DD")
        low, high = 0, None  # an undated article (-1) passes no date filter
        if filters.since:
            low = max(low, filter_day(filters.since))
        if filters.until:
            high = filter_day(filters.until)
        if filters.as_of:
            bound = filter_day(filters.as_of) - 1
            high = bound if high is None else min(high, bound)
        if filters.since or filters.until or filters.as_of:
            out.append(tantivy.Query.range_query(SCHEMA, "day", tantivy.FieldType.Integer, low, high))
        if filters.scopes is not None:
            out.append(tantivy.Query.term_set_query(SCHEMA, "scope", [_scope(s) for s in filters.scopes]))
        if filters.source:
            # the outlet's own articles, and the originals of its syndicated copies (read from the store: few)
            originals = [
                r[0]
                for r in self.store.query(
                    "SELECT DISTINCT duplicate_of FROM articles WHERE duplicate_of IS NOT NULL "
                    "AND lower(source) = lower(?)",
                    (filters.source,),
                )
            ]
            own = tantivy.Query.term_query(SCHEMA, "outlet", _outlet(filters.source), index_option="basic")
            if originals:
                copies = tantivy.Query.term_set_query(SCHEMA, "article", originals)
                own = tantivy.Query.boolean_query(
                    [(tantivy.Occur.Should, own), (tantivy.Occur.Should, copies)]
                )
            out.append(own)
        return out

    def size(self) -> int:
        """Paragraph documents in the index (the position document left out)."""
        self.refresh()
        return self._count(tantivy.Query.all_query()) - 1
