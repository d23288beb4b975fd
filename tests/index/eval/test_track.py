"""`newsdesk eval-track` end to end on a tiny replay: articles arrive day by day, a question tracked from a week
before its date gets the alert that answers it, and the figures say so."""

from __future__ import annotations

import argparse
import json

from index.config import CoreSettings
from index.eval.track import Figures, load_questions, run_eval_track
from tests.index.track.conftest import FERRY, QUESTION


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_replay_measures_recall_precision_and_alerts_per_question(tmp_path, embedder, capsys) -> None:
    ferry = {
        "title": "Battery ferry starts",
        "source": "Coast Post",
        "date": "2026-11-20",
        "text": "\n\n".join(FERRY),
    }
    articles = [
        {**ferry, "url": "https://coastpost.example/ferry"},
        {
            **ferry,
            "source": "Harbour Times",
            "url": "https://harbourtimes.example/ferry",
        },  # a syndicated copy
        {
            "title": "Gull count falls",
            "source": "Coast Post",
            "date": "2026-11-18",
            "url": "https://coastpost.example/gulls",
            "text": "Volunteers counted four hundred and twelve nesting gulls on the cliffs this autumn.",
        },
        {  # after the question's date: never checked for it
            "title": "Ferry timetable",
            "source": "Coast Post",
            "date": "2026-11-25",
            "url": "https://coastpost.example/late",
            "text": "The ferry crossing to Gull Island takes eighteen minutes from next week, the operator said.",
        },
    ]
    questions = [
        {"id": "q1", "question": QUESTION, "answers": ["nineteen minutes"], "question_date": "2026-11-23"},
        {
            "id": "q2",
            "question": "How many gulls nest on the cliffs?",
            "answers": ["412"],
            "question_date": "2026-11-23",
        },
    ]
    args = argparse.Namespace(
        articles=write_jsonl(tmp_path / "a.jsonl", articles),
        questions=write_jsonl(tmp_path / "q.jsonl", questions),
        days=7,
        vectors_from=None,
        json=True,
    )
    assert run_eval_track(args, CoreSettings(data_dir=tmp_path / "unused"), embedder) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["articles"] == 4 and result["questions"] == 2
    both = {h: result["measured"][h] for h in ("tune", "report")}
    assert sum(r["questions"] for r in both.values()) == 2
    # q1 got one alert (the copy collapsed into it) quoting its answer; q2's answer is written "four hundred and
    # twelve", so its alert, if any, does not count as correct
    assert sum(round(r["recall"] * r["questions"]) for r in both.values()) == 1  # q1 only
    half = load_questions(tmp_path / "q.jsonl", 7)[0].half
    assert both[half]["precision"] > 0
    assert result["simulated_at_code_threshold"] == result["measured"]


def test_figures(tmp_path) -> None:
    fig = Figures()
    rows = [{"question": "x", "answers": ["Yellowstone"], "question_date": "2022-06-16"}]
    (q,) = load_questions(write_jsonl(tmp_path / "q.jsonl", rows), 7)
    fig.add(q, ["Flooding shut Yellowstone.", "Rain fell."])
    fig.add(q, [])
    assert fig.row() == {
        "questions": 2,
        "recall": 0.5,
        "precision": 0.5,
        "alerts_per_question": 1.0,
        "alerts": 2,
        "f1": 0.5,
    }
