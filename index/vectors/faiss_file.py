"""The FAISS cache file: one file (header, filter fields, FAISS bytes), replaced atomically under a lock file.

Written rarely (see ``VectorIndex.save_if_due``) so that one new article never rewrites the whole index; read by
every process at start, streamed (``read``): the FAISS body goes from the file straight into the index, one copy
instead of three (the whole file as bytes, a slice of it, FAISS's own buffer). At 1M paragraphs that is 0.12-0.16 s
instead of 1.3 s of a cold ``ask`` and about 0.8 GB less peak memory. Anything that is not a whole file of the
current format raises ``ValueError`` (or FAISS's ``RuntimeError``) and the cache is rebuilt from the store.
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
from typing import BinaryIO

import faiss

from index.vectors.base import Position
from index.vectors.facets import Facets

CACHE_FILE = "vectors.cache"
READ_CHUNK = 1 << 24  # bytes handed to FAISS per read while streaming the index body
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
    index = faiss.serialize_index(c.index).tobytes()
    header["facets"] = len(facets)
    header["index_bytes"] = len(index)  # a header-only reader checks the file is whole (``read_header``)
    body = facets + index
    head = json.dumps(header).encode()
    return MAGIC + struct.pack("<I", len(head)) + head + body


def _header(head: bytes) -> int:
    """The header's length after the magic; raises on another file or an older format."""
    if head[:4] == b"NDVC" and not head.startswith(MAGIC):
        raise OlderCache("written by an older Newsdesk, without filter fields")
    if not head.startswith(MAGIC) or len(head) < len(MAGIC) + 4:
        raise ValueError("not a Newsdesk vector cache")
    return int(struct.unpack("<I", head[len(MAGIC) : len(MAGIC) + 4])[0])


def _contents(header: dict, facets: Facets, index: faiss.Index) -> CacheContents:
    if index.ntotal != int(header["count"]) or index.d != int(header["dimension"]):
        raise ValueError("cache header and body disagree")
    position = Position(int(header["last_id"]), int(header["tomb_seq"]), str(header["epoch"]))
    return CacheContents(
        str(header["model"]), int(header["dimension"]), index, facets, int(header.get("nprobe", 0)), position
    )


def _exactly(fh: BinaryIO, n: int) -> bytes:
    data = fh.read(n)
    if len(data) != n:
        raise ValueError("the cache file is cut short")
    return data


def read_header(path: Path) -> dict:
    """The header alone (model, count, nprobe, position) of a whole cache file: what a saver compares, without
    reading the index. A file whose length is not the one its header gives raises ``ValueError``; a header that
    does not give it (written before the key existed) is checked by reading the whole file."""
    with open(path, "rb") as fh:
        n = _header(fh.read(len(MAGIC) + 4))
        header = json.loads(_exactly(fh, n))
        size = os.fstat(fh.fileno()).st_size
    if "index_bytes" not in header:
        read(path)
    elif size != len(MAGIC) + 4 + n + int(header["facets"]) + int(header["index_bytes"]):
        raise ValueError("the cache file is not whole")
    return header


def read(path: Path) -> CacheContents:
    """The cache file at ``path``, its FAISS body streamed into the index. Raises ``ValueError`` on anything that is
    not a whole cache file written by ``encode`` (FAISS raises ``RuntimeError`` on a body cut short)."""
    with open(path, "rb") as fh:
        n = _header(fh.read(len(MAGIC) + 4))
        header = json.loads(_exactly(fh, n))
        facets = Facets.from_bytes(_exactly(fh, int(header["facets"])))
        index = faiss.read_index(faiss.PyCallbackIOReader(fh.read, READ_CHUNK))
    return _contents(header, facets, index)


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
