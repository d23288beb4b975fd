"""The vector-store contract: what every derived vector cache (FAISS in this process, or a Milvus collection) offers
the rest of Newsdesk, and the position it keeps in the store.

The store (SQLite) holds every paragraph's vector; a vector store is a cache of them that searches fast. It knows
where in the store it is (``Position``) and catches up by reading only what came after (``driver.catch_up``), so
nothing is ever re-embedded outside ``reindex``. The service and retrieval see only this protocol: no backend
special case, no ``isinstance``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from index.models import Filters
    from index.store.articles import Store
    from index.vectors.facets import Allowed

CATCH_UP_BATCH = 20_000  # stored rows read per step while catching up
# A flat scan of 384-d float32 vectors costs ~25 ms at 300k on these 2 cores (the scale issue's figures): past this
# size the approximate index takes over. Tests lower it to exercise the approximate path on a small real corpus.
EXACT_MAX = 250_000


class ModelMismatch(RuntimeError):
    """The store's vectors were made with another model than the configured one."""


@dataclass
class Position:
    """Where in the store a cache is: every paragraph id <= ``last_id`` added, every tombstone <= ``tomb_seq``
    applied; ``epoch`` changes when ``reindex`` replaces every vector."""

    last_id: int = 0
    tomb_seq: int = 0
    epoch: str = ""


@runtime_checkable
class VectorStore(Protocol):
    """A searchable cache of the store's vectors, caught up from the store's sequence."""

    dimension: int
    model: str
    position: Position

    def __len__(self) -> int: ...

    @property
    def approximate(self) -> bool:
        """Whether search is approximate (IVF) rather than exact."""
        ...

    def describe(self) -> str:
        """The index and its search parameters, as reports name them."""
        ...

    def current(self, epoch: str) -> bool:
        """Whether this cache still serves the store's vector ``epoch`` (and its backend answers)."""
        ...

    def refresh(self, store: Store) -> None:
        """Catch up with ``store`` if it moved, and do the upkeep that follows (save, grow the index)."""
        ...

    def catch_up(self, store: Store) -> int:
        """Apply the rows stored and deleted after our position; returns the rows changed."""
        ...

    def allowed(self, filters: Filters | None) -> Allowed | None:
        """The paragraphs ``filters`` allow, as a bitmap the lexical side may post-filter with; None when nothing
        is filtered or when the backend applies ``filters`` inside its own search."""
        ...

    def search(
        self,
        query: np.ndarray,
        k: int,
        allowed: np.ndarray | Allowed | None = None,
        filters: Filters | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` (ids, scores) by inner product among what ``allowed`` (or else ``filters``) allows."""
        ...

    def vectors_of(self, ids: list[int], store: Store) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of these paragraphs, from the cache where it holds them, else from the store."""
        ...


def dimension_mismatch(got: int, want: int, model: str) -> ModelMismatch:
    return ModelMismatch(
        f"The stored vectors have {got} dimensions, the model {model!r} {want}: run `newsdesk reindex`."
    )
