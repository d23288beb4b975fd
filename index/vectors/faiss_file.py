"""The FAISS cache file: one file (header, filter fields, FAISS bytes), replaced atomically under a lock file.

Written rarely (see ``VectorIndex.save_if_due``) so that one new article never rewrites the whole index; read by
every process at start. Anything that is not a whole file of the current format raises ``ValueError`` and the cache
is rebuilt from the store.
"""

from __future__ import annotations

import fcntl
import json
import os
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from index.vectors.base import Position
from index.vectors.facets import Facets

CACHE_FILE = "vectors.cache"
LOCK_FILE = "cache.lock"
MAGIC = b"NDVC3\n"  # 3: the filter fields (facets.py, dates as 2 * YYYYMMDD + suffix) follow the header


class OlderCache(ValueError):
    """A cache file in an earlier format: rebuilt from the store, as a damaged one is, but not called damaged."""


@dataclass
class CacheContents:
    """What a cache file holds."""

    model: str
    dimension: int
    index: faiss.Index
    facets: Facets
    nprobe: int
    position: Position


def encode(c: CacheContents) -> bytes:
    header = {
        "model": c.model,
        "dimension": c.dimension,
        "count": int(c.index.ntotal),
        "nprobe": c.nprobe,
        "last_id": c.position.last_id,
        "tomb_seq": c.position.tomb_seq,
        "epoch": c.position.epoch,
    }
    facets = c.facets.to_bytes()
    header["facets"] = len(facets)
    body = facets + faiss.serialize_index(c.index).tobytes()
    head = json.dumps(header).encode()
    return MAGIC + struct.pack("<I", len(head)) + head + body


def decode(data: bytes) -> CacheContents:
    """Raises ``ValueError`` on anything that is not a whole cache file written by ``encode``."""
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
    position = Position(int(header["last_id"]), int(header["tomb_seq"]), str(header["epoch"]))
    return CacheContents(
        str(header["model"]), int(header["dimension"]), index, facets, int(header.get("nprobe", 0)), position
    )


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
