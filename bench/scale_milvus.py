"""The Milvus column of ``bench_scale.py``: the store-is-truth design with ``NEWSDESK_VECTOR_BACKEND=milvus``.

The collection lives in an embedded milvus-lite database under the size's work dir (``n<N>/milvus/milvus.db``),
or with ``--milvus-uri`` on that Milvus server (collection ``bench_n<N>``), built once from the stored vectors and
reused by later runs (it catches up from the store like any process).
milvus-lite serves one process per database: the "another process" figure of that column is the refusal a second
process gets, which is what a deployment of several processes would meet without a Milvus server.

Also here: the recall of the index Milvus switches to past ``NEWSDESK_EXACT_MAX`` (IVF_SQ8), built for the check in
a throw-away database from the same stored vectors, per filter, against exact search over the store's allowed ids.
"""

from __future__ import annotations

import inspect
import logging
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import scale_common as sc
import scale_measure as meas
from bench_milvus_recall import filtered_recall

import index.retrieval.search
from index.config import CoreSettings
from index.embed.model import Embedder
from index.models import Filters
from index.service import Newsdesk
from index.store.articles import Store
from index.vectors.milvus import MilvusIndex, collection_name
from index.vectors.milvus_expr import MilvusConfig

log = logging.getLogger(__name__)

COLLECTION = "newsdesk"
# ``bench_scale.py --milvus-uri http://host:19530`` sets this for every worker: the Milvus column then measures
# that server instead of milvus-lite, one collection (alias) per size's data dir.
SERVER_ENV = "NEWSDESK_BENCH_MILVUS_URI"


def server_uri() -> str:
    return os.environ.get(SERVER_ENV, "")


def milvus_uri(dirs: sc.SizeDirs) -> str:
    return server_uri() or str(dirs.root / "milvus" / "milvus.db")


def collection(dirs: sc.SizeDirs) -> str:
    return f"bench_{dirs.root.name}" if server_uri() else COLLECTION


def label() -> str:
    return f"Milvus server at {server_uri()}" if server_uri() else "milvus-lite"


def settings(dirs: sc.SizeDirs) -> CoreSettings:
    return CoreSettings(
        data_dir=dirs.data,
        vector_backend="milvus",
        milvus_uri=milvus_uri(dirs),
        milvus_collection=collection(dirs),
    )


def cli_env(dirs: sc.SizeDirs) -> dict[str, str]:
    """What the CLI's cold start needs in its environment to run on this size's Milvus collection."""
    return {
        "NEWSDESK_VECTOR_BACKEND": "milvus",
        "NEWSDESK_MILVUS_URI": milvus_uri(dirs),
        "NEWSDESK_MILVUS_COLLECTION": collection(dirs),
    }


def route_filters_into_milvus() -> bool:
    """Dense search with the query's filters and no allowed-id array, as ``index.retrieval.search.dense_candidates`` does once
    it passes ``filters`` (the lead's change for issue 14). Until then, this bench-only patch makes the Milvus
    column measure filters inside Milvus, not today's id array. Returns whether it patched anything."""
    if "filters=" in inspect.getsource(index.retrieval.search.dense_candidates):
        return False
    candidate = index.retrieval.search.Candidate

    def dense_candidates(
        q: index.retrieval.search.Query, src: index.retrieval.search.Sources, n: int
    ) -> dict:
        ids, scores = src.vectors.search(q.vector, n, filters=q.filters)  # type: ignore[call-arg]
        return {
            pid: candidate(pid, dense=s, dense_rank=rank)
            for rank, (pid, s) in enumerate(zip(ids.tolist(), scores.tolist(), strict=True))
        }

    index.retrieval.search.dense_candidates = dense_candidates  # type: ignore[assignment]
    return True


def build(dirs: sc.SizeDirs) -> dict:
    """Open (first time: build from every stored vector; later: catch up) this size's collection. Runs in a
    process of its own, so its peak memory is its own and the file is free again when it ends."""
    from pymilvus import MilvusClient

    uri = milvus_uri(dirs)
    if not server_uri():
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
    desk = Newsdesk.open(settings(dirs))
    name = collection_name(collection(dirs), desk.store.epoch())
    existed = name in MilvusClient(uri).list_collections()
    t0 = time.perf_counter()
    mi = desk.search_index()
    out = {
        "uri": uri,
        "collection": mi.name,
        "existed": existed,
        "open_s": time.perf_counter() - t0,
        "vectors": len(mi),
        "index": mi.describe(),
        "maxrss_bytes": meas.peak_rss_bytes(),
    }
    desk.close()
    return out


def recall(dirs: sc.SizeDirs, questions: list[str], filters: dict[str, Filters]) -> dict:
    """IVF_SQ8 (as chosen past the exact threshold) on this size's stored vectors: recall@10 per filter against
    exact search over the store's allowed ids, with real question embeddings."""
    store = Store(dirs.data / "newsdesk.db")
    model, dimension = store.model_identity()
    ids, vecs = store.vectors(store.paragraph_ids().tolist())
    embedder = Embedder(sc.DEFAULT_MODEL, backend=sc.CURRENT_BACKEND)
    queries = np.vstack([embedder.encode_query(q) for q in questions]).astype(np.float32)
    with tempfile.TemporaryDirectory(dir=dirs.root) as tmp:
        config = MilvusConfig(str(Path(tmp) / "recall.db"), prefix="recall", exact_max=0)
        t0 = time.perf_counter()
        mi = MilvusIndex.open(config, store, int(dimension or vecs.shape[1]), model or "", store.epoch())
        built = time.perf_counter() - t0
        out = {
            "index": mi.describe(),
            "build_s": built,
            "queries": len(questions),
            "filters": {
                name: filtered_recall(mi, store, queries, ids, vecs, f) for name, f in filters.items()
            },
        }
        mi.drop(store)
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(config.uri)
    store.close()
    return out
