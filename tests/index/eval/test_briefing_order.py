"""Whether the briefing's order is right (index/eval/briefing_measures.py): coverage of the first story, at k, the
mean rank of the story a question asks about, beside random picks and recent leads in the same run."""

from __future__ import annotations

import json

import pytest

from cli.briefing import cmd_eval_briefing
from cli.main import build_parser
from index.eval.briefing import evaluate_briefings, format_result
from index.eval.briefing_measures import RANDOM_RUNS, best_ranks, random_picks, score, shuffled
from index.eval.split import half_of
from tests.conftest import WIKINEWS

from .conftest import TSUNAMI

WINDOWS = {"q1": ["d1", "d2"], "q2": ["d2"], "q3": ["d1"]}
DAYS = {
    "d1": [frozenset(), frozenset({"q1"})],  # q1's story second on d1 ...
    "d2": [frozenset({"q1"}), frozenset({"q2"}), frozenset()],  # ... first on d2; q2 second; q3 nowhere
}


def test_best_rank_is_the_best_position_over_the_question_days():
    assert best_ranks(WINDOWS, DAYS) == {"q1": 1, "q2": 2, "q3": None}
    s = score(best_ranks(WINDOWS, DAYS), (1, 3))
    assert s.coverage == {
        1: pytest.approx(1 / 3),
        3: pytest.approx(2 / 3),
    }  # coverage at k = ranked k or better
    assert s.mean_rank == 1.5 and s.ranked == 2
    assert best_ranks(WINDOWS, DAYS, limit={"d1": 1, "d2": 1})["q2"] is None  # beyond the lines shown


def test_random_picks_are_seeded_and_move_lines_only():
    assert shuffled(DAYS, 3) == shuffled(DAYS, 3)
    assert all(
        sorted(map(sorted, shuffled(DAYS, r)["d2"])) == sorted(map(sorted, DAYS["d2"])) for r in range(5)
    )
    rnd = random_picks(WINDOWS, DAYS, (1, 3))
    assert rnd.ranked == 2 and rnd.coverage[3] == pytest.approx(2 / 3)  # all lines fit in 3: order is moot
    assert 0 < rnd.coverage[1] < 2 / 3 and RANDOM_RUNS >= 10


def test_the_tsunami_question_is_led_by_the_briefing_and_not_by_recent_leads(wiki):
    q = {"id": "t", "question": "?", "answers": ["zzz"], "article_ids": [TSUNAMI["2004-12-28"]]}
    result = evaluate_briefings(wiki, [{**q, "question_date": "2004-12-29"}], top=8, days=1)
    assert result["coverage_first"] == 1.0 and result["coverage_at_3"] == 1.0 and result["mean_rank"] == 1
    ranking = result["ranking"]
    assert set(ranking) == {"briefing", "random_picks", "recent_leads"}
    assert ranking["recent_leads"]["mean_rank"] == 2  # the spam story was stored after the tsunami's
    assert ranking["recent_leads"]["coverage_at_1"] == 0.0
    assert 0 < ranking["random_picks"]["coverage_at_1"] < 1
    assert {"briefing_cited", "baseline_cited", "reachable", "misses"} <= set(
        result
    )  # the earlier fields stay
    text = format_result(result)
    assert "random picks" in text and "recent leads" in text and "mean rank" in text


def test_cli_eval_briefing_reads_one_half(wiki, capsys, tmp_path):
    rows = [
        {"id": f"q{n}", "question": "?", "answers": ["60,000"], "article_ids": ["x"], "question_date": day}
        for n, day in enumerate(["2004-12-29", "2005-01-05", "2005-01-12", "2004-12-22", "2004-12-15"])
    ]
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    tune = [r for r in rows if half_of(r) == "tune"]
    assert 0 < len(tune) < len(rows), "the sample weeks all fall in one half: pick other dates"
    args = build_parser().parse_args(
        ["eval-briefing", str(WIKINEWS), str(path), "--days", "2", "--json", "--split", "tune"]
    )
    assert cmd_eval_briefing(args, wiki) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["split"] == "tune" and result["questions"] == len(tune)
    assert "coverage_at_3" in result["ranking"]["recent_leads"]
