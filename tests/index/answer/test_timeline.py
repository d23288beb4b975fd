"""Timeline answers: the answer's verified passages in date order, copies collapsed, undated apart."""

from __future__ import annotations

import json
import re

from index.answer.timeline import entry_date, timeline_from
from index.models import Answer, Quote, SourceRef
from tests.conftest import WIKINEWS

TOLL_Q = "How many people died in the tsunami? death toll"
FIGURE = re.compile(r"\b\d{1,3}(?:,\d{3})+\b")


def _quote(text: str, date: str | None, score: float, *copies: SourceRef) -> Quote:
    return Quote(text, f"a-{text}", "t", "Wire", date, None, 1, 1, 0, len(text), score, list(copies))


def _toll_figures(entries) -> list[tuple[str, int]]:
    """(date, first figure) of each passage that reports the death toll."""
    out = []
    for e in entries:
        if "toll" in e.quote.text and (m := FIGURE.search(e.quote.text)):
            out.append((e.date, int(m.group().replace(",", ""))))
    return out


def test_order_is_by_date_then_rank_and_undated_apart():
    copy = SourceRef("c", "Gazette", "t", None, "2004-12-27")
    answer = Answer(
        "q",
        [
            _quote("late best", "2004-12-30", 0.9),
            _quote("no date", None, 0.8),
            _quote("early", "2004-12-29T10:00", 0.7),
            _quote("copy seen first", "2004-12-31", 0.6, copy),
            _quote("same day worse", "2004-12-30", 0.5),
        ],
    )
    t = timeline_from(answer)
    assert [e.quote.text for e in t.entries] == ["copy seen first", "early", "late best", "same day worse"]
    assert [e.date for e in t.entries] == ["2004-12-27", "2004-12-29", "2004-12-30", "2004-12-30"]
    assert [q.text for q in t.undated] == ["no date"]
    assert [d for d, _ in t.days] == ["2004-12-27", "2004-12-29", "2004-12-30"]
    assert entry_date(_quote("x", None, 0.1)) is None


def test_tsunami_death_toll_rises_in_date_order(wikinews_desk):
    t = wikinews_desk.timeline(TOLL_Q, k=20)
    assert not t.no_answer and t.entries
    dates = [e.date for e in t.entries]
    assert dates == sorted(dates)
    assert all("2004-12-01" <= d <= "2005-01-31" for d in dates)
    tolls = _toll_figures(t.entries)
    # nearly 60,000 on the 28th, passing 80,000 on the 29th: the figures rise with the dates
    assert [n for _, n in tolls][:2] == [60_000, 80_000], tolls
    assert [d for d, _ in tolls][:2] == ["2004-12-28", "2004-12-29"]
    # every line is a verified span of its stored paragraph
    stored = wikinews_desk.store.paragraphs([e.quote.paragraph_id for e in t.entries])
    for e in t.entries:
        assert stored[e.quote.paragraph_id].text[e.quote.start : e.quote.end] == e.quote.text


def _record(**fields) -> str:
    return json.dumps(fields, ensure_ascii=False)


def test_copies_collapse_and_undated_articles_are_listed_apart(wikinews_desk, tmp_path):
    original = next(
        json.loads(line)
        for line in WIKINEWS.read_text(encoding="utf-8").splitlines()
        if json.loads(line)["title"].startswith("Tsunami toll passes 80,000")
    )
    extra = tmp_path / "extra.jsonl"
    copy = {**original, "id": "wire-copy", "source": "Wire", "url": "https://wire.example/toll"}
    undated = {
        "id": "undated-1",
        "title": "Toll keeps rising",
        "source": "Undated Daily",
        "url": "https://undated.example/toll",
        "text": "The tsunami death toll has passed 150,000 people, officials said, as more bodies were found.",
    }
    extra.write_text(_record(**copy) + "\n" + _record(**undated) + "\n", encoding="utf-8")
    report = wikinews_desk.ingest_paths([extra])
    assert report.duplicates == 1 and report.added == 1
    t = wikinews_desk.timeline(TOLL_Q, k=20)
    lines = [e for e in t.entries if e.quote.article_id == original["id"]]
    assert len(lines) == 1  # the copy is not a second line...
    assert [r.source for r in lines[0].quote.also_in] == ["Wire"]  # ...it is listed on the original's
    assert not any(e.quote.article_id == "wire-copy" for e in t.entries)
    assert [q.article_id for q in t.undated] == ["undated-1"]
    assert all(e.quote.date for e in t.entries)
