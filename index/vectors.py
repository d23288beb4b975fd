"""The FAISS index: a derived cache of the vectors stored in SQLite, caught up from the store's position.

The store holds every paragraph's vector; this index exists only to search them fast. It remembers where in the
store it is (the highest paragraph id it holds and the last tombstone it applied), so any process catches up by
reading only the rows after that: no re-embedding, ever. The cache file is written rarely (when the part caught
up since the last save grows past ``SAVE_AFTER``, and after a rebuild), atomically, under a lock file, so the cost
of one new article does not grow with the corpus. A missing, truncated or foreign cache file is rebuilt from the
stored vectors with one log line; it never stops a command.

Index chosen by size: exact inner-product search (``IndexFlatIP`` in ``IndexIDMap2``) while a scan is cheap; past
``EXACT_MAX`` vectors an IVF index with 8-bit scalar quantisation (``IVF{nlist},SQ8``: 384 bytes a vector instead of
1,536), trained from the stored vectors, with ``nprobe`` raised at build time until recall@10 against exact search
on a sample of stored vectors reaches ``TARGET_RECALL``. Filters run inside the search: the cache also holds each
paragraph's filter fields (``facets.py``), so a filter becomes a bitmap ``IDSelector`` without asking SQL for ids; a
filter that allows only a few thousand paragraphs is answered exactly from their stored vectors instead.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import faiss
import numpy as np

from index.facets import Allowed, Facets, NotExact, filtered
from index.models import Filters
from index.store import Store

log = logging.getLogger(__name__)

CACHE_FILE = "vectors.cache"
LOCK_FILE = "cache.lock"
MAGIC = b"NDVC3\n"  # 3: the filter fields (facets.py, dates as 2 * YYYYMMDD + suffix) follow the header
# Rewrite the cache file once this many rows were caught up since it was saved (and at least SAVE_FRACTION of
# it): a process that starts later then reads at most that many rows from SQLite, and one new article never
# rewrites the whole file.
SAVE_AFTER = 20_000
SAVE_FRACTION = 0.05
CATCH_UP_BATCH = 20_000
# A flat scan of 384-d float32 vectors costs ~25 ms at 300k on these 2 cores (the scale issue's figures): past this
# size the approximate index takes over. Tests lower it to exercise the IVF path on a small real corpus.
EXACT_MAX = 250_000
TARGET_RECALL = 0.98  # recall@10 against exact search, checked when the IVF index is built
SMALL_FILTER = 5_000  # a filter allowing at most this many paragraphs is searched exactly


class OlderCache(ValueError):
    """A cache file in an earlier format: rebuilt from the store, as a damaged one is, but not called damaged."""


class ModelMismatch(RuntimeError):
    """The store's vectors were made with another model than the configured one."""


@dataclass
class Position:
    """Where in the store a cache is: every paragraph id <= ``last_id`` added, every tombstone <= ``tomb_seq``
    applied; ``epoch`` changes when ``reindex`` replaces every vector."""

    last_id: int = 0
    tomb_seq: int = 0
    epoch: str = ""


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk leaves no half-written file behind
        raise
    _fsync_dir(path.parent)


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive ``fcntl`` lock across processes (released by the kernel if the holder dies)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


