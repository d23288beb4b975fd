"""The briefing's front ends: Markdown rendering, ``newsdesk briefing`` and ``newsdesk eval-briefing``.

(These exercise ``cli/briefing.py`` on the briefing fixtures; they can move to ``tests/cli/``.)
"""

from __future__ import annotations

import json

import pytest

from cli.briefing import cmd_briefing, cmd_eval_briefing, render_markdown
from cli.main import build_parser
from index.briefing import build_briefing
from index.eval.briefing import baseline_items, briefing_items, covered, evaluate_briefings
from tests.conftest import WIKINEWS

from .wikinews import TSUNAMI


def test_markdown_rendering_has_quotes_sources_and_developing_flag(wiki):
    md = render_markdown(build_briefing(wiki, date="2004-12-29"))
    assert md.startswith("# Briefing for Wednesday 29 December 2004, UTC")
    assert "Developing since Monday 27 December" in md
    assert "verbatim ✓" in md and "Sources:\n- Wikinews <https://en.wikinews.org/" in md


def test_a_developing_story_links_its_background(wiki):
    """The tsunami on the 29th links the 28th's article it continues (closest first), with its title and day, and
    the evaluation counts what is linked as cited."""
    b = build_briefing(wiki, date="2004-12-29")
    tsunami = next(s for s in b.stories if TSUNAMI["2004-12-29"] in s.article_ids)
    assert [a.article_id for a in tsunami.background][:1] == [TSUNAMI["2004-12-28"]]
    assert len(tsunami.background) <= 2 and set(a.article_id for a in tsunami.background) <= set(
        tsunami.earlier_article_ids
    )
    md = render_markdown(b)
    assert (
        "- earlier: Wikinews, “Asian earthquake toll nears 60,000”, Tuesday 28 December "
        "<https://en.wikinews.org/wiki/Asian_earthquake_toll_nears_60,000>"
    ) in md
    q = {"id": "q", "question": "?", "answers": ["zzz"], "article_ids": [TSUNAMI["2004-12-28"]]}
    assert covered(q, briefing_items(b), strict=False)
    assert not covered(q, briefing_items(b), strict=True)  # linked, not quoted
    assert tsunami.to_dict()["background"][0]["article_id"] == TSUNAMI["2004-12-28"]


def test_eval_coverage_counts_cited_articles_and_answer_quotes(wiki):
    q = {
        "id": "q1",
        "question": "?",
        "answers": ["60,000"],
        "article_ids": ["nope"],
        "question_date": "2004-12-29",
    }
    b = build_briefing(wiki, date="2004-12-28")
    items = briefing_items(b)
    assert covered(q, items, strict=True)
    assert covered({**q, "answers": ["zzz"], "article_ids": [TSUNAMI["2004-12-28"]]}, items, strict=False)
    assert not covered({**q, "answers": ["zzz"]}, items, strict=False)
    base = baseline_items(wiki, "2004-12-28", 1)
    assert len(base) == 1 and base[0].texts
    result = evaluate_briefings(wiki, [q], top=8, days=2)
    assert result["days"] == 2 and result["briefing_quoted"] == 1.0


def test_cli_briefing_prints_markdown_and_json(wiki, capsys, tmp_path):
    out_file = tmp_path / "b.md"
    args = build_parser().parse_args(
        ["briefing", "--date", "2004-12-28", "--top", "1", "--output", str(out_file)]
    )
    assert cmd_briefing(args, wiki) == 0
    md = capsys.readouterr().out
    assert md.startswith("# Briefing for Tuesday 28 December 2004, UTC") and md.count("\n## ") == 1
    assert "The top 1 story of 2 from 2 articles." in md
    assert out_file.read_text(encoding="utf-8") == md
    args = build_parser().parse_args(
        ["briefing", "--date", "2004-12-28", "--json", "--sources", "Wikinews,Other"]
    )
    assert cmd_briefing(args, wiki) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sources"] == ["Wikinews", "Other"] and data["n_articles"] == 2
    story = next(s for s in data["stories"] if TSUNAMI["2004-12-28"] in s["article_ids"])
    assert story["developing"] is True and story["articles"][0]["url"].startswith("https://")
    assert {"paragraph_id", "start", "end", "article_id", "text"} <= set(story["quotes"][0])


def test_cli_eval_briefing_indexes_into_a_throwaway_dir(wiki, capsys, tmp_path):
    questions = tmp_path / "q.jsonl"
    rows = [
        {
            "id": "a",
            "question": "toll?",
            "answers": ["60,000"],
            "article_ids": ["x"],
            "question_date": "2004-12-30",
        },
        {
            "id": "b",
            "question": "?",
            "answers": ["zzz"],
            "article_ids": [TSUNAMI["2004-12-27"]],
            "question_date": "2004-12-28",
        },
        {"id": "c", "question": "?", "answers": ["zzz"], "article_ids": ["y"], "question_date": "2004-12-28"},
    ]
    questions.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    args = build_parser().parse_args(
        ["eval-briefing", str(WIKINEWS), str(questions), "--days", "2", "--json"]
    )
    assert cmd_eval_briefing(args, wiki) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["questions"] == 3 and result["days"] == 4
    assert result["briefing_cited"] == pytest.approx(2 / 3)
    assert 0 <= result["baseline_cited"] <= result["briefing_cited"]
