"""Choose the briefing's ranking weights (``index/briefing/rank.py``) on the tuning half of RealTimeQA.

Every day of the tuning half's windows is briefed once with every story kept (clusters, quotes and what each story
covers do not depend on the weights; ``ranked_stories`` keeps what each story's ranking read); the stories are then
re-ordered under each point of a grid of weights and day decays, as the briefing orders them (``rank.signals`` on
``Built.ranked_on``, then ``cluster.spread_topics``, whose penalty is in importance units and so weighs more or
less under other weights), and each order is scored as ``newsdesk eval-briefing`` scores it (coverage of the first
story, at 3, mean rank of the story a question asks about). Prints the best points and the current defaults (the
defaults' figures are ``eval-briefing``'s); nothing is written. The reporting half is never read.

    .venv/bin/python bench/tune_briefing_rank.py --index DIR [--split tune]

``DIR`` is a data dir holding the RTQA corpus (``newsdesk eval-briefing --work-dir DIR`` builds one).
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date as Date
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from index.briefing import rank  # noqa: E402
from index.briefing.cluster import spread_topics  # noqa: E402
from index.briefing.stories import Built, quote_stories, ranked_stories  # noqa: E402
from index.config import CoreSettings  # noqa: E402
from index.eval.briefing import ALL_LINES, _windows, briefing_items, covered  # noqa: E402
from index.eval.briefing_measures import best_ranks, random_picks, score  # noqa: E402
from index.eval.data import load_jsonl  # noqa: E402
from index.eval.split import select  # noqa: E402
from index.models import Story  # noqa: E402
from index.service import Newsdesk  # noqa: E402

QUESTIONS = ROOT.parent / "shared" / "data" / "rtqa" / "questions.jsonl"
KS = (1, 3, 5)


@dataclass
class Line:
    """One story of a day: what its ranking read (for re-ranking), its centroid, and which questions it covers."""

    key: tuple[str, str]  # the tie-break of build_briefing: headline, lead article
    ranked_on: dict  # rank.signals' arguments besides the day (stories.Built.ranked_on)
    centroid: np.ndarray
    same_topic: float
    covers: frozenset[str]

    def importance(self, day: Date, w: rank.Weights, decay: float) -> float:
        return rank.importance(rank.signals(day=day, decay=decay, **self.ranked_on), w)


# a story of a day (as shown, as built, the questions it covers) -> what the re-ordering reads of it
MakeLine = Callable[[Story, Built, frozenset[str]], Line]


def line_of(story: Story, built: Built, covers: frozenset[str]) -> Line:
    """A story as the tuner re-orders it."""
    key = (story.headline, story.lead_article_id)
    return Line(key, built.ranked_on, built.centroid, built.thresholds.same_topic, covers)


def collect(
    desk: Newsdesk, questions: list[dict], days: int, make: MakeLine = line_of
) -> tuple[dict, dict[str, list[Line]]]:
    windows = _windows(questions, days)
    of_day: dict[str, list[dict]] = {}
    for q in questions:
        for d in windows[q["id"]]:
            of_day.setdefault(d, []).append(q)
    return windows, day_lines(desk, of_day, make)


def day_lines(
    desk: Newsdesk, of_day: dict[str, list[dict]], make: MakeLine = line_of
) -> dict[str, list[Line]]:
    """Every story of each day, with what it covers among that day's questions (``make``: a ``Line`` of it)."""
    lines: dict[str, list[Line]] = {}
    for day in sorted(of_day):
        frame, built = ranked_stories(desk, date=day, top=ALL_LINES)
        b = quote_stories(desk, frame, built)
        lines[day] = [
            make(s, x, frozenset(q["id"] for q in of_day[day] if covered(q, [item], False)))
            for s, x, item in zip(b.stories, built, briefing_items(b), strict=True)
        ]
    return lines


def leads(lines: dict[str, list[Line]], w: rank.Weights, decay: float) -> dict[str, str]:
    """The lead article of each day's first story under these weights."""
    out = {}
    for day, day_lines in lines.items():
        d = Date.fromisoformat(day)
        # The most important story leads: spreading the topics never moves it.
        best = min(day_lines, key=lambda x: (-x.importance(d, w, decay), x.key))
        out[day] = best.key[1]
    return out


def order(lines: dict[str, list[Line]], w: rank.Weights, decay: float) -> dict[str, list[frozenset[str]]]:
    out = {}
    for day, day_lines in lines.items():
        d = Date.fromisoformat(day)
        ranked = sorted(((x.importance(d, w, decay), x) for x in day_lines), key=lambda t: (-t[0], t[1].key))
        if not ranked:
            out[day] = []
            continue
        placed, _ = spread_topics(
            [i for i, _ in ranked], np.stack([x.centroid for _, x in ranked]), ranked[0][1].same_topic
        )
        out[day] = [ranked[n][1].covers for n in placed]
    return out


