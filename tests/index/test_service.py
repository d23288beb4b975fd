"""Core behaviours of the service on real parts: model, FAISS, SQLite, BM25."""

from __future__ import annotations

import json
import sqlite3

import pytest

from index.config import CoreSettings
from index.models import Filters
from index.service import Newsdesk
from index.vectors import ModelMismatch
from tests.conftest import SEED_QUESTIONS, WIKINEWS

TSUNAMI_Q = "How many people died in the tsunami?"


def _article(tmp_path, name, text, **front):
    lines = ["---", *[f"{k}: {v}" for k, v in front.items()], "---", text]
    path = tmp_path / name
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


# -- the seed article -----------------------------------------------------------------------------------------------
def test_seed_japan_question_top_quotes(seed_desk):
    answer = seed_desk.ask("What did Japan say it would do if Russia invades?", k=5)
    assert not answer.no_answer
    assert "would be compelled to take an appropriate measure in case of an invasion" in answer.quotes[0].text
    assert any("strong action in response to any attack" in q.text for q in answer.quotes[:3])
    top = answer.quotes[0]
    # The outlet is read from its "(Kyodo)" credit; a date is never invented.
    assert top.source == "Kyodo" and top.date is None
    assert top.title.startswith("The United States has urged Japan")


def test_seed_questions_answered_and_lasagna_refused(seed_desk):
    for line in SEED_QUESTIONS.read_text().splitlines():
        q = json.loads(line)
        answer = seed_desk.ask(q["question"], k=5)
        if q.get("expect") == "no_answer":
            assert answer.no_answer, q["id"]
            assert answer.nearest_misses and all(m.score < 0.5 for m in answer.nearest_misses)
            assert answer.searched["paragraphs"] > 0
        else:
            assert not answer.no_answer, q["id"]
            assert any(a in quote.text for quote in answer.quotes for a in q["answers"]), q["id"]


# -- quotes are verbatim spans ------------------------------------------------------------------------------------
def test_quotes_are_spans_of_stored_paragraphs(wikinews_desk):
    answer = wikinews_desk.ask(TSUNAMI_Q, k=5)
    assert answer.quotes
    paragraphs = wikinews_desk.store.paragraphs([q.paragraph_id for q in answer.quotes])
    for q in answer.quotes:
        assert paragraphs[q.paragraph_id].text[q.start : q.end] == q.text
        assert q.url and q.url.startswith("https://en.wikinews.org/") and q.source == "Wikinews"


def test_altered_paragraph_makes_its_quote_vanish(wikinews_desk):
    before = wikinews_desk.ask(TSUNAMI_Q, k=3)
    target = before.quotes[0]
    wikinews_desk.store.execute(
        "UPDATE paragraphs SET text = replace(text, ?, ?) WHERE id = ?",
        (target.text[:20], target.text[:20].upper(), target.paragraph_id),
    )
    after = wikinews_desk.ask(TSUNAMI_Q, k=3)
    assert target.paragraph_id not in {q.paragraph_id for q in after.quotes}
    assert after.dropped_unverified >= 1


# -- ingest --------------------------------------------------------------------------------------------------------
def test_ingest_is_idempotent(wikinews_desk):
    before = wikinews_desk.stats()
    report = wikinews_desk.ingest_paths([WIKINEWS])
    assert report.unchanged == 41 and report.added == 0
    after = wikinews_desk.stats()
    assert (after.articles, after.paragraphs, after.vectors) == (
        before.articles,
        before.paragraphs,
        before.vectors,
    )


def test_same_url_new_text_replaces_paragraphs(desk, tmp_path):
    front = {
        "title": "Storm",
        "source": "Herald",
        "date": "2022-05-03",
        "url": "https://herald.example/storm",
    }
    desk.ingest_paths([_article(tmp_path, "a.md", "The storm closed the harbour on Monday.", **front)])
    report = desk.ingest_paths(
        [_article(tmp_path, "a.md", "The storm reopened the harbour on Tuesday.", **front)]
    )
    assert report.replaced == 1
    stats = desk.stats()
    assert stats.articles == 1 and stats.paragraphs == 1 and stats.vectors == 1
    answer = desk.ask("When did the harbour reopen?", k=3)
    assert "reopened" in answer.quotes[0].text


def test_syndicated_copy_collapses_with_also_in(desk, tmp_path):
    text = "The central bank raised its key rate by half a point on Wednesday, the largest rise since 2000."
    desk.ingest_paths(
        [_article(tmp_path, "a.md", text, title="Rates up", source="Wire", url="https://wire.example/1")]
    )
    report = desk.ingest_paths(
        [
            _article(
                tmp_path, "b.md", text, title="Rates up", source="Gazette", url="https://gazette.example/x"
            )
        ]
    )
    assert report.duplicates == 1 and desk.stats().paragraphs == 1
    answer = desk.ask("How much did the central bank raise rates?", k=5)
    assert len(answer.quotes) == 1
    assert [r.source for r in answer.quotes[0].also_in] == ["Gazette"]
    assert desk.ask(
        "central bank rate rise", filters=Filters(source="Gazette")
    ).quotes  # copy's outlet matches


