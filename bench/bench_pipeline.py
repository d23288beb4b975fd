"""Ingest throughput against bare ``model.encode``, and query latency at ~44k paragraphs (a script, not a test).

    python bench/bench_pipeline.py [--ingest-sample 3000] [--data-dir DIR] [--queries 200]

1. Ingest ratio: the same paragraphs (a sample of RTQA articles) are embedded by bare ``model.encode`` and ingested
   through the whole pipeline (parse, segment, SQLite, embed, FAISS, persist) in one run; the ratio of
   paragraphs/s is printed (target ≥ 0.9).
2. Query latency: newsqa-dev + rtqa (~44k paragraphs) are ingested into ``--data-dir`` (reused when it already
   holds them), then dev questions are asked with the model loaded; p50/p95 of ``Newsdesk.ask`` (quote selection and
   verification included) and of its parts are printed (target p95 ≤ 50 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data"

from index.config import MINILM_MODEL, CoreSettings  # noqa: E402
from index.embed.model import Embedder  # noqa: E402
from index.ingest.segment import passages  # noqa: E402
from index.models import Filters  # noqa: E402
from index.retrieval.search import Query, Sources, retrieve  # noqa: E402
from index.service import Newsdesk  # noqa: E402
from index.text import tokenize  # noqa: E402


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def ingest_ratio(embedder: Embedder, sample: int) -> None:
    records = []
    n_paras = 0
    with open(SHARED / "rtqa" / "articles.jsonl", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            records.append(rec)
            n_paras += len(passages(rec["text"]))
            if n_paras >= sample:
                break
    texts = [p for rec in records for p in passages(rec["text"])]
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "sample.jsonl"
        src.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        embedder.encode(texts[:64])  # warm-up
        fp32 = Embedder(
            MINILM_MODEL, backend="torch"
        )  # the bare reference is torch fp32 whatever backend ingests
        fp32.encode(texts[:64])
        t0 = time.perf_counter()
        fp32.model.encode(texts, batch_size=embedder.batch_size, normalize_embeddings=True)
        bare = time.perf_counter() - t0
        desk = Newsdesk.open(CoreSettings(data_dir=Path(tmp) / "data"), embedder=embedder)
        t0 = time.perf_counter()
        report = desk.ingest_paths([src])
        full = time.perf_counter() - t0
        stored = desk.stats().paragraphs
        desk.close()
    print(f"ingest: {len(records)} articles, {stored} paragraphs ({report.added} added)")
    print(f"  bare fp32 encode  : {len(texts) / bare:8.1f} paragraphs/s ({bare:.1f} s)")
    print(f"  pipeline encoder  : {embedder.identity}")
    print(f"  whole pipeline    : {stored / full:8.1f} paragraphs/s ({full:.1f} s)")
    print(f"  ratio pipeline/bare: {(stored / full) / (len(texts) / bare):.3f}  (target >= 0.9)")


def query_latency(embedder: Embedder, data_dir: Path, n_queries: int) -> None:
    desk = Newsdesk.open(CoreSettings(data_dir=data_dir), embedder=embedder)
    t0 = time.perf_counter()  # idempotent: a data dir that already holds both sets only re-reads them
    desk.ingest_paths([SHARED / "newsqa-dev" / "articles.jsonl", SHARED / "rtqa" / "articles.jsonl"])
    print(f"index ready in {time.perf_counter() - t0:.0f} s")
    stats = desk.stats()
    with open(SHARED / "newsqa-dev" / "questions.jsonl", encoding="utf-8") as fh:
        questions = [json.loads(x)["question"] for x in fh][:n_queries]
    desk.ask("warm up the lexical index")
    total, enc, dense, lex = [], [], [], []
    for q in questions:
        t0 = time.perf_counter()
        desk.ask(q, k=5)
        total.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        vec = embedder.encode_query(q)
        enc.append(time.perf_counter() - t0)
        query = Query(tokenize([q])[0], vec, Filters(), None)
        sources = Sources(desk.search_index(), desk.lexical, desk.store)
        t0 = time.perf_counter()
        retrieve(query, sources, method="dense")
        dense.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        retrieve(query, sources, method="bm25")
        lex.append(time.perf_counter() - t0)
    desk.close()
    print(f"query latency over {stats.paragraphs:,} paragraphs, {len(questions)} questions (ms):")
    for name, vals in (
        ("ask (all)", total),
        ("encode query", enc),
        ("FAISS top-100", dense),
        ("BM25 top-100", lex),
    ):
        ms = [v * 1000 for v in vals]
        print(f"  {name:<15} p50 {statistics.median(ms):6.1f}   p95 {pct(ms, 95):6.1f}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ingest-sample", type=int, default=3000)
    ap.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "newsdesk-bench-44k")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--skip-ingest", action="store_true")
    args = ap.parse_args()
    if not SHARED.exists():
        print(f"{SHARED} is missing: the benchmark reads the evaluation data by path.", file=sys.stderr)
        return 1
    embedder = Embedder(MINILM_MODEL)
    if not args.skip_ingest:
        ingest_ratio(embedder, args.ingest_sample)
    query_latency(embedder, args.data_dir, args.queries)
    return 0


if __name__ == "__main__":
    sys.exit(main())
