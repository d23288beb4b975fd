"""Ingest throughput against bare ``encode`` of the same encoder, for any model (a script, not a test).

    NEWSDESK_MODEL=intfloat/multilingual-e5-small python bench/bench_e5_ingest.py [--sample 600] [--rounds 2]

The same RTQA paragraphs are embedded by the bare encoder (``Embedder.encode``: the engine and nothing else) and
ingested through the whole pipeline (parse, language, segment, dedup, embed, SQLite with FTS5) into a fresh data dir,
alternately ``--rounds`` times so that a load change on a shared machine hits both; the best round of each is kept.
Prints paragraphs/s of both, their ratio (target >= 0.9) and the time a reindex of 1M paragraphs would take at the
bare rate (reindex is embedding; its SQLite writes are chunked). State ``uptime``'s load with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data"

from index.config import CoreSettings, configure_runtime  # noqa: E402
from index.embed.model import Embedder  # noqa: E402
from index.ingest.segment import passages  # noqa: E402
from index.service import Newsdesk  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sample", type=int, default=600, help="paragraphs (whole RTQA articles)")
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    configure_runtime()
    settings = CoreSettings()
    records, texts = [], []
    with open(SHARED / "rtqa" / "articles.jsonl", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            records.append(rec)
            texts.extend(passages(rec["text"]))
            if len(texts) >= args.sample:
                break
    embedder = Embedder(settings.model, settings.batch_size, settings.encoder_backend)
    embedder.encode(texts[:64])  # load and warm up
    bare_best = full_best = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "sample.jsonl"
        src.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        for r in range(args.rounds):
            t0 = time.perf_counter()
            embedder.encode(texts)
            bare = len(texts) / (time.perf_counter() - t0)
            desk = Newsdesk.open(
                settings.model_copy(update={"data_dir": Path(tmp) / f"data{r}"}), embedder=embedder
            )
            t0 = time.perf_counter()
            desk.ingest_paths([src])
            stored = desk.stats().paragraphs
            full = stored / (time.perf_counter() - t0)
            desk.close()
            print(
                f"round {r + 1}: bare {bare:.1f} paragraphs/s, pipeline {full:.1f} paragraphs/s ({stored} stored)"
            )
            bare_best, full_best = max(bare_best, bare), max(full_best, full)
    print(f"encoder: {embedder.identity}; {len(records)} articles, {len(texts)} paragraphs")
    print(f"  bare encode        : {bare_best:8.1f} paragraphs/s")
    print(f"  whole pipeline     : {full_best:8.1f} paragraphs/s")
    print(f"  ratio pipeline/bare: {full_best / bare_best:.3f}  (target >= 0.9)")
    print(f"  reindex of 1M paragraphs at the bare rate: {1_000_000 / bare_best / 3600:.1f} h")
    print(f"  load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
