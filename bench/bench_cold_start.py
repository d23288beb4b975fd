"""Cold start of each ``newsdesk`` command: a new process every time, as a user or cron runs it.

    python bench/bench_cold_start.py [--data-dir DIR] [--repeat 3]

The data dir is seeded with the bundled Wikinews sample (41 articles) when it is empty. Each command runs as
``python -m cli -v …`` ``--repeat`` times; the table shows the median and fastest wall-clock time of the
whole process (interpreter start, imports, opening the store, the work, exit), its CPU time (less sensitive to
other load on a shared machine than the wall clock), and whether it loaded the embedding model (read from its
``-v`` log). The load average is printed: compare rows of one run, not runs of one day.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIKINEWS = ROOT / "corpus" / "wikinews"
MODEL_LOADED = "index.embed.model: encoder: "  # index.embed.model logs this at INFO when it loads the encoder

# (label, arguments): every command a user runs in the first hour, light ones first.
COMMANDS: list[tuple[str, list[str]]] = [
    ("--help", ["--help"]),
    ("stats", ["stats"]),
    ("sources", ["sources"]),
    ("briefing --date", ["briefing", "--date", "2004-12-28", "--top", "3"]),
    ("briefing (no news today)", ["briefing"]),
    ("feeds list", ["feeds", "list"]),
    ("poll (no feeds)", ["poll"]),
    ("ingest (unchanged)", ["ingest", str(WIKINEWS)]),
    ("ask", ["ask", "How many people died in the tsunami?", "-k", "3"]),
]


def run(data_dir: Path, argv: list[str], cwd: Path) -> tuple[float, float, bool, int]:
    """(wall seconds, CPU seconds of the process, whether it loaded the model, exit status)."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT), "TOKENIZERS_PARALLELISM": "false"}
    env.pop("DISCORD_TOKEN", None)
    cmd = [sys.executable, "-m", "cli", "-v", "--data-dir", str(data_dir), *argv]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu, MODEL_LOADED in done.stderr, done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir", type=Path, help="a data dir to use (seeded if empty); default: a temporary one"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per command (default 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newsdesk-cold-") as tmp:
        cwd = Path(tmp)  # no .env here: the settings are the defaults plus --data-dir
        data_dir = args.data_dir or cwd / "data"
        seconds, _, _, code = run(data_dir, ["ingest", str(WIKINEWS)], cwd)
        if code != 0:
            print(f"seeding {data_dir} failed (exit {code})", file=sys.stderr)
            return 1
        print(f"data dir {data_dir} (Wikinews sample; seeding or checking took {seconds:.1f} s)")
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"{'command':<26} {'median s':>9} {'min s':>7} {'cpu s':>6}  model loaded  exit")
        for label, argv in COMMANDS:
            runs = [run(data_dir, argv, cwd) for _ in range(args.repeat)]
            times = [r[0] for r in runs]
            cpu = statistics.median(r[1] for r in runs)
            loaded = "yes" if any(r[2] for r in runs) else "no"
            codes = sorted({r[3] for r in runs})
            print(
                f"{label:<26} {statistics.median(times):>9.2f} {min(times):>7.2f} {cpu:>6.2f}  {loaded:<12}  "
                f"{','.join(map(str, codes))}"
            )
        print(f"load average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
