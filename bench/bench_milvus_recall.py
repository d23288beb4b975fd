"""Recall@10 of the Milvus index against exact search, on a data dir's stored (real MiniLM) vectors.

Not a test: prints, for the index types the Milvus backend uses (FLAT, and IVF_SQ8 as chosen past ``exact_max``),
recall@10 against an exact numpy scan and the search time per query, with real query embeddings of evaluation
questions. Each run builds its collections in a throw-away milvus-lite database.

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_milvus_recall.py DATA_DIR QUESTIONS.jsonl [--queries 200]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from index.config import configure_runtime
from index.embed.backends import backend_of
from index.embed.model import Embedder
from index.models import Filters
from index.store.articles import Store
from index.vectors.milvus import MilvusIndex
from index.vectors.milvus_expr import MilvusConfig


def recall_at_10(
    index: MilvusIndex, queries: np.ndarray, ids: np.ndarray, vecs: np.ndarray
) -> tuple[float, float]:
    """(mean recall@10 against exact inner-product search, median milliseconds per query)."""
    out = filtered_recall(index, None, queries, ids, vecs, None)
    return out["recall"], out["p50_ms"]


def filtered_recall(
    index: MilvusIndex,
    store: Store | None,
    queries: np.ndarray,
    ids: np.ndarray,
    vecs: np.ndarray,
    filters: Filters | None,
) -> dict:
    """Recall@10 of ``index.search(q, 10, filters=filters)`` against an exact scan of the stored vectors the store
    allows for ``filters``; also how many results came back (an approximate index searching only some lists may
    find fewer than 10 when a filter is narrow) and the median search time."""
    allowed = store.allowed_paragraph_ids(filters) if store is not None and filters is not None else None
    if allowed is not None:
        keep = np.isin(ids, allowed)
        ids, vecs = ids[keep], vecs[keep]
    recalls, found, exact_n, times = [], [], [], []
    for q in queries:
        scores = vecs @ q
        top = np.argpartition(-scores, 10)[:10] if len(scores) > 10 else np.arange(len(scores))
        exact = set(ids[top].tolist())
        t0 = time.perf_counter()
        got = index.search(q, 10, filters=filters)[0]
        times.append(time.perf_counter() - t0)
        recalls.append(len(exact & set(got.tolist())) / max(len(exact), 1))
        found.append(len(got))
        exact_n.append(len(exact))
    return {
        "recall": float(np.mean(recalls)),
        "found_mean": float(np.mean(found)),
        "exact_mean": float(np.mean(exact_n)),
        "p50_ms": float(np.median(times) * 1000),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("questions", type=Path)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    configure_runtime()
    store = Store(args.data_dir / "newsdesk.db")
    model, dimension = store.model_identity()
    ids, vecs = store.vectors(store.paragraph_ids().tolist())
    texts = [json.loads(line)["question"] for line in args.questions.read_text().splitlines() if line.strip()]
    texts = texts[: args.queries]
    assert model, "the data dir holds no vectors"
    backend = backend_of(model)  # the store records "<model> [<backend> <precision>]"
    embedder = Embedder(model.rsplit(" [", 1)[0] if backend else model, prefer=backend)
    queries = np.vstack([embedder.encode_query(t) for t in texts])
    print(f"{len(ids):,} stored vectors ({model}), {len(texts)} real question embeddings")
    with tempfile.TemporaryDirectory() as tmp:
        for label, exact_max in (("FLAT", len(ids) + 1), ("IVF_SQ8", 0)):
            config = MilvusConfig(
                str(Path(tmp) / "bench.db"), prefix=f"bench_{label.lower()}", exact_max=exact_max
            )
            t0 = time.perf_counter()
            index = MilvusIndex.open(
                config, store, int(dimension or vecs.shape[1]), model or "", store.epoch()
            )
            built = time.perf_counter() - t0
            recall, ms = recall_at_10(index, np.asarray(queries, dtype=np.float32), ids, vecs)
            print(
                f"{index.index_type:8s} nprobe {index.nprobe:3d}: recall@10 {recall:.3f}, "
                f"search p50 {ms:.1f} ms, built in {built:.0f} s"
            )
            index.drop(store)
    store.close()


if __name__ == "__main__":
    main()
