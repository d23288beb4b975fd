"""The tuning/reporting split (index/eval/split.py): by story and by quiz week, pure and stable."""

from __future__ import annotations

import random

import pytest

from index.eval.split import group_key, half_of, select


def test_questions_of_one_story_or_one_quiz_week_share_a_half():
    story = [{"id": f"q{i}", "article_id": "newsqa_dev_7e865d6f5134"} for i in range(5)]
    assert {half_of(q) for q in story} == {"tune"}
    # Thursday's and Friday's quiz of ISO week 24 of 2022 are one quiz week, whatever their story.
    week = [
        {"id": "a", "question_date": "2022-06-16", "article_id": "x"},
        {"id": "b", "question_date": "2022-06-17T10:00:00", "article_id": "y"},
    ]
    assert [group_key(q) for q in week] == ["week:2022-W24", "week:2022-W24"]
    assert {half_of(q) for q in week} == {"report"}


def test_the_split_is_pinned():
    """Changing the salt or the hash is a new split: every figure measured on a half would be void."""
    assert half_of({"article_id": "newsqa_dev_0000"}) == "report"
    assert half_of({"question_date": "2022-06-23"}) == "tune"
    assert half_of({"question_date": "2022-07-01"}) == "report"
    assert half_of({"id": "seed-7", "question": "What is a good recipe for lasagna?"}) == "report"


def test_halves_partition_and_do_not_move_when_the_file_grows_or_is_reordered():
    questions = [{"id": f"q{i}", "article_id": f"story-{i // 3}"} for i in range(300)]
    tune, report = select(questions, "tune"), select(questions, "report")
    assert len(tune) + len(report) == 300 and not {q["id"] for q in tune} & {q["id"] for q in report}
    assert 90 < len(tune) < 210  # both halves are substantial
    assert select(questions, "all") == questions
    grown = questions + [{"id": f"n{i}", "article_id": f"new-{i}"} for i in range(50)]
    random.Random(7).shuffle(grown)
    assert {q["id"] for q in tune} <= {q["id"] for q in select(grown, "tune")}
    assert not {q["id"] for q in report} & {q["id"] for q in select(grown, "tune")}


def test_unknown_split_is_one_clear_error():
    with pytest.raises(ValueError, match="unknown split 'dev'"):
        select([], "dev")
