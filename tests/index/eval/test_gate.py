"""The CI quality gate itself: it must fail on a regression below the best baseline and on a wrong answer to a
question the corpus cannot answer, and pass otherwise."""

from __future__ import annotations

from index.eval.gate import gate


def result(
    newsdesk: float, bm25: float, dense: float, rrf: float, refused: int = 1, expected: int = 1
) -> dict:
    def row(h5: float) -> dict[str, float]:
        return {"hit@1": h5 / 2, "hit@3": h5, "hit@5": h5, "hit@10": h5, "mrr": h5 / 2}

    return {
        "metrics": {"newsdesk": row(newsdesk), "bm25": row(bm25), "dense": row(dense), "rrf": row(rrf)},
        "no_answer_expected": expected,
        "no_answer_correct": refused,
    }


def test_gate_passes_when_newsdesk_matches_or_beats_every_baseline():
    assert gate(result(0.61, 0.54, 0.52, 0.59)) == []
    assert gate(result(0.59, 0.54, 0.52, 0.59)) == []  # a tie is not a regression


def test_gate_fails_below_the_best_baseline_whichever_it_is():
    for scores in ((0.60, 0.61, 0.1, 0.1), (0.60, 0.1, 0.61, 0.1), (0.60, 0.1, 0.1, 0.61)):
        problems = gate(result(*scores))
        assert len(problems) == 1 and "below the best baseline" in problems[0]
    assert "(rrf) 0.610" in gate(result(0.60, 0.1, 0.1, 0.61))[0]


def test_gate_fails_when_a_no_answer_question_gets_an_answer():
    problems = gate(result(0.9, 0.1, 0.1, 0.1, refused=0, expected=1))
    assert problems == ["a question that has no answer in the corpus got one"]
    assert len(gate(result(0.1, 0.2, 0.1, 0.1, refused=2, expected=3))) == 2
