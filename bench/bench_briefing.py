"""How long a daily briefing of ~100 articles takes from stored embeddings (no re-embedding).

RTQA's busiest real day has 25 articles, so the benchmark makes a day of ``--articles`` (default 100): it copies an
index holding the RTQA corpus (``--from-index``, e.g. the one ``newsdesk eval-briefing --work-dir`` built), and in
the copy moves the articles of the consecutive days around the busiest week onto one day; the previous seven days
keep their articles, so "developing" is checked against real history. Without ``--from-index`` it first indexes
RTQA into ``--work-dir`` (several minutes of embedding, once).

    .venv/bin/python bench/bench_briefing.py --from-index /tmp/rtqa-index [--articles 100] [--repeat 5]

Prints the median and max wall time of ``build_briefing`` over the repeats, single process, on this machine; then
the whole command as a user runs it (``newsdesk briefing --date D``, a new process each time: start-up, store,
briefing, Markdown), and with ``--chart``, each beside ``newsdesk stats`` on the same store run in turn with it (the
floor every command pays: interpreter, imports, store), as wall and CPU time and as ratios to it; and the load
average before and after, since the machine may be shared. The model comes from ``NEWSDESK_MODEL`` as usual: give
a ``--from-index`` built by that model.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.briefing import build_briefing  # noqa: E402
from index.config import CoreSettings  # noqa: E402
from index.service import Newsdesk  # noqa: E402

RTQA = ROOT.parent / "shared" / "data" / "rtqa" / "articles.jsonl"


def make_busy_day(data_dir: Path, n: int) -> str:
    """Move ``n`` articles of the days from some day D on onto D (in this copy only) and return D.

    D is the start of the shortest run of consecutive days holding ``n`` articles; the seven days before D keep
    their own articles, so the briefing checks "developing" against real history.
    """
    import sqlite3

    conn = sqlite3.connect(data_dir / "newsdesk.db")
    rows = conn.execute(
        "SELECT date, COUNT(*) FROM articles WHERE date IS NOT NULL GROUP BY date ORDER BY date"
    )
    counts = dict(rows.fetchall())
    days = sorted(counts)
    best, best_span = days[0], len(days) + 1
    for i, day in enumerate(days):
        total, j = 0, i
        while j < len(days) and total < n:
            total += counts[days[j]]
            j += 1
        if total >= n and j - i < best_span:
            best, best_span = day, j - i
    ids = [
        r[0]
        for r in conn.execute("SELECT id FROM articles WHERE date >= ? ORDER BY date, id LIMIT ?", (best, n))
    ]
    conn.execute(f"UPDATE articles SET date = ? WHERE id IN ({','.join('?' * len(ids))})", [best, *ids])
    conn.commit()
    conn.close()
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from-index", type=Path, help="a data dir that holds the RTQA corpus")
    parser.add_argument("--work-dir", type=Path, default=Path(tempfile.gettempdir()) / "newsdesk-bench-rtqa")
    parser.add_argument("--articles", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    source = args.from_index
    if source is None:
        if not RTQA.exists():
            print(
                f"RTQA data not found at {RTQA}: the benchmark needs ../shared/data (not shipped).",
                file=sys.stderr,
            )
            return 2
        source = args.work_dir
        desk = Newsdesk.open(CoreSettings(data_dir=source))
        if desk.store.counts()["articles"] == 0:
            t0 = time.perf_counter()
            desk.ingest_paths([RTQA])
            print(f"indexed RTQA in {time.perf_counter() - t0:.0f} s (once, into {source})", file=sys.stderr)
        desk.close()
    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        shutil.copytree(source, data_dir)
        day = make_busy_day(data_dir, args.articles)
        desk = Newsdesk.open(CoreSettings(data_dir=data_dir))
        try:
            t0 = time.perf_counter()
            desk.search_index()  # loading the FAISS file is start-up, not briefing
            load = time.perf_counter() - t0
            times = []
            b = None
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                b = build_briefing(desk, date=day, top=8)
                times.append(time.perf_counter() - t0)
            assert b is not None
            earlier = date.fromisoformat(day) - timedelta(days=7)
            print(
                f"briefing of {b.n_articles} articles on {day} ({b.n_stories} stories, top {len(b.stories)}, "
                f"{sum(s.developing for s in b.stories)} developing; history from {earlier}): "
                f"median {statistics.median(times):.2f} s, max {max(times):.2f} s over {args.repeat} runs "
                f"(index load {load:.2f} s, not counted)"
            )
        finally:
            desk.close()
        print("load average before the commands (1, 5, 15 min): " + _load())
        # Interleaved, so that the baseline and the briefing see the same load: `newsdesk stats` is a process
        # that starts, opens the same store and prints (no briefing), the floor any command pays.
        commands = {
            "stats": ["stats"],
            "briefing": ["briefing", "--date", day],
            "briefing --chart": ["briefing", "--date", day, "--chart", str(Path(tmp) / "chart.png")],
        }
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(args.repeat):
            for name, argv in commands.items():
                runs[name].append(command_seconds(data_dir, argv))
        med = {
            n: (statistics.median(w for w, _ in r), statistics.median(c for _, c in r))
            for n, r in runs.items()
        }
        for name, r in runs.items():
            wall, cpu = med[name]
            print(
                f"whole command `newsdesk {name}`: median {wall:.2f} s wall ({cpu:.2f} s CPU), "
                f"max {max(w for w, _ in r):.2f} s over {args.repeat} runs; "
                f"x{wall / med['stats'][0]:.2f} wall, x{cpu / med['stats'][1]:.2f} CPU of `newsdesk stats`"
            )
    print("load average after (1, 5, 15 min): " + _load())
    return 0


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def command_seconds(data_dir: Path, argv: list[str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one ``newsdesk`` process, from its start to its exit (output
    discarded). On a shared machine the CPU time is the steadier figure: it does not count waiting."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "cli", "--data-dir", str(data_dir), *argv]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


if __name__ == "__main__":
    sys.exit(main())
