"""Daily briefing on the bundled Wikinews sample: real model, real FAISS, real SQLite in a temporary directory."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from index.briefing import build_briefing
from index.briefing.cluster import cluster
from index.briefing.quotes import cue_score
from index.cli.briefing import baseline_items, covered, evaluate_briefings, render_markdown
from index.config import CoreSettings
from index.models import ArticleIn
from index.service import Newsdesk

from ..conftest import WIKINEWS

TSUNAMI = {
    "2004-12-27": "wikinews-2004-12-27-027",
    "2004-12-28": "wikinews-2004-12-28-029",
    "2004-12-29": "wikinews-2004-12-29-032",
    "2004-12-31": "wikinews-2004-12-31-034",
    "2005-01-03": "wikinews-2005-01-03-037",
}


@pytest.fixture(scope="module")
def wiki(tmp_path_factory, embedder) -> Newsdesk:
    """The Wikinews sample indexed once for the read-only tests of this module."""
    desk = Newsdesk.open(CoreSettings(data_dir=tmp_path_factory.mktemp("wiki")), embedder=embedder)
    report = desk.ingest_paths([WIKINEWS])
    assert report.added == 41
    yield desk
    desk.close()


def story_of(briefing, article_id):
    return next(s for s in briefing.stories if article_id in s.article_ids)


def test_tsunami_articles_form_one_developing_story(wiki):
    ids = wiki.store.articles(list(TSUNAMI.values()))
    assert all(
        "tsunami" in a.title.lower() or "earthquake" in a.title.lower() or "relief" in a.title.lower()
        for a in ids.values()
    ), "the sample's tsunami articles moved"
    seen: list[str] = []
    for day, aid in TSUNAMI.items():
        story = story_of(build_briefing(wiki, date=day), aid)
        if not seen:
            assert not story.developing
            assert story.first_seen == day
        else:
            assert story.developing, day
            assert set(story.earlier_article_ids) & set(seen), day
            assert story.first_seen is not None and story.first_seen < day
            assert story.first_seen in TSUNAMI
        seen.append(aid)


def test_unrelated_stories_of_the_same_day_stay_apart(wiki):
    for day in ("2004-12-22", "2004-12-27", "2004-12-28", "2004-12-29", "2004-11-13", "2004-11-18"):
        b = build_briefing(wiki, date=day)
        assert b.n_articles >= 2
        assert len(b.stories) == b.n_articles, [s.headline for s in b.stories]
        assert all(len(s.articles) == 1 for s in b.stories)


def test_quotes_are_verbatim_spans_of_stored_paragraphs(wiki):
    for day in ("2004-12-22", "2004-12-28", "2005-01-03", "2004-11-18"):
        b = build_briefing(wiki, date=day)
        assert b.dropped_unverified == 0
        for s in b.stories:
            assert 1 <= len(s.quotes) <= 3
            assert s.headline == wiki.store.article(s.lead_article_id).title
            for q in s.quotes:
                para = wiki.store.paragraphs([q.paragraph_id])[q.paragraph_id]
                assert para.text[q.start : q.end] == q.text
                assert q.article_id in s.article_ids


def test_output_for_a_fixed_date_is_deterministic(wiki):
    first = json.dumps(build_briefing(wiki, date="2004-12-29").to_dict(), sort_keys=True)
    second = json.dumps(build_briefing(wiki, date="2004-12-29").to_dict(), sort_keys=True)
    assert first == second
    assert render_markdown(build_briefing(wiki, date="2004-12-29")) == render_markdown(
        build_briefing(wiki, date="2004-12-29")
    )


def test_empty_day_gives_the_empty_briefing(wiki):
    b = build_briefing(wiki, date="2004-12-25")
    assert b.empty and b.n_articles == 0
    assert b.message == "No articles published on 2004-12-25."
    assert "No articles published on 2004-12-25." in render_markdown(b)
    assert b.to_dict()["stories"] == []


def test_default_window_is_the_24_hours_before_now(wiki):
    now = datetime(2004, 12, 28, 9, 0, tzinfo=ZoneInfo("UTC"))
    b = build_briefing(wiki, now=now)
    # Date-only articles count when their day overlaps the window: 27 and 28 December.
    assert {a.date for s in b.stories for a in s.articles} == {"2004-12-27", "2004-12-28"}
    empty = build_briefing(wiki, now=datetime(2030, 1, 1, tzinfo=ZoneInfo("UTC")))
    assert empty.empty and empty.message.startswith("No articles published in the 24 hours before")


def test_topic_keeps_only_relevant_stories(wiki):
    b = build_briefing(wiki, date="2004-12-29", topic="tsunami death toll")
    assert [s.lead_article_id for s in b.stories] == [TSUNAMI["2004-12-29"]]
    none = build_briefing(wiki, date="2004-12-22", topic="tsunami death toll")
    assert none.empty and "tsunami" in none.message


def test_markdown_rendering_has_quotes_sources_and_developing_flag(wiki):
    md = render_markdown(build_briefing(wiki, date="2004-12-29"))
    assert md.startswith("# Briefing for 2004-12-29")
    assert "developing since 2004-12-2" in md
    assert "verbatim ✓" in md and "Sources: [Wikinews](https://en.wikinews.org/" in md


def test_syndicated_copy_joins_the_story_as_another_outlet(make_desk):
    desk = make_desk()
    text = (
        "The health minister said on Monday that 120 new clinics will open across the country this year.\n\n"
        '"We are building capacity where it is needed most," the minister told reporters in the capital.'
    )
    other = "Heavy snow closed mountain passes in the north, and the weather service warned of avalanches."
    desk.ingest_articles(
        [
            ArticleIn(
                paragraphs=text.split("\n\n"),
                title="Clinics to open",
                source="Wire",
                date="2024-03-04",
                url="https://wire.example/clinics",
                external_id="wire-1",
            ),
            ArticleIn(
                paragraphs=text.split("\n\n"),
                title="Minister: 120 clinics",
                source="Daily",
                date="2024-03-04",
                url="https://daily.example/clinics",
                external_id="daily-1",
            ),
            ArticleIn(
                paragraphs=[other],
                title="Snow closes passes",
                source="Daily",
                date="2024-03-04",
                external_id="daily-2",
            ),
            ArticleIn(
                paragraphs=[other + " Schools closed."],
                title="Private",
                source="Wire",
                date="2024-03-04",
                external_id="secret-1",
            ),
        ],
    )
    desk.ingest_articles(
        [
            ArticleIn(
                paragraphs=["A guild-only note about clinics."],
                title="Guild",
                source="Guild",
                date="2024-03-04",
                external_id="guild-1",
            )
        ],
        scope="42",
    )
    b = build_briefing(desk, date="2024-03-04", scopes=("",))
    clinics = story_of(b, "wire-1")
    assert set(clinics.article_ids) == {"wire-1", "daily-1"}
    assert clinics.outlets == ["Wire", "Daily"] or clinics.outlets == ["Daily", "Wire"]
    assert any(ref.article_id == "daily-1" for q in clinics.quotes for ref in q.also_in)
    assert "guild-1" not in {a for s in b.stories for a in s.article_ids}
    assert "guild-1" in {a for s in build_briefing(desk, date="2024-03-04").stories for a in s.article_ids}
    only_daily = build_briefing(desk, date="2024-03-04", sources=["daily"], scopes=("",))
    assert {a.source for s in only_daily.stories for a in s.articles} == {"Daily"}
    assert build_briefing(desk, date="2024-03-04", sources="Wire, Daily", scopes=("",)).n_articles == 4
    # The attributed statement with a figure is preferred over other sentences.
    assert "said" in clinics.quotes[0].text or "told" in clinics.quotes[0].text


def test_publication_time_is_read_in_the_configured_time_zone(make_desk, tmp_path):
    desk = make_desk(tmp_path / "tz", timezone="America/New_York")
    desk.ingest_articles(
        [
            ArticleIn(
                paragraphs=["The city council voted 7-2 on Tuesday night to approve the new budget."],
                title="Budget approved",
                source="Local",
                date="2024-03-06",
                published_at="2024-03-06T02:30:00+00:00",
                external_id="late",
            )
        ]
    )
    assert build_briefing(desk, date="2024-03-05").n_articles == 1  # 21:30 on the 5th in New York
    assert build_briefing(desk, date="2024-03-06").empty


def test_cluster_is_average_linkage_with_a_threshold():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=16), rng.normal(size=16)
    rows = [a + 0.1 * rng.normal(size=16) for _ in range(3)] + [
        b + 0.1 * rng.normal(size=16) for _ in range(2)
    ]
    vecs = np.stack([r / np.linalg.norm(r) for r in rows]).astype(np.float32)
    assert cluster(vecs, 0.9) == [[0, 1, 2], [3, 4]]
    assert cluster(vecs, 1.01) == [[0], [1], [2], [3], [4]]
    assert cluster(vecs[:0], 0.5) == []


def test_cue_score_prefers_statements_decisions_and_figures():
    said = "The minister said the government would cut fuel taxes by 10 percent from July."
    scene = "It was a cold and quiet morning in the small town by the river, as it often is."
    assert cue_score(said) > cue_score(scene)
    assert cue_score("Read more:") < 0


def test_eval_coverage_counts_cited_articles_and_answer_quotes(wiki):
    q = {
        "id": "q1",
        "question": "?",
        "answers": ["60,000"],
        "article_ids": ["nope"],
        "question_date": "2004-12-29",
    }
    b = build_briefing(wiki, date="2004-12-28")
    from index.cli.briefing import briefing_items

    items = briefing_items(b)
    assert covered(q, items, strict=True)
    assert covered({**q, "answers": ["zzz"], "article_ids": [TSUNAMI["2004-12-28"]]}, items, strict=False)
    assert not covered({**q, "answers": ["zzz"]}, items, strict=False)
    base = baseline_items(wiki, "2004-12-28", 1)
    assert len(base) == 1 and base[0].texts
    result = evaluate_briefings(wiki, [q], top=8, days=2)
    assert result["days"] == 2 and result["briefing_quoted"] == 1.0


def test_cli_briefing_prints_markdown_and_json(wiki, capsys, tmp_path):
    from index.cli.briefing import cmd_briefing
    from index.cli.main import build_parser

    out_file = tmp_path / "b.md"
    args = build_parser().parse_args(
        ["briefing", "--date", "2004-12-28", "--top", "1", "--output", str(out_file)]
    )
    assert cmd_briefing(args, wiki) == 0
    md = capsys.readouterr().out
    assert md.startswith("# Briefing for 2004-12-28") and md.count("\n## ") == 1
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
    from index.cli.briefing import cmd_eval_briefing
    from index.cli.main import build_parser

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


def test_bad_date_and_time_zone_are_clear_errors(make_desk, tmp_path):
    desk = make_desk(tmp_path / "badtz", timezone="Mars/Olympus")
    with pytest.raises(ValueError, match="Unknown time zone"):
        build_briefing(desk, date="2024-03-05")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        build_briefing(make_desk(tmp_path / "ok"), date="yesterday")
