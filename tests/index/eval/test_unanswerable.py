"""``newsdesk eval --unanswerable``: each question asked without its own article; false answers, quotes shown, and
the trade-off curve of an evidence floor against the real questions' no-answers and hit@k."""

from __future__ import annotations

import json
import shutil

from cli.main import build_parser
from index.config import CoreSettings
from index.eval.retrieval import run_eval
from index.eval.unanswerable import (
    Asked,
    at_floor,
    at_threshold,
    curve,
    format_unanswerable,
    own_articles,
    summary,
    threshold_curve,
)

from ...conftest import WIKINEWS

KMART = "wikinews-2004-11-17-006"
NOBEL = "wikinews-2004-12-10-019"


def test_own_articles_are_the_story_or_every_linked_article():
    assert own_articles({"article_id": "s1"}) == {"s1"}
    assert own_articles({"article_id": "a", "article_ids": ["a", "b"]}) == {"a", "b"}
    assert own_articles({"question": "no story"}) == set()


def test_a_floor_removes_weak_quotes_and_refuses_questions_left_without_any():
    real = [Asked([0.9, 0.5, 0.4], [False, True, False]), Asked([0.35], [True])]
    tally, refused, shown = at_floor(real, 0.45)
    assert tally.ranks == [2, None] and refused == 1 and shown == 2
    unanswerable = [Asked([0.6, 0.3], [False, False]), Asked([], [])]
    assert summary(unanswerable) == {
        "questions": 2,
        "false_answer_rate": 0.5,
        "quotes_per_question": 1.0,
        "answered_elsewhere": 0,
    }
    points = curve(real, unanswerable)
    assert points[0]["false_answer_rate"] == 0.5 and points[0]["no_answer_rate"] == 0.0
    assert points[-1]["false_answer_rate"] == 0.0  # swept until no false answer is left
    rates = [p["false_answer_rate"] for p in points]
    assert rates == sorted(rates, reverse=True)
    assert [p["no_answer_rate"] for p in points] == sorted(p["no_answer_rate"] for p in points)


def test_raising_the_answerability_threshold_refuses_whole_questions_from_the_shipped_one_up():
    real = [
        Asked([0.9, 0.5], [False, True], answerability=0.8),
        Asked([0.4], [True], answerability=0.3),
        Asked([], [], answerability=0.1),  # refused today: stays refused
    ]
    unanswerable = [
        Asked([0.6, 0.3], [False, False], answerability=0.25),
        Asked([0.5], [False], answerability=0.5),
    ]
    tally, refused, shown = at_threshold(real, 0.2)
    assert tally.ranks == [2, 1, None] and refused == 1 and shown == 3  # the shipped point: nothing changes
    tally, refused, _ = at_threshold(real, 0.35)
    assert tally.ranks == [2, None, None] and refused == 2
    points = threshold_curve(real, unanswerable, 0.2)
    assert points[0]["threshold"] == 0.2 and points[0]["false_answer_rate"] == 1.0
    assert [p["threshold"] for p in points[:3]] == [0.2, 0.225, 0.25]
    at_04 = next(p for p in points if p["threshold"] == 0.4)
    assert at_04["false_answer_rate"] == 0.5 and at_04["no_answer_rate"] == round(2 / 3, 4)
    assert points[-1]["false_answer_rate"] == 0.0 and points[-1]["threshold"] <= 0.6


def test_a_question_asked_without_its_article_never_quotes_it(wiki):
    with_story = wiki.ask("How much will Kmart pay for Sears?", k=10)
    assert any(q.article_id == KMART for q in with_story.quotes)
    without = wiki.ask("How much will Kmart pay for Sears?", k=10, exclude_articles={KMART})
    assert all(q.article_id != KMART for q in without.quotes + without.nearest_misses)
    assert without.searched["paragraphs"] < wiki.stats().paragraphs
    assert all(q.evidence is not None and q.evidence <= q.score + 1e-6 for q in with_story.quotes)


def test_cli_reports_false_answers_beside_real_no_answers(wikinews_dir, tmp_path, capsys):
    index_dir = tmp_path / "idx"
    shutil.copytree(wikinews_dir, index_dir)
    questions = tmp_path / "q.jsonl"
    rows = [
        {
            "id": "a",
            "question": "Who won the 2004 Nobel Peace Prize?",
            "answers": ["Maathai"],
            "article_id": NOBEL,
        },
        {"id": "b", "question": "How much will Kmart pay for Sears?", "answers": ["11"], "article_id": KMART},
    ]
    questions.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    argv = ["eval", str(WIKINEWS), str(questions), "--index-dir", str(index_dir), "--unanswerable"]
    code = run_eval(build_parser().parse_args([*argv, "--json"]), CoreSettings())
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and "metrics" in result and "misses" in result  # the usual report, extended
    u = result["unanswerable"]
    assert u["questions"] == 2 and u["real_questions"] == 2 and 0 <= u["false_answer_rate"] <= 1
    assert u["real_no_answers"] == 0 and u["curve"]
    # the answerability curve starts at the encoder's shipped threshold, where it repeats the figures above
    assert u["threshold_curve"] and u["threshold_curve"][0]["threshold"] == u["answer_threshold"]
    assert u["threshold_curve"][0]["false_answer_rate"] == u["false_answer_rate"]
    run_eval(build_parser().parse_args(argv), CoreSettings())
    text = capsys.readouterr().out
    assert "newsdesk (quotes)" in text and "false-answer rate" in text and "no-answers of 2" in text
    assert format_unanswerable(u, "tune").count("\n") >= 4
    assert "trade-off over the answerability threshold" in text
