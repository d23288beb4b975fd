"""Where the briefing's remaining RTQA misses are: the quiz's one-article stories among the day's other one-offs.

Every day of a half's windows is briefed once with every story kept (as ``tune_briefing_rank.py`` does). Prints:

* each question the top 3 misses, with the best rank of a story that covers it and whether that story is a
  one-article story (a one-off) or no story of its 7 days covers it at all (the ceiling);
* for the one-off stories that cover a question, their mean percentile among the same day's one-offs under the
  briefing's score and under each stored signal (0.5: no better than a coin; above: the quiz's one-offs have more
  of it): whether anything the data holds tells the quiz's one-off from the others;
* coverage if the quiz's own one-offs were nudged up by a small amount (an oracle no ranking has: it reads the
  answers), to show how much of the gap lies in that tie-break alone.

Reading the reporting half with it chooses nothing: it describes the misses after the ranking was chosen.

    .venv/bin/python bench/briefing_misses.py --index DIR [--split tune]
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from datetime import date as Date
from pathlib import Path
from statistics import mean

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

from tune_briefing_rank import KS, QUESTIONS, Line, collect, line_of, order  # noqa: E402

from index.briefing import rank  # noqa: E402
from index.briefing.stories import Built  # noqa: E402
from index.config import CoreSettings  # noqa: E402
from index.eval.briefing_measures import best_ranks, score  # noqa: E402
from index.eval.data import load_jsonl  # noqa: E402
from index.eval.split import select  # noqa: E402
from index.models import Story  # noqa: E402
from index.service import Newsdesk  # noqa: E402

NUDGES = (0.05, 0.1, 0.2, 0.3)


@dataclass
class Row(Line):
    """A story of a day as the tuner sees it, with what this report reads of it; ``nudge`` is the oracle's."""

    score: float = 0.0
    n_articles: int = 0
    n_paras: int = 0
    outlet: str = ""
    signals: dict | None = None
    developing: bool = False
    nudge: float = 0.0

    def importance(self, day: Date, w: rank.Weights, decay: float) -> float:
        return super().importance(day, w, decay) + self.nudge


def row_of(story: Story, built: Built, covers: frozenset[str]) -> Row:
    """A story as the tuner sees it (``line_of``), with what this report reads of it."""
    return Row(
        **vars(line_of(story, built, covers)),
        score=story.score,
        n_articles=len(story.article_ids),
        n_paras=sum(c.n_paras for c in built.members),
        outlet=story.outlets[0],
        signals=dict(story.signals),
        developing=story.developing,
    )


SIGNALS = {
    "the briefing's score": lambda r: r.score,
    "novelty": lambda r: r.signals["novelty"],
    "earlier articles it continues": lambda r: r.signals["articles_earlier"],
    "developing (same story before)": lambda r: r.developing,
    "paragraphs": lambda r: r.n_paras,
    "outlet is CNN": lambda r: r.outlet == "CNN",
    "outlet is USA Today": lambda r: r.outlet == "USA Today",
    "same_topic_above": lambda r: r.signals["same_topic_above"],
}


def percentiles(days: dict[str, list[Row]]) -> tuple[int, dict[str, float]]:
    """The quiz's one-offs' mean percentile among their day's one-offs under each signal (ties count half)."""
    out: dict[str, list[float]] = {k: [] for k in SIGNALS}
    n = 0
    for rows in days.values():
        one = [r for r in rows if r.n_articles == 1]
        for r in one:
            if not r.covers or len(one) < 2:
                continue
            n += 1
            for name, f in SIGNALS.items():
                v, others = f(r), [f(o) for o in one if o is not r]
                out[name].append(
                    (sum(v > x for x in others) + 0.5 * sum(v == x for x in others)) / len(others)
                )
    return n, {k: mean(v) if v else 0.5 for k, v in out.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True, help="a data dir holding the RTQA corpus")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--split", default="tune", choices=("tune", "report", "all"))
    args = parser.parse_args()
    questions = select(load_jsonl(args.questions), args.split)
    desk = Newsdesk.open(CoreSettings(data_dir=args.index))
    try:
        windows, days = collect(desk, questions, 7, row_of)
    finally:
        desk.close()
    w, decay = rank.WEIGHTS, rank.DAY_DECAY
    ranks = best_ranks(windows, order(days, w, decay))
    print(f"{len(questions)} questions ({args.split}), {len(days)} days; missed in the top 3:")
    for q in questions:
        r = ranks[q["id"]]
        if r is not None and r <= 3:
            continue
        kind = "no story of its 7 days covers it"
        if r is not None:
            sizes = {x.n_articles for d in windows[q["id"]] for x in days.get(d, []) if q["id"] in x.covers}
            kind = f"best rank {r}, " + (
                "a one-off" if sizes == {1} else f"stories of {sorted(sizes)} articles"
            )
        print(f"  {q['id']}: {q['question'][:80]} ({kind})")
    n, pct = percentiles(days)
    print(f"the quiz's one-off stories ({n} story-days): mean percentile among their day's one-offs")
    for name, v in pct.items():
        print(f"  {name:32} {v:.2f}")
    base = score(ranks, KS)
    print(
        f"coverage @1 / @3 / mean rank: {base.coverage[1]:.3f} / {base.coverage[3]:.3f} / {base.mean_rank:.2f}"
    )
    for nudge in NUDGES:
        for rows in days.values():
            for x in rows:
                x.nudge = nudge if (x.n_articles == 1 and x.covers) else 0.0
        s = score(best_ranks(windows, order(days, w, decay)), KS)
        print(
            f"  oracle: the quiz's one-offs +{nudge}: {s.coverage[1]:.3f} / {s.coverage[3]:.3f} / "
            f"{s.mean_rank:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
