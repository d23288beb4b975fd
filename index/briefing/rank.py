"""How important a story is, as an editor would weigh it: how many outlets and articles carry it today, how much it
was carried over the days before (a story everyone has followed all week outranks a one-off), whether it is growing,
and only then whether it is new.

Each signal comes from the briefing's own data (today's articles of the cluster, the earlier articles it continues,
each on its local day); nothing is embedded. The weights were chosen on the tuning half of RealTimeQA's quiz weeks
(``bench/tune_briefing_rank.py``); ``notes/briefing.md`` has the grid and the figures on the reporting half.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date as Date

# An earlier day's article counts this much less per day back: the day before weighs 0.75, a week before 0.13.
DAY_DECAY = 0.75


@dataclass(frozen=True)
class Signals:
    """What the ranking reads of one story (also printed in ``--json`` so that an order can be explained)."""

    outlets_today: int
    articles_today: int
    outlets_earlier: int  # distinct outlets of the earlier days' articles the story continues
    articles_earlier: float  # those articles, each weighted DAY_DECAY ** (days back - 1)
    days_covered: int  # days of the look-back window with an article of the story, today included
    growth: float  # ln(1 + articles today) - ln(1 + the busiest earlier day's articles); 0 for a new story
    recency: float  # where the latest publication time falls in the window (0.5 when only dates are known)
    novelty: float  # 1 - the highest cosine with any earlier article

    def to_dict(self) -> dict[str, float]:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Weights:
    """Weights of ``importance``; ``log1p`` of each count so that the tenth article adds less than the second.

    Chosen on RTQA's tuning half under the constraint that the sample's tsunami leads its three days (the grid and
    its marginals are in ``notes/briefing.md``): coverage today and growth carry the order; the earlier days'
    coverage lowered RTQA coverage at every weight tried above 0.1, so it stays small, enough to put a story
    followed for days above a one-off of the same size, which novelty alone would not."""

    outlets: float = 1.0  # wider coverage today is what makes a story big ...
    articles: float = 1.0  # ... and so are more articles (RTQA has three outlets: outlets alone are coarse)
    earlier: float = 0.1  # the articles of the days before that the story continues
    earlier_outlets: float = 0.0  # ... and how many outlets carried them (no gain on the tuning half)
    days: float = 0.1  # a story carried day after day
    growth: float = 1.0  # more articles today than on its busiest earlier day; fewer is a fading story
    recency: float = 0.05  # tie-breakers only: the latest article ...
    novelty: float = 0.05  # ... and how unlike everything before the story is


WEIGHTS = Weights()


def signals(
    today: Iterable[tuple[str, Date | None]],
    earlier: Iterable[tuple[str, Date | None]],
    day: Date,
    recency: float,
    novelty: float,
    decay: float = DAY_DECAY,
    same_story: bool = True,
) -> Signals:
    """The signals of a story from (outlet, local day) of its articles today and of the earlier ones it continues.

    ``same_story``: whether those earlier articles are this very story (as close as two articles of one story on
    one day) rather than its topic. Only then can it *fade*: a one-off feature that merely resembles a busier
    earlier topic (a fall menu beside last week's breakfast treats, a news digest) is not a story in decline, and
    a negative growth sank such one-offs to the bottom of their day (found on RTQA's tuning half)."""
    today = list(today)
    earlier = [(o, d) for o, d in earlier if d is not None and d < day]
    per_day: dict[Date, int] = {}
    weighted = 0.0
    for _, d in earlier:
        per_day[d] = per_day.get(d, 0) + 1  # type: ignore[index]
        weighted += decay ** ((day - d).days - 1)  # type: ignore[operator]
    busiest = max(per_day.values(), default=0)
    growth = math.log1p(len(today)) - math.log1p(busiest) if busiest else 0.0
    if not same_story:
        growth = max(growth, 0.0)
    return Signals(
        outlets_today=len({o for o, _ in today}),
        articles_today=len(today),
        outlets_earlier=len({o for o, _ in earlier}),
        articles_earlier=weighted,
        days_covered=1 + len(per_day),
        growth=growth,
        recency=recency,
        novelty=novelty,
    )


def importance(s: Signals, w: Weights = WEIGHTS) -> float:
    """The story's weight: coverage today, coverage over the days before, growth; recency and novelty last."""
    return (
        w.outlets * math.log1p(s.outlets_today)
        + w.articles * math.log1p(s.articles_today)
        + w.earlier * math.log1p(s.articles_earlier)
        + w.earlier_outlets * math.log1p(s.outlets_earlier)
        + w.days * math.log1p(s.days_covered - 1)
        + w.growth * s.growth
        + w.recency * s.recency
        + w.novelty * s.novelty
    )


__all__ = ["DAY_DECAY", "WEIGHTS", "Signals", "Weights", "importance", "signals"]
