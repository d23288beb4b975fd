"""Milvus as the vector index: the same derived cache as ``index.vectors.faiss.VectorIndex``, held by a Milvus server.

Why: FAISS lives in one process's memory; years of feeds, or many bot processes, outgrow that. pymilvus talks to a
Milvus cluster (``http://host:19530``) and, unchanged, to milvus-lite (embedded, in this process, from a local
database; one process per database): the same code is tested here and scales out there.

The store (SQLite) stays the truth. The collection holds, per paragraph id (the primary key), its vector and the
scalar fields the filters need: ``day`` (the article's date as the integer YYYYMMDD, -1 when undated), ``outlet``
(the source folded like SQLite's ``lower()``) and ``scope`` (server scope, "" = shared). Catch-up reads only the
store rows after the position the collection reflects, recorded in the store's meta table (one key per Milvus URI
and collection), so every process catches up incrementally; tombstones delete (or, for a replaced vector, upsert).
One collection per vector epoch (``<prefix>_<epoch>``) behind the alias ``<prefix>``: ``reindex`` builds the new
epoch's collection aside from the store, then switches the alias and drops the old one.

Index by size: ``FLAT`` (exact) up to ``exact_max`` vectors, else ``IVF_SQ8`` (``nlist = 4 * sqrt(n)``, ``nprobe``
from ``nprobe_for``); metric IP on normalised vectors (cosine). IVF searches its probed lists only, under a filter
too: a narrow filter can lose recall there (FAISS answers those exactly from stored vectors; bench-scale prints
Milvus's recall@10 per filter).

Filters: every ``Filters`` field runs inside Milvus (``search(..., filters=…)``) with the store's rules exactly
(``Store.filter_sql`` is the reference): dates as integer days, ``scope in [...]``, and the outlet as
``outlet == "x"`` **or** ``id in [...]`` the paragraphs of articles that match only through a syndicated copy from
that outlet (copies have no paragraphs, so a per-paragraph field cannot say it; ``Store.syndicated_paragraph_ids``
reads that short list). A list longer than ``ID_LIST_MAX``, or an outlet no Milvus literal can spell, falls back to
a post-filter over a growing top-k against the store's allowed ids; so does a long explicit ``allowed`` array (a
short one becomes ``id in [...]``).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from index.messages import say
from index.models import Filters, VectorBackendError
from index.store.articles import Store
from index.vectors import driver
from index.vectors.base import ModelMismatch, Position
from index.vectors.milvus_expr import (
    MilvusConfig,
    T,
    _reason,
    _retried,
    connect,
    day_number,
    filter_expression,
    outlet_in_milvus,
    outlet_key,
)

log = logging.getLogger(__name__)

ID_LIST_MAX = 2_000  # an ``allowed`` array up to this size is sent as ``id in [...]``
MAX_TOPK = 16_384  # Milvus's largest limit for one search
# Rows upserted since the last flush past which we flush: milvus-lite scans unsealed ("growing") rows slowly
# (measured: 7,000 rows cost ~490 ms a search unsealed, ~18 ms flushed), a flush seals and indexes them.
FLUSH_AFTER = 1_000
POSITION_KEY = "milvus_position"
VECTOR_FIELD = "vec"
NLIST_PROPERTY = "newsdesk.nlist"  # a collection property: the IVF index's nlist, for nprobe after a reopen


FIELDS_VERSION = "2"  # 2: ``day`` as 2 * YYYYMMDD + time suffix (``day_number``); a new version builds anew


def collection_name(prefix: str, epoch: str) -> str:
    """The collection of one vector epoch and field layout (the alias ``prefix`` points at the current one)."""
    return f"{prefix}_f{FIELDS_VERSION}_{epoch or 'none'}"[:255]


def nprobe_for(nlist: int) -> int:
    """Probes per query for an IVF index of ``nlist`` lists: a quarter of the lists, at least 32. Measured with
    ``bench/bench_milvus_recall.py`` on NewsQA dev (7,001 real MiniLM vectors, nlist 334): recall@10 against exact
    0.992 with nprobe 83, 0.964 with nprobe 41 (an eighth)."""
    return int(min(nlist, max(32, nlist // 4)))


class MilvusIndex:
    """One epoch's collection, caught up with the store. Search and catch-up raise ``VectorBackendError`` with
    one sentence when Milvus stops answering; the store is never touched by a failure here."""

    def __init__(self, client: Any, config: MilvusConfig, dimension: int, model: str, epoch: str):
        self.client = client
        self.config = config
        self.dimension = dimension
        self.model = model
        self.name = collection_name(config.prefix, epoch)
        self.position = Position(epoch=epoch)
        self.count = 0
        self.index_type = "FLAT"
        self.nprobe = 0
        self.nlist = 0
        self.unflushed = 0  # rows upserted since the last flush
        self.store: Store | None = (
            None  # the truth, for the outlet filter's syndicated copies (set by ``open``)
        )
        # False after Milvus failed a call: the service reconnects before the next question
        self.healthy = True

    # -- opening ---------------------------------------------------------------------------------------------------
    @classmethod
    def open(
        cls, config: MilvusConfig, store: Store, dimension: int, model: str, epoch: str, client: Any = None
    ) -> MilvusIndex:
        """The collection of the store's current epoch, created and filled from the store when missing, caught
        up, and made the one the alias points at."""
        mi = cls(client if client is not None else connect(config), config, dimension, model, epoch)
        mi.store = store
        mi._guard(mi._prepare, store)
        mi.catch_up(store)
        if mi.unflushed:  # seal what the first fill added: unsealed rows are scanned slowly and unindexed
            mi._guard(mi.client.flush, mi.name)
            mi.unflushed = 0
        mi._guard(mi._switch_alias, store)
        return mi

    def _prepare(self, store: Store) -> None:
        if self.client.has_collection(self.name):
            self._check_dimension()
            self.client.load_collection(self.name)
            saved = self._saved_position(store)
            self.position.last_id, self.position.tomb_seq = saved
            self.count = self._count()
            self._read_index()
            return
        if self._saved_position(store) != (0, 0):  # it existed here once: dropped, or another server
            log.warning("%s", say("milvus_missing_collection", name=self.name, n=store.counts()["vectors"]))
        elif self._alias_target() is not None:
            log.info("milvus: building %s aside from the store (a new vector epoch)", self.name)
        stored = store.counts()["vectors"]
        self._create(stored)
        self._save_position(store, reset=True)

    def _check_dimension(self) -> None:
        fields = self.client.describe_collection(self.name)["fields"]
        dims = [int(f["params"].get("dim", 0)) for f in fields if f["name"] == VECTOR_FIELD]
        if dims != [self.dimension]:
            got = dims[0] if dims else 0
            raise VectorBackendError(
                say("milvus_wrong_dimension", name=self.name, got=got, want=self.dimension)
            )

    def _create(self, expected: int) -> None:
        from pymilvus import DataType, MilvusClient

        schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field(VECTOR_FIELD, DataType.FLOAT_VECTOR, dim=self.dimension)
        schema.add_field("day", DataType.INT32)
        schema.add_field("outlet", DataType.VARCHAR, max_length=512)
        schema.add_field("scope", DataType.VARCHAR, max_length=128)
        self.client.create_collection(
            self.name, schema=schema, index_params=self._index_params(expected), consistency_level="Strong"
        )
        self._record_nlist()
        self.client.load_collection(self.name)

    def _index_params(self, n: int) -> Any:
        params = self.client.prepare_index_params()
        if n <= self.config.exact_max:
            self.index_type, self.nprobe = "FLAT", 0
            params.add_index(VECTOR_FIELD, index_type="FLAT", metric_type="IP")
        else:
            nlist = int(max(16, min(65_536, 4 * math.sqrt(n))))
            self.index_type, self.nprobe = "IVF_SQ8", nprobe_for(nlist)
            self.nlist = nlist
            params.add_index(VECTOR_FIELD, index_type="IVF_SQ8", metric_type="IP", params={"nlist": nlist})
        return params

    def _read_index(self) -> None:
        """The index type, lists and probes recorded on the collection (``describe_index`` does not return
        ``nlist``)."""
        self.nlist = int(
            self.client.describe_collection(self.name).get("properties", {}).get(NLIST_PROPERTY, 0)
        )
        self.index_type, self.nprobe = ("IVF_SQ8", nprobe_for(self.nlist)) if self.nlist else ("FLAT", 0)

    def _record_nlist(self) -> None:
        if self.index_type != "FLAT":
            self.client.alter_collection_properties(self.name, properties={NLIST_PROPERTY: str(self.nlist)})

    def _grow_index_if_due(self) -> None:
        """A FLAT collection that outgrew ``exact_max`` gets its IVF_SQ8 index (once; built from its rows)."""
        if self.index_type != "FLAT" or self.count <= self.config.exact_max:
            return
        self.client.release_collection(self.name)
        for index_name in self.client.list_indexes(self.name):
            self.client.drop_index(self.name, index_name)
        self.client.create_index(self.name, self._index_params(self.count))
        self._record_nlist()
        self.client.load_collection(self.name)
        log.warning("%s", say("milvus_now_approximate", name=self.name, n=self.count, nprobe=self.nprobe))

    def _alias_target(self) -> str | None:
        if self.config.prefix not in self.client.list_aliases().get("aliases", []):
            return None  # asked first: describe_alias on a missing alias logs a traceback inside pymilvus
        return str(self.client.describe_alias(self.config.prefix)["collection_name"])

    def _switch_alias(self, store: Store) -> None:
        """Point the alias at this collection (after it caught up) and drop the collection it pointed at, if
        this store filled it (its position is in our meta): another deployment's collection is never dropped."""
        old = self._alias_target()
        if old == self.name:
            return
        if old is None:
            self.client.create_alias(self.name, self.config.prefix)
            return
        self.client.alter_alias(self.name, self.config.prefix)
        old_key = self._key(old)
        if store.get_meta(old_key) is not None and self.client.has_collection(old):
            self.client.drop_collection(old)
            with store.transaction() as conn:
                conn.execute("DELETE FROM meta WHERE key=?", (old_key,))
        log.info("milvus alias %s now points at %s (was %s)", self.config.prefix, self.name, old)

    # -- the recorded position (store meta, one key per Milvus URI and collection) ------------------------------------
    def _key(self, name: str) -> str:
        return f"{POSITION_KEY}:{self.config.uri}:{name}"

    @property
    def _position_key(self) -> str:
        return self._key(self.name)

    def _saved_position(self, store: Store) -> tuple[int, int]:
        raw = store.get_meta(self._position_key)
        if not raw:
            return 0, 0  # upserts are idempotent: catching up from the start is always safe
        data = json.loads(raw)
        return int(data["last_id"]), int(data["tomb_seq"])

    def _save_position(self, store: Store, reset: bool = False) -> None:
        """Record where the collection is. Positions of several processes merge by maximum: each applied the
        tombstones it read after its own upserts, so the union of their work is what the maximum says."""
        with store.transaction() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key=?", (self._position_key,)).fetchone()
            last, tomb = self.position.last_id, self.position.tomb_seq
            if row is not None and not reset:
                old = json.loads(row[0])
                last, tomb = max(last, int(old["last_id"])), max(tomb, int(old["tomb_seq"]))
            store.set_meta(conn, self._position_key, json.dumps({"last_id": last, "tomb_seq": tomb}))

    # -- catching up from the store -----------------------------------------------------------------------------
    def catch_up(self, store: Store) -> int:
        """Upsert the paragraphs stored after our position, then apply the tombstones read after those upserts."""
        return driver.catch_up(self, store)

    def before_rows(self, store: Store) -> int:
        return 0  # the scalar fields are read with each row (``_upsert``)

    def put_rows(
        self, store: Store, ids: np.ndarray, article_ids: list[str] | None, vectors: np.ndarray
    ) -> None:
        self._guard(self._upsert, store, ids, vectors)

    def delete_rows(self, ids: np.ndarray, still_stored: np.ndarray) -> None:
        self._guard(self.client.delete, self.name, ids=ids.tolist())  # the replaced ones are upserted next

    def after_rows(self, store: Store, changed: int) -> None:
        self._guard(self._after_change)
        self._save_position(store)

    def current(self, epoch: str) -> bool:
        return self.position.epoch == epoch and self.healthy

    def refresh(self, store: Store) -> None:
        if (self.position.last_id, self.position.tomb_seq) != store.positions():
            self.catch_up(store)

    def allowed(self, filters: Filters | None) -> None:
        return None  # every filter runs inside Milvus (``search(..., filters=…)``)

    def vectors_of(self, ids: list[int], store: Store) -> tuple[np.ndarray, np.ndarray]:
        return store.vectors(ids, self.dimension)  # the truth: a Milvus read costs more than SQLite's

    def _after_change(self) -> None:
        if self.unflushed >= FLUSH_AFTER:
            self.client.flush(self.name)
            self.unflushed = 0
        self.count = self._count()
        self._grow_index_if_due()

    def _upsert(self, store: Store, ids: np.ndarray, vecs: np.ndarray) -> None:
        if not len(ids):
            return
        facets = store.paragraph_facets(ids.tolist())
        rows = []
        for pid, vec in zip(ids.tolist(), vecs, strict=True):
            date, source, scope = facets.get(pid, (None, "", ""))
            rows.append(
                {
                    "id": pid,
                    VECTOR_FIELD: np.asarray(vec, dtype=np.float32).tolist(),
                    "day": day_number(date),
                    "outlet": outlet_key(source),
                    "scope": (scope or "")[:128],
                }
            )
        for i in range(0, len(rows), 2_000):
            self.client.upsert(self.name, rows[i : i + 2_000])
        self.unflushed += len(rows)

    def _count(self) -> int:
        rows = self.client.query(self.name, filter="", output_fields=["count(*)"])
        return int(rows[0]["count(*)"]) if rows else 0

    def _guard(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a Milvus call; any failure of the server becomes the one "search is unavailable" sentence."""
        try:
            return _retried(fn, *args, **kwargs)
        except (VectorBackendError, ModelMismatch):
            raise
        except Exception as exc:  # noqa: BLE001 - MilvusException, grpc errors, a dead milvus-lite process
            self.healthy = False
            log.warning("milvus at %s failed: %s", self.config.uri, _reason(exc))
            raise VectorBackendError(say("milvus_unavailable")) from exc

    # -- contents and search ---------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return self.count

    @property
    def approximate(self) -> bool:
        return self.index_type != "FLAT"

    def describe(self) -> str:
        """The index and its search parameters, as reports name them."""
        if not self.approximate:
            return "Milvus FLAT (exact)"
        return f"Milvus {self.index_type} (nlist {self.nlist}, nprobe {self.nprobe})"

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None, filters: Filters | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` (ids, scores) by inner product among the paragraphs that pass ``filters`` (the same set as
        ``Store.allowed_paragraph_ids(filters)``, filtered inside Milvus) and, when given, are in ``allowed``."""
        empty = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if k <= 0 or (allowed is not None and len(allowed) == 0) or self.count == 0:
            return empty
        expr, by_store = self._plan(filters)
        if by_store is not None:
            allowed = by_store if allowed is None else np.intersect1d(by_store, np.asarray(allowed, np.int64))
            if not len(allowed):
                return empty
        if allowed is not None and len(allowed) <= ID_LIST_MAX:
            ids_expr = f"id in {json.dumps(np.asarray(allowed, dtype=np.int64).tolist())}"
            return self._guard(self._search, query, min(k, MAX_TOPK), _and(expr, ids_expr))
        if allowed is None:
            return self._guard(self._search, query, min(k, MAX_TOPK), expr)
        return self._guard(self._post_filtered, query, k, expr, np.asarray(allowed, dtype=np.int64))

    def _plan(self, filters: Filters | None) -> tuple[str, np.ndarray | None]:
        """The expression for ``filters`` and, when the outlet cannot be said in it (a long list of syndicated
        paragraphs, an outlet that is no Milvus literal), the store's allowed ids to post-filter by instead."""
        if filters is None or not filters.source:
            return filter_expression(filters), None
        if self.store is None:
            raise RuntimeError("MilvusIndex.store is unset: open the index with MilvusIndex.open")
        if outlet_in_milvus(filters.source):
            syndicated = self.store.syndicated_paragraph_ids(filters.source)
            if len(syndicated) <= ID_LIST_MAX:
                return filter_expression(filters, syndicated), None
        log.debug("milvus: outlet %r post-filtered against the store's allowed ids", filters.source)
        allowed = self.store.allowed_paragraph_ids(filters)
        return filter_expression(replace(filters, source=None)), allowed

    def _post_filtered(
        self, query: np.ndarray, k: int, expr: str, allowed: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """A long ``allowed`` array: search a larger top-k (sized by the allowed share), keep the allowed ids, and
        grow the top-k until ``k`` are found or nothing more can be."""
        share = max(len(allowed) / max(self.count, 1), 1e-6)
        limit = min(MAX_TOPK, max(2 * k, math.ceil(2 * k / share)))
        while True:
            ids, scores = self._search(query, limit, expr)
            keep = np.isin(ids, allowed)
            if keep.sum() >= k or len(ids) < limit or limit >= MAX_TOPK:
                return ids[keep][:k], scores[keep][:k]
            limit = min(MAX_TOPK, limit * 4)

    def _search(self, query: np.ndarray, limit: int, expr: str) -> tuple[np.ndarray, np.ndarray]:
        params: dict[str, Any] = {"metric_type": "IP"}
        if self.nprobe:
            params["params"] = {"nprobe": self.nprobe}
        hits = self.client.search(
            self.name,
            [np.asarray(query, dtype=np.float32).reshape(-1).tolist()],
            limit=limit,
            filter=expr,
            search_params=params,
            output_fields=["id"],
            consistency_level=self.config.consistency,
        )[0]
        return (
            np.asarray([h["id"] for h in hits], dtype=np.int64),
            np.asarray([h["distance"] for h in hits], dtype=np.float32),
        )

    def drop(self, store: Store | None = None) -> None:
        """Remove this collection (and the alias when it points here; and its recorded position from ``store``)."""
        if self._alias_target() == self.name:
            self.client.drop_alias(self.config.prefix)
        self.client.drop_collection(self.name)
        if store is not None:
            with store.transaction() as conn:
                conn.execute("DELETE FROM meta WHERE key=?", (self._position_key,))


def _and(a: str, b: str) -> str:
    return f"({a}) and ({b})" if a and b else a or b
