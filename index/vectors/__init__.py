"""Vector stores: derived caches of the store's vectors that search them, behind one contract (``base.VectorStore``)
with one catch-up loop (``driver``). ``faiss`` (in this process, the default) and ``milvus`` (a server, or
milvus-lite embedded) are the backends; ``open_vector_store`` picks one from the settings.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from index.vectors.base import ModelMismatch, Position, VectorStore

if TYPE_CHECKING:
    from index.config import CoreSettings
    from index.store.articles import Store

__all__ = ["ModelMismatch", "Position", "VectorStore", "open_vector_store"]


def open_vector_store(
    settings: CoreSettings,
    store: Store,
    data_dir: Path,
    dimension: int,
    epoch: str,
    previous: VectorStore | None = None,
) -> VectorStore:
    """The configured backend's cache of ``store``'s vectors of ``epoch``, caught up. ``previous`` (an earlier,
    no longer current one) lends its live connection where the backend has one."""
    from index.messages import say
    from index.models import VectorBackendError

    if settings.vector_backend == "faiss":
        from index.vectors.faiss import VectorIndex

        return VectorIndex.open(
            data_dir / "index", store, dimension, settings.model, epoch, settings.exact_max
        )
    if settings.vector_backend == "milvus":
        from index.vectors.milvus import MilvusIndex  # pymilvus loads only for this backend
        from index.vectors.milvus_expr import MilvusConfig, consistency_level

        uri = settings.milvus_uri or str(data_dir / "milvus.db")
        config = MilvusConfig(
            uri,
            settings.milvus_token,
            settings.milvus_collection,
            settings.exact_max,
            consistency=consistency_level(settings.milvus_consistency),
        )
        client = previous.client if isinstance(previous, MilvusIndex) and previous.healthy else None
        try:
            return MilvusIndex.open(config, store, dimension, settings.model, epoch, client)
        except VectorBackendError as exc:
            if isinstance(previous, MilvusIndex) and not previous.healthy:  # it answered before: an outage
                raise VectorBackendError(say("milvus_unavailable")) from exc
            raise
    raise VectorBackendError(say("milvus_bad_backend", name=settings.vector_backend))
