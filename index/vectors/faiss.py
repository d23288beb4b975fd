"""The FAISS index: a derived cache of the vectors stored in SQLite, caught up from the store's position.

The store holds every paragraph's vector; this index exists only to search them fast. It remembers where in the
store it is (the highest paragraph id it holds and the last tombstone it applied), so any process catches up by
reading only the rows after that (``driver.catch_up``): no re-embedding, ever. The cache file (``faiss_file``) is
written rarely (when the part caught up since the last save grows past ``SAVE_AFTER``, and after a rebuild), so the
cost of one new article does not grow with the corpus. A missing, truncated or foreign cache file is rebuilt from
the stored vectors with one log line; it never stops a command.

Index chosen by size: exact inner-product search (``IndexFlatIP`` in ``IndexIDMap2``) while a scan is cheap; past
``EXACT_MAX`` vectors IVF-SQ8 (``ivf``). Filters run inside the search: the cache also holds each paragraph's filter
fields (``facets``), so a filter becomes a bitmap ``IDSelector`` without asking SQL for ids; a filter that allows
only a few thousand paragraphs is answered exactly from their stored vectors instead.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import faiss
import numpy as np

from index.models import Filters
from index.store.articles import Store
from index.vectors import driver
from index.vectors.base import EXACT_MAX, Position
from index.vectors.facets import Allowed, Facets, NotExact, filtered
from index.vectors.faiss_file import (
    CACHE_FILE,
    LOCK_FILE,
    CacheContents,
    OlderCache,
    atomic_write_bytes,
    encode,
    file_lock,
    read_header,
)
from index.vectors.faiss_file import (
    read as read_cache,
)
from index.vectors.ivf import REFINE, build_ivf, ivf_ids, refine

log = logging.getLogger(__name__)

# Rewrite the cache file once this many rows were caught up since it was saved (and at least SAVE_FRACTION of
# it): a process that starts later then reads at most that many rows from SQLite, and one new article never
# rewrites the whole file.
SAVE_AFTER = 20_000
SAVE_FRACTION = 0.05
SMALL_FILTER = 5_000  # a filter allowing at most this many paragraphs is searched exactly


class VectorIndex:
    """FAISS over stored vectors (a ``VectorStore``). Thread-safe; searches may run while another thread catches
    up."""

    def __init__(self, dimension: int, model: str, exact_max: int = EXACT_MAX, directory: Path | None = None):
        self.dimension = dimension
        self.model = model
        self.exact_max = exact_max
        self.directory = directory  # where the cache file lives (None: never saved)
        self.index: faiss.Index = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        self.nprobe = 0  # 0 = exact index; otherwise the IVF index's probes per query
        self.store: Store | None = None  # for exact answers to narrow filters on an approximate index
        self.position = Position()
        self.saved_rows = 0  # rows in the cache file when it was last read or written
        self.facets = Facets()
        self._lock = threading.RLock()

    @property
    def approximate(self) -> bool:
        return self.nprobe > 0

    def describe(self) -> str:
        if not self.approximate:
            return "FAISS flat (exact)"
        return f"FAISS IVF-SQ8 (nlist {faiss.extract_index_ivf(self.index).nlist}, nprobe {self.nprobe})"

    def current(self, epoch: str) -> bool:
        return self.position.epoch == epoch

    # -- the cache file ------------------------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        with self._lock:
            return encode(
                CacheContents(self.model, self.dimension, self.index, self.facets, self.nprobe, self.position)
            )

    @classmethod
    def read(cls, path: Path) -> VectorIndex:
        """The cache file at ``path`` (streamed, ``faiss_file.read``); raises on anything but a whole cache file."""
        return cls._of(read_cache(path))

    @classmethod
    def _of(cls, c: CacheContents) -> VectorIndex:
        vi = cls(c.dimension, c.model)
        vi.index, vi.facets, vi.nprobe, vi.position = c.index, c.facets, c.nprobe, c.position
        vi.saved_rows = int(c.index.ntotal)
        return vi

    @classmethod
    def open(
        cls, directory: Path, store: Store, dimension: int, model: str, epoch: str, exact_max: int = EXACT_MAX
    ) -> VectorIndex:
        """The cache in ``directory`` caught up with ``store``; rebuilt from the store when unusable."""
        path = directory / CACHE_FILE
        vi: VectorIndex | None = None
        if path.exists():
            try:
                vi = cls.read(path)
            except OlderCache:
                log.warning(
                    "the vector cache %s is from an older Newsdesk: rebuilding it from the store", path
                )
            except Exception as exc:  # noqa: BLE001 - any damage means: rebuild from the truth
                log.warning("the vector cache %s is damaged (%s): rebuilding it from the store", path, exc)
            if vi is not None and (vi.model, vi.dimension, vi.position.epoch) != (model, dimension, epoch):
                log.warning("the vector cache %s is from another model or reindex: rebuilding it", path)
                vi = None
            assigned, tomb_seq = store.positions()
            if vi is not None and (vi.position.last_id > assigned or vi.position.tomb_seq > tomb_seq):
                # The store went back in time (a backup was restored): its next ids would meet cached vectors.
                log.warning(
                    "the vector cache %s is ahead of the store (a restored backup?): rebuilding it", path
                )
                vi = None
        if vi is None:
            vi = cls(dimension, model, exact_max, directory)
            vi.position.epoch = epoch
            vi.catch_up(store)
            vi.save(directory)
            if len(vi):
                log.info("vector cache rebuilt from the store: %d vectors", len(vi))
        else:
            vi.exact_max, vi.directory = exact_max, directory
            vi.catch_up(store)
            vi.save_if_due(directory)
        vi.store = store
        if not vi.approximate and len(vi) > vi.exact_max:
            vi.build_approximate(store)
            vi.save(directory)
        return vi

    def refresh(self, store: Store) -> None:
        if self.head() == store.head():
            return
        self.catch_up(store)
        if not self.approximate and len(self) > self.exact_max:
            self.build_approximate(store)
            if self.directory is not None:
                self.save(self.directory)
        elif self.directory is not None:
            self.save_if_due(self.directory)

    def save(self, directory: Path) -> None:
        """Write the cache (a derived copy of the store): a full or read-only disk costs a warning, never the
        question being answered; it is saved again once enough has been caught up."""
        try:
            self._save(directory)
        except OSError as exc:
            log.warning(
                "the vector cache could not be saved in %s (%s); answering from memory", directory, exc
            )
            self.saved_rows = len(self)

    def _save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        with file_lock(directory / LOCK_FILE):
            path = directory / CACHE_FILE
            # Another process may have saved a cache further ahead: keep the one that knows more (its header says;
            # reading its index too would cost a second cold load on every save).
            try:
                on_disk = read_header(path) if path.exists() else None
            except Exception:  # noqa: BLE001 - a damaged file is simply replaced
                on_disk = None
            if (
                on_disk is not None
                and str(on_disk.get("epoch")) == self.position.epoch
                and (int(on_disk.get("last_id", -1)), int(on_disk.get("tomb_seq", -1)))
                >= (self.position.last_id, self.position.tomb_seq)
                and (
                    int(on_disk.get("nprobe", 0)) > 0 or not self.approximate
                )  # a new IVF index replaces the flat one
            ):
                self.saved_rows = len(self)
                return
            atomic_write_bytes(path, self.to_bytes())
            self.saved_rows = len(self)

    def save_if_due(self, directory: Path) -> bool:
        behind = abs(len(self) - self.saved_rows)
        if behind >= SAVE_AFTER and behind >= SAVE_FRACTION * max(self.saved_rows, 1):
            self.save(directory)
            return True
        return False

    # -- catching up from the store (driver.catch_up calls the four methods below) ---------------------------------
    def catch_up(self, store: Store) -> int:
        """Add the paragraphs stored after our position and drop the deleted ones; returns rows changed."""
        with self._lock:
            return driver.catch_up(self, store)

    def before_rows(self, store: Store) -> int:
        """The filter fields of articles changed since our position (every article, the first time)."""
        last, changed = store.article_changes_after(self.facets.change_seq)
        if not self.facets.loaded:
            self.facets.set_articles(store.article_facet_rows())
            self.facets.loaded = True
        elif changed:
            self.facets.set_articles(store.article_facet_rows(changed), changed)
        self.facets.change_seq = last
        return len(changed)

    def put_rows(
        self, store: Store, ids: np.ndarray, article_ids: list[str] | None, vectors: np.ndarray
    ) -> None:
        if article_ids is None:  # a replaced vector: its paragraph (and filter fields) stay
            self.add(ids, vectors)
            return
        # Articles written after the change log was read: their rows now (the log replays them later).
        unknown = self.facets.unknown(article_ids)
        if unknown:
            self.facets.set_articles(store.article_facet_rows(unknown))
        self.add(ids, vectors)
        self.facets.add_paragraphs(ids, article_ids)

    def delete_rows(self, ids: np.ndarray, still_stored: np.ndarray) -> None:
        self.remove(ids)
        self.facets.drop_paragraphs(np.setdiff1d(ids, still_stored))

    def after_rows(self, store: Store, changed: int) -> None:
        return None  # saved by ``refresh`` when enough has changed

    def head(self) -> tuple[int, int, int]:
        """Where this cache is, comparable with ``Store.head()``."""
        return self.position.last_id, self.position.tomb_seq, self.facets.change_seq

    def allowed(self, filters: Filters | None) -> Allowed | None:
        """The paragraphs ``filters`` allow, from the cached filter fields (SQL only where they cannot be exact);
        None when nothing is filtered."""
        if filters is None or not filtered(filters):
            return None
        with self._lock:
            try:
                return self.facets.allowed(filters)
            except NotExact as exc:
                log.info("filter answered by SQL: %s", exc)
        assert self.store is not None
        ids = self.store.allowed_paragraph_ids(filters)
        return Allowed.from_ids(ids if ids is not None else np.zeros(0, dtype=np.int64))

    # -- contents ------------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return int(self.index.ntotal)

    def ids(self) -> np.ndarray:
        with self._lock:
            if not self.approximate:
                return faiss.vector_to_array(self.index.id_map).astype(np.int64)
            return ivf_ids(self.index)

    def build_approximate(self, store: Store) -> None:
        """Replace the exact index by IVF-SQ8 trained from the stored vectors (the same ids), with ``nprobe``
        calibrated on stored vectors against exact search. Runs once when the corpus outgrows ``exact_max``."""
        with self._lock:
            ids = self.ids()
            vecs = np.ascontiguousarray(self.index.reconstruct_batch(ids), dtype=np.float32)
            self.index, nlist, self.nprobe = build_ivf(self.dimension, ids, vecs)
            log.warning(
                "vector index: %d vectors, now approximate (IVF%d,SQ8, nprobe %d)",
                len(ids),
                nlist,
                self.nprobe,
            )

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids) == 0:
            return
        with self._lock:
            self.index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64)
            )

    def remove(self, ids) -> int:
        ids = np.ascontiguousarray(list(ids), dtype=np.int64)
        if len(ids) == 0:
            return 0
        with self._lock:
            # an IVF index with a hash-table direct map removes by an explicit id array only
            sel = (
                faiss.IDSelectorArray(len(ids), faiss.swig_ptr(ids))
                if self.approximate
                else faiss.IDSelectorBatch(ids)
            )
            return int(self.index.remove_ids(sel))

    def vectors(self, ids) -> np.ndarray:
        """Vectors of these paragraph ids (rows in the same order), read back from the index."""
        ids = np.asarray(list(ids), dtype=np.int64)
        if len(ids) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            return self.index.reconstruct_batch(ids)

    def vectors_of(self, ids: list[int], store: Store) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) read back from the index when it holds every one of them (no SQLite read; 8-bit
        quantised once the index is approximate), else from the store (a paragraph another process just added)."""
        wanted = np.asarray(ids, dtype=np.int64)
        if len(wanted):
            try:
                with self._lock:
                    return wanted, self.index.reconstruct_batch(wanted)
            except RuntimeError:  # an id the index does not hold yet
                pass
        return store.vectors(ids, self.dimension)

    # -- search --------------------------------------------------------------------------------------------------
    def search(
        self,
        query: np.ndarray,
        k: int,
        allowed: np.ndarray | Allowed | None = None,
        filters: Filters | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` (ids, scores) by inner product, restricted to ``allowed`` (ids or a mask), or else to what
        ``filters`` allow."""
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        empty = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if allowed is None and filters is not None:
            allowed = self.allowed(filters)
        if allowed is not None and not isinstance(allowed, Allowed):
            allowed = Allowed.from_ids(allowed)
        if k <= 0 or (allowed is not None and allowed.count == 0):
            return empty
        if (
            self.approximate
            and allowed is not None
            and allowed.count <= SMALL_FILTER
            and self.store is not None
        ):
            return self._exact_among(q[0], k, allowed.ids())
        with self._lock:
            n = self.index.ntotal
            if n == 0:
                return empty
            sel = None if allowed is None else allowed.selector()
            if self.approximate:
                params = faiss.SearchParametersIVF(sel=sel, nprobe=self.nprobe)
            else:
                params = None if sel is None else faiss.SearchParameters(sel=sel)
            scores, ids = self.index.search(
                q, min(max(k, REFINE) if self.approximate else k, n), params=params
            )
        keep = ids[0] >= 0
        ids, scores = ids[0][keep], scores[0][keep]
        if self.approximate and self.store is not None and len(ids):
            # 8-bit codes order near-ties arbitrarily: the first candidates get their stored vectors' scores
            ids, scores = refine(q[0], ids, scores, self.store.vectors(ids[:REFINE].tolist(), self.dimension))
        return ids[:k], scores[:k]

    def _exact_among(self, q: np.ndarray, k: int, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Exact scores over a narrow filter's paragraphs, from their stored (unquantised) vectors."""
        assert self.store is not None
        ids, vecs = self.store.vectors(np.asarray(allowed, dtype=np.int64).tolist(), self.dimension)
        if not len(ids):
            return ids, np.zeros(0, dtype=np.float32)
        scores = vecs @ q
        top = np.argsort(-scores, kind="stable")[:k]
        return ids[top], scores[top].astype(np.float32)
