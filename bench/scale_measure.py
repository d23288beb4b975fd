"""Measurements for ``bench_scale.py``: of a process (bytes written, resident memory, load) and of ``ask`` in one
(wall and main-thread CPU time per filter, with the query embedding split out; the costliest SQL statements).
"""

from __future__ import annotations

import logging
import math
import os
import statistics
import time
from pathlib import Path

import numpy as np
from scale_common import DEFAULT_MODEL  # the model the scale bench measures (NEWSDESK_SCALE_MODEL)

from index.embed.model import Embedder
from index.models import Filters
from index.service import Newsdesk

log = logging.getLogger("bench_scale")


class TimedEmbedder(Embedder):
    """The real model, counting the wall and main-thread CPU time of query embeddings (to split ``ask``)."""

    def __init__(self, backend: str = "torch") -> None:
        super().__init__(DEFAULT_MODEL, backend=backend)
        self.query_wall = 0.0
        self.query_cpu = 0.0

    def encode_query(self, text: str) -> np.ndarray:
        # Every question is embedded again: the bench asks its questions once per filter, where a deployment
        # gets new ones, and the embedder's cache of recent questions (QUERY_CACHE) would hide the encoder's time.
        with self._query_lock:
            self._queries.clear()
        w, c = time.perf_counter(), time.thread_time()
        try:
            return super().encode_query(text)
        finally:
            self.query_wall += time.perf_counter() - w
            self.query_cpu += time.thread_time() - c


# -- process measurements -----------------------------------------------------------------------------------------
def write_bytes() -> int:
    """Bytes this process sent to storage so far (``/proc/self/io``)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
    return 0


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def environment() -> dict:
    return {"cpus": os.cpu_count(), "load_avg": [round(x, 1) for x in os.getloadavg()], "nice": os.nice(0)}


def peak_rss_bytes() -> int:
    """This process's peak resident memory so far (``VmHWM``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


# -- ask in one process ----------------------------------------------------------------------------------------
def filter_configs(info: dict) -> dict[str, Filters]:
    return {
        "no filter": Filters(),
        "as_of": Filters(as_of=info["as_of"]),
        "outlet": Filters(source=info["outlet"]),
        "server scope": Filters(scopes=tuple(info["scopes"])),
    }


def timed(fn, *a, **kw) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn(*a, **kw)
    return time.perf_counter() - t0, out


def _stats(values: list[float]) -> dict:
    return {
        "p50": statistics.median(values),
        "p95": percentile(values, 95),
        "mean": statistics.fmean(values),
    }


def measure_asks(desk, embedder: TimedEmbedder, questions: list[str], info: dict) -> dict:
    """Per filter, each question once (after one warm-up): ``ask(k=5)`` wall time in ms, and the same without
    the query embedding, in wall time and in main-thread CPU time (steadier on a shared machine)."""
    out = {}
    for name, filters in filter_configs(info).items():
        desk.ask(questions[-1], k=5, filters=filters)
        wall, rest, cpu = [], [], []
        for q in questions:
            w0, c0 = embedder.query_wall, embedder.query_cpu
            t0, t1 = time.perf_counter(), time.thread_time()
            desk.ask(q, k=5, filters=filters)
            dw, dc = time.perf_counter() - t0, time.thread_time() - t1
            wall.append(dw * 1000)
            rest.append((dw - (embedder.query_wall - w0)) * 1000)
            cpu.append((dc - (embedder.query_cpu - c0)) * 1000)
        out[name] = {
            "wall_ms": _stats(wall),
            "wall_ex_embed_ms": _stats(rest),
            "cpu_ex_embed_ms": _stats(cpu),
        }
        log.info(
            "  ask %-13s p50 %7.1f  p95 %7.1f ms (without the query embedding: p95 %.1f ms wall, %.1f ms CPU)",
            name,
            out[name]["wall_ms"]["p50"],
            out[name]["wall_ms"]["p95"],
            out[name]["wall_ex_embed_ms"]["p95"],
            out[name]["cpu_ex_embed_ms"]["p95"],
        )
    return out