class VectorIndex:
    """FAISS over stored vectors. Thread-safe; searches may run while another thread catches up."""

    def __init__(self, dimension: int, model: str, exact_max: int = EXACT_MAX):
        self.dimension = dimension
        self.model = model
        self.exact_max = exact_max
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

    # -- the cache file: one file, header + FAISS bytes, replaced atomically ---------------------------------------
    def to_bytes(self) -> bytes:
        with self._lock:
            header = {
                "model": self.model,
                "dimension": self.dimension,
                "count": int(self.index.ntotal),
                "nprobe": self.nprobe,
                **asdict(self.position),
            }
            facets = self.facets.to_bytes()
            header["facets"] = len(facets)
            body = facets + faiss.serialize_index(self.index).tobytes()
        head = json.dumps(header).encode()
        return MAGIC + struct.pack("<I", len(head)) + head + body

    @classmethod
    def from_bytes(cls, data: bytes) -> VectorIndex:
        """Raises ``ValueError`` on anything that is not a whole cache file written by ``to_bytes``."""
        if data[:4] == b"NDVC" and not data.startswith(MAGIC):
            raise OlderCache("written by an older Newsdesk, without filter fields")
        if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 4:
            raise ValueError("not a Newsdesk vector cache")
        (n,) = struct.unpack("<I", data[len(MAGIC) : len(MAGIC) + 4])
        start = len(MAGIC) + 4
        header = json.loads(data[start : start + n])
        start += n
        facets = Facets.from_bytes(data[start : start + int(header["facets"])])
        start += int(header["facets"])
        index = faiss.deserialize_index(np.frombuffer(data[start:], dtype=np.uint8))
        if index.ntotal != int(header["count"]) or index.d != int(header["dimension"]):
            raise ValueError("cache header and body disagree")
        vi = cls(int(header["dimension"]), str(header["model"]))
        vi.index = index
        vi.facets = facets
        vi.nprobe = int(header.get("nprobe", 0))
        vi.position = Position(int(header["last_id"]), int(header["tomb_seq"]), str(header["epoch"]))
        vi.saved_rows = int(index.ntotal)
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
                vi = cls.from_bytes(path.read_bytes())
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
            vi = cls(dimension, model, exact_max)
            vi.position.epoch = epoch
            vi.catch_up(store)
            vi.save(directory)
            if len(vi):
                log.warning("vector cache rebuilt from the store: %d vectors", len(vi))
        else:
            vi.exact_max = exact_max
            vi.catch_up(store)
            vi.save_if_due(directory)
        vi.store = store
        if not vi.approximate and len(vi) > vi.exact_max:
            vi.build_approximate(store)
            vi.save(directory)
        return vi

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
            # Another process may have saved a cache further ahead: keep the one that knows more.
            try:
                on_disk = VectorIndex.from_bytes(path.read_bytes()) if path.exists() else None
            except Exception:  # noqa: BLE001 - a damaged file is simply replaced
                on_disk = None
            if (
                on_disk is not None
                and on_disk.position.epoch == self.position.epoch
                and (on_disk.position.last_id, on_disk.position.tomb_seq)
                >= (self.position.last_id, self.position.tomb_seq)
                and (on_disk.approximate or not self.approximate)  # a new IVF index replaces the flat one
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

    # -- catching up from the store ------------------------------------------------------------------------------
    def catch_up(self, store: Store) -> int:
        """Add the paragraphs stored after our position and drop the deleted ones; returns rows changed."""
        changed = 0
        with self._lock:
            assigned, _ = store.positions()  # read first: every id up to it is committed or was rolled back
            last_seq, gone = store.tombstones_after(self.position.tomb_seq)
            changed += self._catch_up_articles(store)
            while True:
                ids, article_ids, vecs = store.paragraphs_after(self.position.last_id, CATCH_UP_BATCH)
                if not len(ids):
                    break
                if vecs.shape[1] != self.dimension:
                    raise ModelMismatch(
                        f"The stored vectors have {vecs.shape[1]} dimensions, the model {self.model!r} "
                        f"{self.dimension}: run `newsdesk reindex`."
                    )
                # Articles written after the change log was read: their rows now (the log replays them later).
                unknown = self.facets.unknown(article_ids)
                if unknown:
                    self.facets.set_articles(store.article_facet_rows(unknown))
                self.add(ids, vecs)
                self.facets.add_paragraphs(ids, article_ids)
                self.position.last_id = int(ids[-1])
                changed += len(ids)
            self.position.last_id = max(self.position.last_id, assigned)
            if len(gone):
                changed += self.remove(gone)
                # A tombstone of a paragraph still stored means its vector was replaced (``replace_vectors``):
                # read it back; ids past our position are added by the next catch-up, never twice.
                gone = np.unique(gone)
                ids, vecs = store.vectors(gone[gone <= self.position.last_id].tolist(), self.dimension)
                self.add(ids, vecs)
                self.facets.drop_paragraphs(np.setdiff1d(gone, ids))
            self.position.tomb_seq = last_seq
        if changed:
            log.debug("vector cache caught up: %d rows, now at %s", changed, self.position)
        return changed

    def _catch_up_articles(self, store: Store) -> int:
        """The filter fields of articles changed since our position (every article, the first time)."""
        last, changed = store.article_changes_after(self.facets.change_seq)
        if not self.facets.loaded:
            self.facets.set_articles(store.article_facet_rows())
            self.facets.loaded = True
        elif changed:
            self.facets.set_articles(store.article_facet_rows(changed), changed)
        self.facets.change_seq = last
        return len(changed)

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
            invlists = faiss.extract_index_ivf(self.index).invlists
            parts = [
                faiss.rev_swig_ptr(invlists.get_ids(i), invlists.list_size(i)).copy()
                for i in range(invlists.nlist)
                if invlists.list_size(i)
            ]
            return np.sort(np.concatenate(parts)).astype(np.int64) if parts else np.zeros(0, np.int64)

    # -- the approximate index -----------------------------------------------------------------------------------
    def build_approximate(self, store: Store) -> None:
        """Replace the exact index by IVF-SQ8 trained from the stored vectors (the same ids), with ``nprobe``
        calibrated on stored vectors against exact search. Runs once when the corpus outgrows ``exact_max``."""
        with self._lock:
            ids, vecs = self._all_vectors()
            n = len(ids)
            nlist = int(max(16, min(65536, 4 * np.sqrt(n))))
            index = faiss.index_factory(self.dimension, f"IVF{nlist},SQ8", faiss.METRIC_INNER_PRODUCT)
            rng = np.random.default_rng(0)
            sample = vecs[rng.choice(n, size=min(n, 64 * nlist), replace=False)]
            index.train(sample)
            index.set_direct_map_type(faiss.DirectMap.Hashtable)
            index.add_with_ids(vecs, ids)
            self.nprobe = calibrate_nprobe(index, vecs, ids, rng)
            self.index = index
            log.warning(
                "vector index: %d vectors, now approximate (IVF%d,SQ8, nprobe %d)", n, nlist, self.nprobe
            )

    def _all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        ids = self.ids()
        return ids, np.ascontiguousarray(self.index.reconstruct_batch(ids), dtype=np.float32)

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
            scores, ids = self.index.search(q, min(k, n), params=params)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def _exact_among(self, q: np.ndarray, k: int, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Exact scores over a narrow filter's paragraphs, from their stored (unquantised) vectors."""
        assert self.store is not None
        ids, vecs = self.store.vectors(np.asarray(allowed, dtype=np.int64).tolist(), self.dimension)
        if not len(ids):
            return ids, np.zeros(0, dtype=np.float32)
        scores = vecs @ q
        top = np.argsort(-scores, kind="stable")[:k]
        return ids[top], scores[top].astype(np.float32)


def exact_top(
    qs: np.ndarray, vecs: np.ndarray, ids: np.ndarray, k: int = 10, chunk: int = 100_000
) -> np.ndarray:
    """Exact top-``k`` ids per query by inner product, scanning ``vecs`` in chunks (bounded memory)."""
    best_s = np.full((len(qs), 0), -np.inf, dtype=np.float32)
    best_i = np.zeros((len(qs), 0), dtype=np.int64)
    for i in range(0, len(vecs), chunk):
        s = qs @ vecs[i : i + chunk].T
        best_s = np.concatenate([best_s, s], axis=1)
        best_i = np.concatenate([best_i, np.broadcast_to(ids[i : i + chunk], s.shape)], axis=1)
        keep = np.argsort(-best_s, axis=1, kind="stable")[:, :k]
        best_s = np.take_along_axis(best_s, keep, axis=1)
        best_i = np.take_along_axis(best_i, keep, axis=1)
    return best_i


def recall_at_10(
    index: faiss.Index, qs: np.ndarray, exact: np.ndarray, nprobe: int, vecs: np.ndarray, ids: np.ndarray
) -> float:
    """Recall@10 of the IVF search against exact search, counting ties: a found paragraph whose exact score is at
    least the exact 10th score is as good an answer as the one it displaced. Real corpora hold identical
    paragraphs (boilerplate, re-sent wire copy); 8-bit quantisation orders such twins arbitrarily, and counting
    them as misses would drive ``nprobe`` to a full scan for no better answer. ``ids`` must be sorted."""
    _, found = index.search(qs, 10, params=faiss.SearchParametersIVF(nprobe=nprobe))
    rows = np.searchsorted(ids, exact)
    kth = np.einsum("qd,qkd->qk", qs, vecs[rows]).min(axis=1)  # the exact 10th score of each query
    hits = 0
    for q, f, tenth in zip(qs, found, kth, strict=True):
        f = f[f >= 0]
        scores = vecs[np.searchsorted(ids, f)] @ q
        hits += min(10, int(np.sum(scores >= tenth - 1e-6)))
    return hits / (10 * len(qs))


def calibrate_nprobe(
    index: faiss.Index, vecs: np.ndarray, ids: np.ndarray, rng: np.random.Generator, queries: int = 200
) -> int:
    """The smallest power-of-two ``nprobe`` whose recall@10 against exact search reaches ``TARGET_RECALL`` on
    stored vectors used as queries (perturbed, so a vector does not simply find itself)."""
    if len(ids) > 1 and np.any(np.diff(ids) < 0):  # ids re-added after a replaced vector sit at the end
        order = np.argsort(ids, kind="stable")
        ids, vecs = ids[order], vecs[order]
    picks = rng.choice(len(vecs), size=min(queries, len(vecs)), replace=False)
    qs = vecs[picks] + rng.normal(0, 0.05, size=(len(picks), vecs.shape[1])).astype(np.float32)
    qs /= np.linalg.norm(qs, axis=1, keepdims=True)
    exact = exact_top(qs, vecs, ids)
    nlist = faiss.extract_index_ivf(index).nlist
    nprobe = 8
    while nprobe < nlist and recall_at_10(index, qs, exact, nprobe, vecs, ids) < TARGET_RECALL:
        nprobe *= 2
    return min(nprobe, nlist)
