"""The FAISS index: a derived cache of the vectors stored in SQLite, caught up from the store's position.

The store holds every paragraph's vector; this index exists only to search them fast. It remembers where in the
store it is (the highest paragraph id it holds and the last tombstone it applied), so any process catches up by
reading only the rows after that: no re-embedding, ever. The cache file is written rarely (when the part caught
up since the last save grows past ``SAVE_AFTER``, and after a rebuild), atomically, under a lock file, so the cost
of one new article does not grow with the corpus. A missing, truncated or foreign cache file is rebuilt from the
stored vectors with one log line; it never stops a command.

Exact inner-product search (``IndexFlatIP``) over normalised vectors inside ``IndexIDMap2`` (adds and removes
are incremental, vectors can be read back by id).
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

from index.store import Store

log = logging.getLogger(__name__)

CACHE_FILE = "vectors.cache"
LOCK_FILE = "cache.lock"
MAGIC = b"NDVC1\n"
# Rewrite the cache file once this many rows were caught up since it was saved (and at least SAVE_FRACTION of
# it): a process that starts later then reads at most that many rows from SQLite, and one new article never
# rewrites the whole file.
SAVE_AFTER = 20_000
SAVE_FRACTION = 0.05
CATCH_UP_BATCH = 20_000


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
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
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

    def __init__(self, dimension: int, model: str):
        self.dimension = dimension
        self.model = model
        self.index = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        self.position = Position()
        self.saved_rows = 0  # rows in the cache file when it was last read or written
        self._lock = threading.RLock()

    # -- the cache file: one file, header + FAISS bytes, replaced atomically ---------------------------------------
    def to_bytes(self) -> bytes:
        with self._lock:
            header = {
                "model": self.model,
                "dimension": self.dimension,
                "count": int(self.index.ntotal),
                **asdict(self.position),
            }
            body = faiss.serialize_index(self.index).tobytes()
        head = json.dumps(header).encode()
        return MAGIC + struct.pack("<I", len(head)) + head + body

    @classmethod
    def from_bytes(cls, data: bytes) -> VectorIndex:
        """Raises ``ValueError`` on anything that is not a whole cache file written by ``to_bytes``."""
        if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 4:
            raise ValueError("not a Newsdesk vector cache")
        (n,) = struct.unpack("<I", data[len(MAGIC) : len(MAGIC) + 4])
        start = len(MAGIC) + 4
        header = json.loads(data[start : start + n])
        index = faiss.deserialize_index(np.frombuffer(data[start + n :], dtype=np.uint8))
        if index.ntotal != int(header["count"]) or index.d != int(header["dimension"]):
            raise ValueError("cache header and body disagree")
        vi = cls(int(header["dimension"]), str(header["model"]))
        vi.index = index
        vi.position = Position(int(header["last_id"]), int(header["tomb_seq"]), str(header["epoch"]))
        vi.saved_rows = int(index.ntotal)
        return vi

    @classmethod
    def open(cls, directory: Path, store: Store, dimension: int, model: str, epoch: str) -> VectorIndex:
        """The cache in ``directory`` caught up with ``store``; rebuilt from the store when unusable."""
        path = directory / CACHE_FILE
        vi: VectorIndex | None = None
        if path.exists():
            try:
                vi = cls.from_bytes(path.read_bytes())
            except Exception as exc:  # noqa: BLE001 - any damage means: rebuild from the truth
                log.warning("the vector cache %s is damaged (%s): rebuilding it from the store", path, exc)
            if vi is not None and (vi.model, vi.dimension, vi.position.epoch) != (model, dimension, epoch):
                log.warning("the vector cache %s is from another model or reindex: rebuilding it", path)
                vi = None
        if vi is None:
            vi = cls(dimension, model)
            vi.position.epoch = epoch
            vi.catch_up(store)
            vi.save(directory)
            if len(vi):
                log.warning("vector cache rebuilt from the store: %d vectors", len(vi))
        else:
            vi.catch_up(store)
            vi.save_if_due(directory)
        return vi

    def save(self, directory: Path) -> None:
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
            last_seq, gone = store.tombstones_after(self.position.tomb_seq)
            while True:
                ids, vecs = store.vectors_after(self.position.last_id, CATCH_UP_BATCH)
                if not len(ids):
                    break
                if vecs.shape[1] != self.dimension:
                    raise ModelMismatch(
                        f"The stored vectors have {vecs.shape[1]} dimensions, the model {self.model!r} "
                        f"{self.dimension}: run `newsdesk reindex`."
                    )
                self.add(ids, vecs)
                self.position.last_id = int(ids[-1])
                changed += len(ids)
            if len(gone):
                changed += self.remove(gone)
            self.position.tomb_seq = last_seq
        if changed:
            log.debug("vector cache caught up: %d rows, now at %s", changed, self.position)
        return changed

    # -- contents ------------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return int(self.index.ntotal)

    def ids(self) -> np.ndarray:
        with self._lock:
            return faiss.vector_to_array(self.index.id_map).astype(np.int64)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids) == 0:
            return
        with self._lock:
            self.index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64)
            )

    def remove(self, ids) -> int:
        ids = np.asarray(list(ids), dtype=np.int64)
        if len(ids) == 0:
            return 0
        with self._lock:
            return int(self.index.remove_ids(faiss.IDSelectorBatch(ids)))

    def vectors(self, ids) -> np.ndarray:
        """Vectors of these paragraph ids (rows in the same order), read back from the index."""
        ids = np.asarray(list(ids), dtype=np.int64)
        if len(ids) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            return self.index.reconstruct_batch(ids)

    # -- search --------------------------------------------------------------------------------------------------
    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` (ids, scores) by inner product; ``allowed`` restricts the search to those ids."""
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        with self._lock:
            n = self.index.ntotal
            if n == 0 or k <= 0 or (allowed is not None and len(allowed) == 0):
                return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
            if allowed is None:
                scores, ids = self.index.search(q, min(k, n))
            else:
                params = faiss.SearchParameters(
                    sel=faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64))
                )
                scores, ids = self.index.search(q, min(k, n), params=params)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]