def stage_breakdown(desk: Newsdesk, embedder: TimedEmbedder, questions: list[str], info: dict) -> dict:
    """Where an ``ask`` spends its wall time, per filter, at p50/p95 (and the lexical stage's main-thread CPU) (an instrumented pass after the timed one):
    query embedding, lexical search, dense search, fusion (the rest of ``retrieve``: article evidence, exact
    cosines, blending), the answer stage (``build_answer`` less verification) and verification (``is_verbatim``)."""
    import index.answer.compose as compose
    import index.questions as service  # where ``ask`` calls retrieve and build_answer

    spent: dict[str, float] = {}

    def wrap(name: str, fn):
        def timed_call(*a, **kw):
            t0, c0 = time.perf_counter(), time.thread_time()
            try:
                return fn(*a, **kw)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - t0
                spent[name + " cpu"] = spent.get(name + " cpu", 0.0) + time.thread_time() - c0

        return timed_call

    vectors = desk.search_index()
    saved = (service.retrieve, service.build_answer, compose.is_verbatim)
    desk.lexical.search = wrap("lexical", desk.lexical.search)  # type: ignore[method-assign]
    vectors.search = wrap("dense", vectors.search)  # type: ignore[method-assign]
    service.retrieve = wrap("retrieve", service.retrieve)
    service.build_answer = wrap("answer", service.build_answer)
    compose.is_verbatim = wrap("verification", compose.is_verbatim)
    out: dict[str, dict] = {}
    try:
        for name, filters in filter_configs(info).items():
            per: dict[str, list[float]] = {}
            for q in questions:
                spent.clear()
                w0 = embedder.query_wall
                desk.ask(q, k=5, filters=filters)
                stage = {
                    "query embedding": embedder.query_wall - w0,
                    "lexical": spent.get("lexical", 0.0),
                    "dense": spent.get("dense", 0.0),
                    "fusion": spent.get("retrieve", 0.0)
                    - spent.get("lexical", 0.0)
                    - spent.get("dense", 0.0),
                    "answer stage": spent.get("answer", 0.0) - spent.get("verification", 0.0),
                    "verification": spent.get("verification", 0.0),
                    "lexical CPU": spent.get(
                        "lexical cpu", 0.0
                    ),  # main-thread CPU (the target: 10 ms)
                }
                for k, v in stage.items():
                    per.setdefault(k, []).append(v * 1000)
            out[name] = {k: _stats(v) for k, v in per.items()}
            log.info(
                "  stages %-13s %s",
                name,
                "; ".join(f"{k} {v['p50']:.1f}/{v['p95']:.1f}" for k, v in out[name].items()),
            )
    finally:
        del desk.lexical.search, vectors.search
        service.retrieve, service.build_answer, compose.is_verbatim = saved
    return out


def faiss_recall(dirs, questions: list[str], filters: dict[str, Filters]) -> dict:
    """The FAISS cache as built past ``NEWSDESK_EXACT_MAX`` (IVF-SQ8, nprobe calibrated at build) over this
    size's stored vectors, built aside for the check: recall@10 per filter against an exact scan of the stored
    vectors the store allows, with real question embeddings."""
    import tempfile

    from bench_milvus_recall import filtered_recall
    from scale_common import CURRENT_BACKEND

    from index.store.articles import Store
    from index.vectors.faiss import VectorIndex

    store = Store(dirs.data / "newsdesk.db")
    model, dimension = store.model_identity()
    ids, vecs = store.vectors(store.paragraph_ids().tolist())
    embedder = Embedder(DEFAULT_MODEL, backend=CURRENT_BACKEND)
    queries = np.vstack([embedder.encode_query(q) for q in questions]).astype(np.float32)
    with tempfile.TemporaryDirectory(dir=dirs.root) as tmp:
        t0 = time.perf_counter()
        vi = VectorIndex.open(
            Path(tmp), store, int(dimension or vecs.shape[1]), model or "", store.epoch(), 0
        )
        built = time.perf_counter() - t0
        out = {
            "index": vi.describe(),
            "build_s": built,
            "queries": len(questions),
            "filters": {
                name: filtered_recall(vi, store, queries, ids, vecs, f) for name, f in filters.items()
            },
        }
    store.close()
    for name, f in out["filters"].items():
        log.info("    %-13s recall@10 %.3f (%s)", name, f["recall"], out["index"])
    return out


def sql_breakdown(desk: Newsdesk, questions: list[str], info: dict) -> dict:
    """Where an ``ask`` spends its main-thread CPU in SQLite, per filter: the costliest statements (an extra,
    instrumented pass after the timed one; only for the store-is-truth design, whose SQL is the index)."""
    store = desk.store
    spent: dict[str, list[float]] = {}
    plain = store.query

    def query(sql, params=()):
        t0 = time.thread_time()
        try:
            return plain(sql, params)
        finally:
            key = " ".join(sql.split())[:80]
            spent.setdefault(key, [0, 0.0])
            spent[key][0] += 1
            spent[key][1] += time.thread_time() - t0

    store.query = query  # type: ignore[method-assign]
    out = {}
    try:
        for name, filters in filter_configs(info).items():
            spent.clear()
            for q in questions:
                desk.ask(q, k=5, filters=filters)
            top = sorted(spent.items(), key=lambda kv: -kv[1][1])[:3]
            out[name] = [
                {"sql": k, "calls": n / len(questions), "cpu_ms": t / len(questions) * 1000}
                for k, (n, t) in top
            ]
    finally:
        del store.query
    return out
