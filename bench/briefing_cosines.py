"""Where a model puts the cosines the briefing's thresholds compare (``index/briefing/profiles.py``), for choosing
another model's values: article-vector pairs of RealTimeQA's tuning half (same day and up to 7 days apart, linked by
a quiz question or not) under two stores of the same corpus, and where one store's threshold falls on the other's
scale (the same percentile). The reporting half is never read.

    .venv/bin/python bench/briefing_cosines.py --index RTQA_MINILM_DIR --other RTQA_E5_DIR
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from datetime import date as Date
from datetime import timedelta
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.briefing.content import load_contents  # noqa: E402
from index.config import CoreSettings  # noqa: E402
from index.eval.briefing import _windows  # noqa: E402
from index.eval.data import load_jsonl  # noqa: E402
from index.eval.split import select  # noqa: E402
from index.service import Newsdesk  # noqa: E402

QUESTIONS = ROOT.parent / "shared" / "data" / "rtqa" / "questions.jsonl"
KINDS = ("same-day linked", "same-day other", "cross-day linked", "cross-day other")


def pairs(data_dir: Path, questions: list[dict]) -> dict[str, list[float]]:
    """Cosines of article vectors of the tuning half's days, by kind of pair."""
    days = sorted({d for ds in _windows(questions, 7).values() for d in ds})
    desk = Newsdesk.open(CoreSettings(data_dir=data_dir))
    try:
        dates = desk.store.article_dates()
        cont = load_contents(desk, sorted(a for a, d in dates.items() if d))
    finally:
        desk.close()
    by_day: dict[str, list[str]] = {}
    for a in cont:
        by_day.setdefault(dates[a], []).append(a)
    linked = set()
    for q in questions:
        ids = sorted(a for a in (q.get("article_ids") or [q["article_id"]]) if a in cont)
        linked.update(itertools.combinations(ids, 2))
    out: dict[str, list[float]] = {k: [] for k in KINDS}
    for d in days:
        today = sorted(by_day.get(d, []))
        for a, b in itertools.combinations(today, 2):
            out["same-day linked" if (a, b) in linked else "same-day other"].append(
                float(cont[a].vector @ cont[b].vector)
            )
        for k in range(1, 8):
            for a in today:
                for b in by_day.get((Date.fromisoformat(d) - timedelta(days=k)).isoformat(), []):
                    key = tuple(sorted((a, b)))
                    kind = "cross-day linked" if key in linked else "cross-day other"
                    out[kind].append(float(cont[a].vector @ cont[b].vector))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True, help="the store whose thresholds are known")
    parser.add_argument(
        "--other", type=Path, required=True, help="the same corpus embedded by the other model"
    )
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--at", default="0.40,0.45,0.50,0.55", help="thresholds of --index to map")
    args = parser.parse_args()
    questions = select(load_jsonl(args.questions), "tune")
    known, other = pairs(args.index, questions), pairs(args.other, questions)
    for kind in KINDS:
        a, b = np.array(known[kind]), np.array(other[kind])
        pct = (
            np.percentile(a, [10, 50, 90]).round(3).tolist(),
            np.percentile(b, [10, 50, 90]).round(3).tolist(),
        )
        print(f"{kind:17} n={len(a):6}  p10/50/90 {pct[0]} vs {pct[1]}")
        for t in (float(x) for x in args.at.split(",")):
            p = float((a < t).mean() * 100)
            print(f"    {t:.2f} (percentile {p:5.1f}) -> {np.percentile(b, p):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
