"""The one catch-up loop every vector store runs: read what the store holds after our position, apply it.

Order matters where several processes share one collection (Milvus): rows are applied first and the tombstones read
*after* them, so a paragraph deleted while we were copying it is deleted again here, whatever position another
process has recorded. A tombstone of a paragraph that is still stored means its vector was replaced
(``replace_vectors``): it is read back. Ids past our position are added by the next catch-up, never twice.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

import numpy as np

from index.vectors.base import CATCH_UP_BATCH, Position, dimension_mismatch

if TYPE_CHECKING:
    from index.store.articles import Store

log = logging.getLogger(__name__)


class CatchUpSink(Protocol):
    """What the loop writes into: a backend's rows, and its position."""

    dimension: int
    model: str
    position: Position

    def before_rows(self, store: Store) -> int:
        """Bring per-article state up to date before rows arrive (FAISS: the filter fields); rows changed."""
        ...

    def put_rows(
        self, store: Store, ids: np.ndarray, article_ids: list[str] | None, vectors: np.ndarray
    ) -> None:
        """Add (or overwrite) these rows. ``article_ids`` is None for vectors read back after a replacement."""
        ...

    def delete_rows(self, ids: np.ndarray, still_stored: np.ndarray) -> None:
        """Drop these ids (some may be absent); ``still_stored`` of them had their vector replaced and are put
        back next."""
        ...

    def after_rows(self, store: Store, changed: int) -> None:
        """Upkeep once the rows are in (flush, record the position); called only when something changed."""
        ...


def catch_up(sink: CatchUpSink, store: Store) -> int:
    """Apply to ``sink`` the paragraphs stored after its position, then the tombstones; returns rows changed."""
    assigned, _ = store.positions()  # read first: every id up to it is committed or was rolled back
    changed = sink.before_rows(store)
    while True:
        ids, article_ids, vecs = store.paragraphs_after(sink.position.last_id, CATCH_UP_BATCH)
        if not len(ids):
            break
        if vecs.shape[1] != sink.dimension:
            raise dimension_mismatch(vecs.shape[1], sink.dimension, sink.model)
        sink.put_rows(store, ids, article_ids, vecs)
        sink.position.last_id = int(ids[-1])
        changed += len(ids)
    sink.position.last_id = max(sink.position.last_id, assigned)
    last_seq, gone = store.tombstones_after(sink.position.tomb_seq)
    if len(gone):
        gone = np.unique(gone)
        ids, vecs = store.vectors(gone[gone <= sink.position.last_id].tolist(), sink.dimension)
        sink.delete_rows(gone, ids)
        if len(ids):
            sink.put_rows(store, ids, None, vecs)
        changed += len(gone)
    sink.position.tomb_seq = last_seq
    if changed:
        sink.after_rows(store, changed)
        log.debug("%s caught up: %d rows, now at %s", type(sink).__name__, changed, sink.position)
    return changed
