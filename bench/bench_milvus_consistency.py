"""What each NEWSDESK_MILVUS_CONSISTENCY level costs a search on a Milvus server, and whether a write is visible at
once, in one run.

    python bench/bench_milvus_consistency.py --uri http://127.0.0.1:19530 [--data-dir DIR] [--questions 60]

For Strong, Session and Bounded in turn: the dense search alone (``MilvusIndex.search``, k=10, query vectors
embedded beforehand) and a whole ``ask`` (query embedding, lexical side and answer stage included), p50/p95 in ms
over real dev questions; then "visible at once": another Newsdesk (standing in for another process, its own
client) upserts a new article's paragraphs and this one searches for it immediately, ``--probes`` times.

Strong waits for the server's next time tick (Milvus ``proxy.timeTickInterval``; start the server with
``--extra-config proxy.timeTickInterval=20`` and again without it to see the difference). Not a test: it asserts
nothing; the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402

from index.config import CoreSettings, configure_runtime  # noqa: E402
from index.embed.model import Embedder  # noqa: E402
from index.models import ArticleIn  # noqa: E402
from index.service import Newsdesk  # noqa: E402

WIKINEWS = ROOT / "corpus" / "wikinews" / "articles.jsonl"
QUESTIONS = ROOT.parent / "shared" / "data" / "newsqa-dev" / "questions.jsonl"
LEVELS = ("Strong", "Session", "Bounded")


def questions(n: int) -> list[str]:
    if QUESTIONS.exists():
        rows = [
            json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()
        ]
        return [r["question"] for r in rows[:n]]
    return ["How many people died in the tsunami?", "Who won the election?", "What did the court decide?"] * (
        n // 3 + 1
    )


def pct(values: list[float]) -> dict[str, float]:
    return {"p50": float(np.percentile(values, 50)), "p95": float(np.percentile(values, 95))}


def visible_at_once(reader: Newsdesk, writer: Newsdesk, embedder: Embedder, probe: int) -> bool:
    """The writer stores and upserts an article; the reader (already open) searches for it at once."""
    name = f"Brennholt{probe}"
    paragraphs = [f"The village of {name} elected a new council on Sunday.", f"Turnout in {name} was high."]
    article = ArticleIn(paragraphs, title=f"{name} votes", source="Probe", date="2026-12-01")
    report = writer.ingest_articles([article])
    writer.search_index()  # the writer catches its collection up (upserts) as any process does
    query = embedder.encode_query(f"Who did {name} elect?")
    ids, _ = reader.search_index().search(
        query, 3
    )  # the reader catches up first (its own upserts), then searches
    stored = {p.id for p in reader.store.article_paragraphs(report.items[0].article_id)}
    return bool(len(ids)) and int(ids[0]) in stored


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--uri", required=True, help="the Milvus server, http://host:19530")
    ap.add_argument(
        "--data-dir", type=Path, help="a data dir to search (default: the Wikinews sample, ingested)"
    )
    ap.add_argument("--questions", type=int, default=60)
    ap.add_argument("--probes", type=int, default=5)
    args = ap.parse_args()
    configure_runtime()
    embedder = Embedder()
    tmp = Path(tempfile.mkdtemp(prefix="newsdesk-consistency-"))
    try:
        data = tmp / "data"
        if args.data_dir:
            shutil.copytree(args.data_dir, data)
        else:
            Newsdesk.open(CoreSettings(data_dir=data), embedder=embedder).ingest_paths([WIKINEWS])
        qs = questions(args.questions)
        vecs = [embedder.encode_query(q) for q in qs]
        print(f"load average before: {os.getloadavg()}", flush=True)
        print(f"{'level':<8} {'search p50':>11} {'p95':>7} {'ask p50':>9} {'p95':>7}  visible at once")
        for level in LEVELS:
            settings = CoreSettings(
                data_dir=data,
                vector_backend="milvus",
                milvus_uri=args.uri,
                milvus_collection="consistency_bench",
                milvus_consistency=level,
            )
            desk = Newsdesk.open(settings, embedder=embedder)
            mi = desk.search_index()
            mi.search(vecs[0], 10)
            search = []
            for v in vecs:
                t0 = time.perf_counter()
                mi.search(v, 10)
                search.append((time.perf_counter() - t0) * 1000)
            ask = []
            for q in qs:
                t0 = time.perf_counter()
                desk.ask(q)
                ask.append((time.perf_counter() - t0) * 1000)
            writer = Newsdesk.open(settings, embedder=embedder)
            seen = sum(visible_at_once(desk, writer, embedder, i) for i in range(args.probes))
            s, a = pct(search), pct(ask)
            print(
                f"{level:<8} {s['p50']:>9.1f}ms {s['p95']:>5.1f}ms {a['p50']:>7.1f}ms {a['p95']:>5.1f}ms  "
                f"{seen}/{args.probes}",
                flush=True,
            )
            writer.close()
            desk.close()
        print(f"load average after: {os.getloadavg()}")
        from pymilvus import MilvusClient

        client = MilvusClient(uri=args.uri)
        for name in client.list_collections():
            if name.startswith("consistency_bench_"):
                client.drop_collection(name)
        if "consistency_bench" in client.list_aliases().get("aliases", []):
            client.drop_alias("consistency_bench")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
