"""Choose the briefing's cosine thresholds for one model (``index/briefing/profiles.py``) on RealTimeQA's tuning half.

For each point of a grid of the story threshold (``cluster_min``) and the developing thresholds
(``developing_min`` for short texts, ``developing_long`` for long ones), every day of the tuning half's windows is
briefed again with those values (the data dir's model picks the profile the grid starts from), and scored as
``newsdesk eval-briefing`` scores it: coverage of the first story, at 3, mean rank of the story a question asks
about. With ``--wikinews`` (a data dir of the bundled sample embedded by the same model) a point is kept only when
the tsunami leads the sample on 2004-12-28, 12-29 and 2005-01-03, as the tests pin. Nothing is written; the
reporting half is never read.

    NEWSDESK_MODEL=intfloat/multilingual-e5-small .venv/bin/python bench/tune_briefing_thresholds.py \\
        --index RTQA_E5_DIR --wikinews WIKINEWS_E5_DIR

``RTQA_E5_DIR`` is a data dir holding the RTQA corpus embedded by that model (``newsdesk eval-briefing
--work-dir DIR`` builds one).
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.briefing import profiles, stories  # noqa: E402
from index.config import CoreSettings  # noqa: E402
from index.eval.briefing import evaluate_briefings  # noqa: E402
from index.eval.data import load_jsonl  # noqa: E402
from index.eval.split import select  # noqa: E402
from index.service import Newsdesk  # noqa: E402

QUESTIONS = ROOT.parent / "shared" / "data" / "rtqa" / "questions.jsonl"
# The editor's order on the bundled sample (tests/index/briefing/test_rank.py): the tsunami leads these days.
WIKINEWS_LEADS = {
    "2004-12-28": "wikinews-2004-12-28-029",
    "2004-12-29": "wikinews-2004-12-29-032",
    "2005-01-03": "wikinews-2005-01-03-037",
}


def _grid(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x.strip()]


def sample_leads(desk: Newsdesk) -> bool:
    """Whether the tsunami leads the sample on its three days under the thresholds in force."""
    for day, lead in WIKINEWS_LEADS.items():
        b = desk.briefing(date=day, top=1)
        if not b.stories or b.stories[0].lead_article_id != lead:
            return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True, help="a data dir holding the RTQA corpus")
    parser.add_argument("--wikinews", type=Path, help="a data dir of the bundled sample, same model")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--split", default="tune", choices=("tune", "report", "all"))
    parser.add_argument("--top", type=int, default=3)
    parser.add_argument("--cluster", type=_grid, default=_grid("0.40,0.45,0.50,0.55,0.60"))
    parser.add_argument("--developing-min", type=_grid, default=None, help="default: the profile's value")
    parser.add_argument("--developing-long", type=_grid, default=_grid("0.45,0.50,0.55,0.60"))
    args = parser.parse_args()
    questions = select(load_jsonl(args.questions), args.split)
    desk = Newsdesk.open(CoreSettings(data_dir=args.index))
    wiki = Newsdesk.open(CoreSettings(data_dir=args.wikinews)) if args.wikinews else None
    identity = desk.store.model_identity()[0]
    base = profiles.thresholds_for(identity)
    print(f"model {identity}; profile {base}")
    chosen = {"t": base}
    stories.thresholds_for = lambda _identity: chosen["t"]  # the grid point in force, whatever the store says
    rows = []
    try:
        dev_min = args.developing_min or [base.developing_min]
        for c, dmin, dlong in itertools.product(args.cluster, dev_min, args.developing_long):
            if dlong < dmin:
                continue
            chosen["t"] = replace(base, cluster_min=c, developing_min=dmin, developing_long=dlong)
            leads = sample_leads(wiki) if wiki is not None else None
            r = evaluate_briefings(desk, questions, top=args.top)
            rows.append((c, dmin, dlong, leads, r))
            print(
                f"cluster {c:.2f} dev_min {dmin:.2f} dev_long {dlong:.2f}  tsunami leads {leads}  "
                f"first {r['coverage_first']:.3f} @{args.top} {r['ranking']['briefing'][f'coverage_at_{args.top}']:.3f} "
                f"rank {r['mean_rank'] or 0:.2f} random @{args.top} "
                f"{r['ranking']['random_picks'][f'coverage_at_{args.top}']:.3f}  "
                f"articles cited/day {r['briefing_articles_cited_per_day']:.2f}",
                flush=True,
            )
    finally:
        desk.close()
        if wiki is not None:
            wiki.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
