"""Upgrading a data dir from before the store held vectors (schema 1): its vectors lived only in a FAISS file.

They are copied once into the store (no re-embedding), the old files are renamed aside, and the cache epoch
changes so every process rebuilds its FAISS cache from the store. Paragraphs the old file did not hold stay without
a vector: they are still found lexically, and the log says to run ``newsdesk reindex``.
"""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path

import faiss
import numpy as np

from index.store.articles import Store
from index.store.vectors import DIMENSION_KEY, EPOCH_KEY, MODEL_KEY

log = logging.getLogger(__name__)


def import_legacy_vectors(store: Store, directory: Path, model: str) -> int:
    path, manifest = directory / "vectors.faiss", directory / "manifest.json"
    try:
        old_model = json.loads(manifest.read_text()).get("model", model) if manifest.exists() else model
        index = faiss.read_index(str(path))
    except Exception as exc:  # noqa: BLE001 - an unreadable old file is set aside, not fatal
        log.warning("the old vector file %s could not be read (%s); run `newsdesk reindex`", path, exc)
        path.rename(path.with_suffix(".faiss.unreadable"))
        return 0
    ids = faiss.vector_to_array(index.id_map).astype(np.int64) if hasattr(index, "id_map") else np.zeros(0)
    wanted = set(store.ids_without_vector().tolist())
    keep = np.asarray([i for i in ids.tolist() if i in wanted], dtype=np.int64)
    vecs = index.reconstruct_batch(keep) if len(keep) else np.zeros((0, index.d), dtype=np.float32)
    with store.transaction() as conn:
        store.set_vectors(conn, keep.tolist(), vecs)
        store.set_meta(conn, MODEL_KEY, old_model)
        store.set_meta(conn, DIMENSION_KEY, str(index.d))
        store.set_meta(conn, EPOCH_KEY, uuid.uuid4().hex)
    path.rename(path.with_suffix(".faiss.imported"))
    if manifest.exists():
        manifest.rename(manifest.with_suffix(".json.imported"))
    left = len(store.ids_without_vector())
    log.warning(
        "upgraded the data dir: %d vectors moved into the store%s",
        len(keep),
        f"; {left} paragraphs have none: run `newsdesk reindex`" if left else "",
    )
    return len(keep)
