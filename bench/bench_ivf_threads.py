"""One question's IVF-SQ8 search on one OpenMP thread (what the product does) or on two, idle and beside a busy core.

    NEWSDESK_SCALE_MODEL=e5 python bench/bench_ivf_threads.py --size-dir /tmp/newsdesk-scale/n1000000 [--busy]

The vector cache searches on one FAISS thread (``configure_runtime``; PITFALLS.md: two threads beside the encoder
turn small adds into milliseconds). The IVF search is the largest part of an ``ask`` after the question's embedding
at 1M paragraphs, and FAISS can split one query's probed lists over threads (``parallel_mode`` 1) or its
candidates (2). This bench opens the scale bench's data dir as the product does, embeds its real questions once,
then times ``search`` (re-scoring included) under each filter kind, the settings interleaved round by round so that
a shared machine's drift falls on all of them alike. ``--busy`` runs a process spinning on one core beside it, as
an ingest or a second question would. Figures are ratios against one thread in the same run; not a test.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import faiss  # noqa: E402
import numpy as np  # noqa: E402
import scale_common as sc  # noqa: E402
import scale_measure as meas  # noqa: E402

from index.config import CoreSettings, configure_runtime  # noqa: E402
from index.service import Newsdesk  # noqa: E402

SETTINGS = {
    "1 thread (shipped)": (1, 0),
    "2 threads, lists split": (2, 1),
    "2 threads, candidates split": (2, 2),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-dir", type=Path, required=True, help="a built scale data dir (n1000000)")
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--busy", action="store_true", help="run beside a process spinning on one core")
    args = parser.parse_args()
    configure_runtime()
    dirs = sc.SizeDirs(args.size_dir)
    info = dirs.info()
    assert info is not None, f"{dirs.root} is not built"
    desk = Newsdesk.open(CoreSettings(data_dir=dirs.data, model=sc.DEFAULT_MODEL))
    questions = sc.load_questions(args.questions)
    desk.ask(questions[0], k=5)
    cache = desk.search_index()
    if not cache.approximate:
        raise SystemExit(f"{dirs.data} has an exact index: build a larger size")
    vectors = [desk.embedder.encode_query(q) for q in questions]
    ivf = faiss.extract_index_ivf(cache.index)
    filters = {k: v for k, v in meas.filter_configs(info).items() if k != "outlet"}  # outlet: exact, not IVF
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if args.busy else None
    times: dict[tuple[str, str], list[float]] = {}
    try:
        time.sleep(0.5 if busy else 0)
        load = os.getloadavg()[0]
        for _ in range(args.rounds):
            for name, (threads, mode) in SETTINGS.items():
                faiss.omp_set_num_threads(threads)
                ivf.parallel_mode = mode
                for kind, flt in filters.items():
                    for q in vectors:
                        t0 = time.perf_counter()
                        cache.search(q, 50, filters=flt)
                        times.setdefault((name, kind), []).append((time.perf_counter() - t0) * 1000)
    finally:
        faiss.omp_set_num_threads(1)
        ivf.parallel_mode = 0
        if busy is not None:
            busy.kill()
            busy.wait()
        desk.close()
    print(
        f"{cache.describe()}; load average {load:.2f} → {os.getloadavg()[0]:.2f}; {len(questions)} questions x "
        f"{args.rounds} rounds; busy neighbour: {args.busy}"
    )
    print(f"{'setting':<28} {'filter':<13} {'p50 ms':>7} {'p95 ms':>7} {'p50 / p95 vs 1 thread':>22}")
    for (name, kind), t in times.items():
        base = times[(next(iter(SETTINGS)), kind)]
        p50, p95 = np.percentile(t, 50), np.percentile(t, 95)
        ratio = f"{p50 / np.percentile(base, 50):.2f}x / {p95 / np.percentile(base, 95):.2f}x"
        print(f"{name:<28} {kind:<13} {p50:>7.2f} {p95:>7.2f} {ratio:>22}")


if __name__ == "__main__":
    main()