GRID = {
    "outlets": (0.5, 1.0),
    "articles": (0.0, 0.25, 0.5, 1.0),
    "earlier": (0.0, 0.1, 0.3, 0.6),
    "earlier_outlets": (0.0, 0.3),
    "days": (0.0, 0.1, 0.2, 0.5),
    "growth": (0.0, 0.2, 0.5, 1.0),
    "novelty": (0.0, 0.05),
}
DECAYS = (0.5, 0.75, 1.0)
# The editor's order on the bundled sample (tests/index/briefing/test_rank.py): the tsunami leads these days.
WIKINEWS_LEADS = {
    "2004-12-28": "wikinews-2004-12-28-029",
    "2004-12-29": "wikinews-2004-12-29-032",
    "2005-01-03": "wikinews-2005-01-03-037",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True, help="a data dir holding the RTQA corpus")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--split", default="tune", choices=("tune", "report", "all"))
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--show", type=int, default=15, help="best grid points printed")
    parser.add_argument(
        "--wikinews",
        type=Path,
        help="a data dir of the bundled sample: keep only points where the tsunami leads",
    )
    args = parser.parse_args()
    questions = select(load_jsonl(args.questions), args.split)
    desk = Newsdesk.open(CoreSettings(data_dir=args.index))
    try:
        windows, lines = collect(desk, questions, args.days)
    finally:
        desk.close()
    sample: dict[str, list[Line]] = {}
    if args.wikinews:
        wiki = Newsdesk.open(CoreSettings(data_dir=args.wikinews))
        try:
            sample = day_lines(wiki, {d: [] for d in WIKINEWS_LEADS})
        finally:
            wiki.close()
    default_decay = rank.DAY_DECAY
    results = []
    names = list(GRID)
    for values in itertools.product(*(GRID[n] for n in names)):
        w = replace(rank.WEIGHTS, **dict(zip(names, values, strict=True)))
        for decay in DECAYS:
            if sample and leads(sample, w, decay) != WIKINEWS_LEADS:
                continue
            s = score(best_ranks(windows, order(lines, w, decay)), KS)
            # coverage at 3 first, then the first story, then the mean rank (lower is better)
            results.append(((s.coverage[3], s.coverage[1], -(s.mean_rank or 99)), w, decay, s))
    results.sort(key=lambda t: t[0], reverse=True)
    n = len(questions)
    print(f"{n} questions ({args.split}), {len(lines)} days, {len(results)} grid points kept")
    print("marginals (mean over the points kept with that value): coverage @1, @3, mean rank")
    for name in names:
        cells = []
        for value in GRID[name]:
            kept = [s for _, w, _, s in results if getattr(w, name) == value]
            if kept:
                c1 = sum(s.coverage[1] for s in kept) / len(kept)
                c3 = sum(s.coverage[3] for s in kept) / len(kept)
                mr = sum(s.mean_rank or 0 for s in kept) / len(kept)
                cells.append(f"{value}: {c1:.3f} {c3:.3f} {mr:.2f}")
        print(f"  {name:16} " + " | ".join(cells))
    for _key, w, decay, s in results[: args.show]:
        print(
            f"@1 {s.coverage[1]:.3f} @3 {s.coverage[3]:.3f} @5 {s.coverage[5]:.3f} rank {s.mean_rank:.2f}  "
            f"decay {decay}  {w}"
        )
    base = score(best_ranks(windows, order(lines, rank.WEIGHTS, default_decay)), KS)
    print(
        f"defaults: @1 {base.coverage[1]:.3f} @3 {base.coverage[3]:.3f} @5 {base.coverage[5]:.3f} "
        f"rank {base.mean_rank:.2f}  decay {default_decay}  {rank.WEIGHTS}"
    )
    old = rank.Weights(1.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.3, 0.3)
    prev = score(best_ranks(windows, order(lines, old, default_decay)), KS)
    print(
        f"previous ranking (outlets, 0.5 articles, 0.3 recency, 0.3 novelty): @1 {prev.coverage[1]:.3f} "
        f"@3 {prev.coverage[3]:.3f} @5 {prev.coverage[5]:.3f} rank {prev.mean_rank:.2f}"
    )
    rnd = random_picks(windows, order(lines, rank.WEIGHTS, default_decay), KS)
    print(f"random picks: @1 {rnd.coverage[1]:.3f} @3 {rnd.coverage[3]:.3f} rank {rnd.mean_rank:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
