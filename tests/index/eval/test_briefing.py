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
from index.eval.briefing_links import developing_links, format_links

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
    assert result["links"]["same_question"] == {"linked": 0, "pairs": 0}  # "nope" has no date


def test_developing_links_join_one_story_and_not_two(wiki):
    """The tsunami's second day names its first (one question's articles); the spam report of the 28th does not
    name the tsunami of the 27th (two questions' articles), and same-day pairs are not counted."""
    spam = "wikinews-2004-12-28-030"
    questions = [
        {"id": "tsunami", "article_ids": [TSUNAMI["2004-12-27"], TSUNAMI["2004-12-28"]]},
        {"id": "spam", "article_ids": [spam]},
    ]
    links = developing_links(wiki, questions, days=7)
    assert links["same_question"] == {"linked": 1, "pairs": 1}
    assert links["different_questions"] == {"linked": 0, "pairs": 1}
    assert "one question's 1 of 1" in format_links(links, 7)
