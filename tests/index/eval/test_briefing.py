"""Briefing evaluation (index/eval/briefing.py) on the bundled Wikinews sample."""

from __future__ import annotations

from index.eval.briefing import (
    Item,
    baseline_items,
    briefing_items,
    covered,
    evaluate_briefings,
    format_result,
)

from .conftest import TSUNAMI


def test_covered_by_cited_article_or_quoted_answer(wiki):
    q = {
        "id": "q1",
        "question": "?",
        "answers": ["60,000"],
        "article_ids": ["nope"],
        "question_date": "2004-12-29",
    }
    items = briefing_items(wiki.briefing(date="2004-12-28"))
    assert covered(q, items, strict=True)  # the death toll is quoted
    cited_only = {**q, "answers": ["zzz"], "article_ids": [TSUNAMI["2004-12-28"]]}
    assert covered(cited_only, items, strict=False)
    assert not covered({**q, "answers": ["zzz"]}, items, strict=False)
    # strict counts quoted articles only: an article that is cited but not quoted does not cover it
    assert not covered(cited_only, [Item({TSUNAMI["2004-12-28"]}, set(), [])], strict=True)


def test_baseline_is_the_days_lead_paragraphs(wiki):
    base = baseline_items(wiki, "2004-12-28", 1)
    assert len(base) == 1 and base[0].texts and base[0].cited == base[0].quoted
    lead = wiki.store.article_paragraphs(next(iter(base[0].cited)))[0].text
    assert base[0].texts == [lead]
    assert baseline_items(wiki, "2004-12-28", 0) == []
    assert baseline_items(wiki, "1990-01-01", 3) == []


def test_evaluate_briefings_counts_and_formats(wiki):
    q = {
        "id": "q1",
        "question": "?",
        "answers": ["60,000"],
        "article_ids": ["nope"],
        "question_date": "2004-12-29",
    }
    miss = {**q, "id": "q2", "answers": ["zzz"]}
    result = evaluate_briefings(wiki, [q, miss], top=8, days=2)
    assert result["days"] == 2 and result["briefing_quoted"] == 0.5
    assert [m["id"] for m in result["misses"]] == ["q2"]
    assert result["reachable"] == 0.0  # "nope" is no article of the corpus
    text = format_result(result)
    assert "2 questions" in text and "miss q2" in text