def test_bad_files_are_reported_and_the_rest_ingests(desk, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "empty.txt").write_text("")
    (tmp_path / "in" / "binary.txt").write_bytes(b"\x00\xff" * 1000)
    (tmp_path / "in" / "broken.json").write_text('{"title": "x", ')
    (tmp_path / "in" / "bad.html").write_text("<html><body></body></html>")
    (tmp_path / "in" / "good.txt").write_text(
        "Volcano erupts near the town, officials said.\n\nAsh fell overnight."
    )
    report = desk.ingest_paths([tmp_path / "in"])
    assert report.added == 1 and len(report.failed) == 4
    reasons = " ".join(i.reason for i in report.failed)
    assert "empty" in reasons and "binary" in reasons and "JSON" in reasons and "no article text" in reasons


# -- filters ---------------------------------------------------------------------------------------------------------
def test_filters(wikinews_desk):
    desk = wikinews_desk
    q = "tsunami death toll"

    def dates(answer) -> set[str]:
        found = {x.date for x in answer.quotes}
        assert found, "each window holds tsunami articles: an empty answer would prove nothing"
        return found

    assert all(d >= "2004-12-29" for d in dates(desk.ask(q, filters=Filters(since="2004-12-29"))))
    assert all(d <= "2004-12-28" for d in dates(desk.ask(q, filters=Filters(until="2004-12-28"))))
    assert all(d < "2004-12-30" for d in dates(desk.ask(q, filters=Filters(as_of="2004-12-30"))))
    assert desk.ask(q, filters=Filters(source="Nonexistent Times")).no_answer
    assert len(desk.ask(q, k=2).quotes) == 2
    capped = desk.ask(q, k=10, per_article=1)
    assert len({x.article_id for x in capped.quotes}) == len(capped.quotes)


def test_scopes_isolate_servers(desk, tmp_path):
    path = _article(
        tmp_path,
        "g.md",
        "The mayor of Springfield resigned after the audit, the council said.",
        title="Mayor quits",
        source="Local",
    )
    desk.ingest_paths([path], scope="111")
    assert desk.ask("Why did the mayor resign?", filters=Filters(scopes=("", "111"))).quotes
    assert desk.ask("Why did the mayor resign?", filters=Filters(scopes=("", "222"))).no_answer


# -- persistence and recovery --------------------------------------------------------------------------------------
def test_persistence_round_trip(make_desk, tmp_path, embedder):
    d1 = make_desk(tmp_path / "p")
    d1.ingest_paths([WIKINEWS])
    first = d1.ask(TSUNAMI_Q, k=3)
    d1.close()
    d2 = Newsdesk.open(CoreSettings(data_dir=tmp_path / "p"), embedder=embedder)
    assert d2.stats().vectors == d2.stats().paragraphs > 0
    again = d2.ask(TSUNAMI_Q, k=3)
    assert [q.paragraph_id for q in again.quotes] == [q.paragraph_id for q in first.quotes]
    d2.close()


def test_model_mismatch_tells_admin_to_reindex(make_desk, tmp_path, embedder):
    d = make_desk(tmp_path / "m")
    d.ingest_paths([WIKINEWS])
    d.close()
    # The store records which model made its vectors; pretend another one did.
    conn = sqlite3.connect(tmp_path / "m" / "newsdesk.db")
    conn.execute("UPDATE meta SET value='some/other-model' WHERE key='model'")
    conn.commit()
    conn.close()
    opened = Newsdesk.open(CoreSettings(data_dir=tmp_path / "m"), embedder=embedder)
    assert opened.stats().articles == 41  # commands that do not search still work
    with pytest.raises(ModelMismatch, match="newsdesk reindex"):
        opened.ask(TSUNAMI_Q)
    with pytest.raises(ModelMismatch, match="newsdesk reindex"):
        opened.ingest_paths([WIKINEWS])
    opened.reindex()
    assert opened.stats().model == embedder.identity
    assert opened.ask(TSUNAMI_Q, k=3).quotes
    opened.close()


def test_reindex_keeps_every_article_and_reports_progress(wikinews_desk):
    before = wikinews_desk.stats()
    seen = []
    wikinews_desk.reindex(progress=lambda done, total: seen.append((done, total)))
    after = wikinews_desk.stats()
    assert (after.articles, after.paragraphs, after.vectors) == (
        before.articles,
        before.paragraphs,
        before.paragraphs,
    )
    assert seen[0] == (0, before.paragraphs) and seen[-1] == (before.paragraphs, before.paragraphs)


def test_bad_numbers_are_refused_not_answered_empty(wikinews_desk):
    with pytest.raises(ValueError, match="offset must be at least 0"):
        wikinews_desk.ask(TSUNAMI_Q, offset=-5)
    with pytest.raises(ValueError, match="per_article must be at least 0"):
        wikinews_desk.ask(TSUNAMI_Q, per_article=-1)


def test_stats_and_sources_never_load_the_model(wikinews_dir, tmp_path):
    import shutil

    data = tmp_path / "light"
    shutil.copytree(wikinews_dir, data)
    desk = Newsdesk.open(CoreSettings(data_dir=data))  # its own embedder, not the session's loaded one
    try:
        assert desk.stats().articles == 41 and desk.sources()
        assert desk.briefing(date="2004-12-29").stories
        assert desk._embedder is None or desk._embedder._encoder is None
    finally:
        desk.close()


def test_empty_and_huge_questions_are_refused(wikinews_desk):
    with pytest.raises(ValueError, match="empty"):
        wikinews_desk.ask("   ")
    with pytest.raises(ValueError, match="1,000"):
        wikinews_desk.ask("why " * 400)
