"""FAISS vector index keyed by paragraph id, persisted atomically with a manifest.

Exact inner-product search (``IndexFlatIP``) over normalised vectors inside ``IndexIDMap2``: adds and removes are
incremental, vectors can be read back by id (the briefing clusters stored embeddings), and at 44k paragraphs x 384
dimensions a flat scan is a few milliseconds, so no approximate index (and no recall loss) is needed yet.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

log = logging.getLogger(__name__)

# Two OpenMP threads next to the encoder on two cores turn microsecond adds into milliseconds (PITFALLS.md).
faiss.omp_set_num_threads(1)


class ModelMismatch(RuntimeError):
    """The index on disk was built with another model than the configured one."""


@dataclass
class Manifest:
    model: str
    dimension: int
    count: int

    @classmethod
    def read(cls, path: Path) -> Manifest | None:
        if not path.exists():
            return None
        data = json.loads(path.read_text())
        return cls(data["model"], int(data["dimension"]), int(data["count"]))


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
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


class VectorIndex:
    """The FAISS index plus its manifest. Searches may run while a writer holds the service lock."""

    def __init__(self, dimension: int, model: str):
        self.dimension = dimension
        self.model = model
        self.index = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        self._lock = threading.RLock()

    # -- persistence --------------------------------------------------------------------------------------------
    @classmethod
    def load(cls, directory: Path, dimension: int, model: str) -> VectorIndex:
        """Load ``directory/vectors.faiss``; a new empty index when there is none. Raises ModelMismatch."""
        manifest = Manifest.read(directory / "manifest.json")
        vi = cls(dimension, model)
        path = directory / "vectors.faiss"
        if manifest is None or not path.exists():
            return vi
        if manifest.model != model or manifest.dimension != dimension:
            raise ModelMismatch(
                f"The index in {directory} was built with model {manifest.model!r} ({manifest.dimension} dims) "
                f"but the configured model is {model!r} ({dimension} dims): run `newsdesk reindex` to rebuild it."
            )
        index = faiss.read_index(str(path))
        if index.d != dimension:
            raise ModelMismatch(
                f"{path} has {index.d} dimensions, expected {dimension}: run `newsdesk reindex`."
            )
        vi.index = index
        return vi

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        with self._lock:
            data = faiss.serialize_index(self.index).tobytes()
            count = self.index.ntotal
        atomic_write_bytes(directory / "vectors.faiss", data)
        manifest = {"model": self.model, "dimension": self.dimension, "count": count}
        atomic_write_bytes(directory / "manifest.json", json.dumps(manifest, indent=1).encode())

    # -- contents -----------------------------------------------------------------------------------------------
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
        """Stored vectors of these paragraph ids (rows in the same order)."""
        ids = np.asarray(list(ids), dtype=np.int64)
        out = np.zeros((len(ids), self.dimension), dtype=np.float32)
        with self._lock:
            for row, pid in enumerate(ids):
                out[row] = self.index.reconstruct(int(pid))
        return out

    # -- search -------------------------------------------------------------------------------------------------
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
