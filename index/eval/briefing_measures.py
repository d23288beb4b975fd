"""Whether a briefing's *order* is right: coverage of the first story alone, coverage at k, and the rank of the
story a quiz question asks about, for the briefing and for two baselines scored on the same days.

Each day is a list of lines in the order a method shows them, each line reduced to the set of questions it covers
(``covered``: it cites one of the question's articles, or quotes one of its answers). A question is covered at k
when one of the first k lines of one of its days covers it; its rank is the best position of a covering line over
its days (so coverage at k is exactly the share of questions ranked k or better). Methods:

* the briefing: its stories, most important first;
* random picks: the same stories in a random order (``RANDOM_RUNS`` seeded shuffles per day, averaged): what the
  clustering alone is worth, without the ranking;
* recent leads: the day's articles, most recently published first, each with its lead paragraph (RTQA has dates
  only, so "most recent" falls back to the latest ingested), as many lines as the briefing has stories.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

ALL_LINES = 10_000  # "every story / article of the day" (RTQA's busiest day has 25 articles)
RANDOM_RUNS = 20  # shuffles per day for the random-picks baseline (seeded: the same figures every run)
RANDOM_SEED = "newsdesk-briefing-random-v1"

Day = list[frozenset[str]]  # per line shown, the ids of the questions it covers


@dataclass
class Scored:
    """One method's figures: coverage at each k, the mean best rank and over how many questions it is taken."""

    coverage: dict[int, float]
    mean_rank: float | None
    ranked: int  # questions with a covering line on one of their days at any rank

    def to_dict(self) -> dict[str, object]:
        return {
            **{f"coverage_at_{k}": round(v, 4) for k, v in self.coverage.items()},
            "mean_rank": None if self.mean_rank is None else round(self.mean_rank, 3),
            "ranked": self.ranked,
        }


def best_ranks(
    windows: dict[str, list[str]], days: dict[str, Day], limit: dict[str, int] | None = None
) -> dict:
    """Each question's best 1-based rank over its days (None when no line covers it); ``limit`` caps the lines
    a day may show (the recent-leads baseline shows as many lines as the briefing has stories)."""
    ranks: dict[str, int | None] = {}
    for qid, ds in windows.items():
        best = None
        for d in ds:
            lines = days.get(d, [])
            n = len(lines) if limit is None else min(len(lines), limit.get(d, 0))
            for i, covers in enumerate(lines[:n], 1):
                if qid in covers:
                    best = i if best is None else min(best, i)
                    break
        ranks[qid] = best
    return ranks


def score(ranks: dict[str, int | None], ks: Sequence[int]) -> Scored:
    n = max(len(ranks), 1)
    found = [r for r in ranks.values() if r is not None]
    return Scored(
        {k: sum(1 for r in found if r <= k) / n for k in ks},
        sum(found) / len(found) if found else None,
        len(found),
    )


def shuffled(days: dict[str, Day], run: int) -> dict[str, Day]:
    """The same lines in a seeded random order per day and run."""
    out = {}
    for d, lines in days.items():
        order = list(lines)
        random.Random(f"{RANDOM_SEED}:{d}:{run}").shuffle(order)
        out[d] = order
    return out


def random_picks(windows: dict[str, list[str]], days: dict[str, Day], ks: Sequence[int]) -> Scored:
    """The mean over ``RANDOM_RUNS`` shuffles of coverage at each k and of the mean rank."""
    runs = [score(best_ranks(windows, shuffled(days, r)), ks) for r in range(RANDOM_RUNS)]
    ranks = [s.mean_rank for s in runs if s.mean_rank is not None]
    return Scored(
        {k: sum(s.coverage[k] for s in runs) / len(runs) for k in ks},
        sum(ranks) / len(ranks) if ranks else None,
        runs[0].ranked,  # a shuffle moves lines, it never adds or removes one
    )


__all__ = ["ALL_LINES", "RANDOM_RUNS", "Day", "Scored", "best_ranks", "random_picks", "score", "shuffled"]
