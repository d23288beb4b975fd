"""The briefing reads cleanly: a human window, real plurals, no empty label, each title once, headlines cut at a
word. Checked on the Markdown (terminal and attachment) of every day of the Wikinews sample."""

from __future__ import annotations

import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from index.briefing import build_briefing
from index.briefing.view import briefing_markdown, briefing_view, clip_words
from tests.conftest import WIKINEWS

from .wikinews import TSUNAMI

SAMPLE_DAYS = sorted({json.loads(line)["date"] for line in WIKINEWS.read_text(encoding="utf-8").splitlines()})


def test_window_is_written_for_people(wiki):
    b = build_briefing(wiki, date="2004-12-28")
    assert b.window_label == "Tuesday 28 December 2004, UTC"
    assert b.to_dict()["window"] == "Tuesday 28 December 2004, UTC"
    md = briefing_markdown(b)
    assert md.startswith("# Briefing for Tuesday 28 December 2004, UTC\n")
    assert "T00:00:00" not in md and "+00:00" not in md
    now = datetime(2004, 12, 28, 9, 0, tzinfo=ZoneInfo("UTC"))
    default = build_briefing(wiki, now=now)
    assert default.window_label == "the 24 hours before Tuesday 28 December 2004, 09:00 UTC"
    assert briefing_markdown(default).startswith(
        "# Briefing for the 24 hours before Tuesday 28 December 2004"
    )


def test_time_zone_is_named_in_the_window(make_desk, wikinews_dir, tmp_path):
    import shutil

    copy = tmp_path / "paris"
    shutil.copytree(wikinews_dir, copy)
    desk = make_desk(copy, timezone="Europe/Paris")
    assert build_briefing(desk, date="2005-01-03").window_label == "Monday 3 January 2005, Europe/Paris"


@pytest.mark.parametrize("day", SAMPLE_DAYS)
def test_every_sample_day_reads_cleanly(wiki, day):
    b = build_briefing(wiki, date=day)
    md = briefing_markdown(b)
    assert "(s)" not in md and "1 articles" not in md and "1 outlets" not in md and "1 stories" not in md
    lines = md.splitlines()
    for n, line in enumerate(lines):
        if line.rstrip().endswith(":"):  # a label: something follows it on the next line
            assert n + 1 < len(lines) and lines[n + 1].startswith("- "), (day, line)
        assert not re.search(r"(new today|what changed):\s*$", line, re.IGNORECASE), (day, line)
    for s in b.stories:
        assert md.count(s.headline) == 1, (day, s.headline)  # the heading, nowhere else
        for a in s.articles:
            if a.url:
                assert md.count(a.url) == 1, (day, a.url)  # one link per article


def test_plurals_and_a_two_outlet_story(wikinews_desk):
    row = next(
        json.loads(line)
        for line in WIKINEWS.read_text(encoding="utf-8").splitlines()
        if json.loads(line)["id"] == TSUNAMI["2004-12-29"]
    )
    copy = {
        **row,
        "id": "copy-1",
        "source": "Copy Wire",
        "title": "Wire: toll passes 80,000",
        "url": "https://copy.example/t",
    }
    assert wikinews_desk.ingest_bytes("copy.jsonl", json.dumps(copy).encode()).duplicates == 1
    b = build_briefing(wikinews_desk, date="2004-12-29")
    view = briefing_view(b)
    tsunami = next(s for s in view.stories if TSUNAMI["2004-12-29"] in s.story.article_ids)
    assert "2 outlets (Copy Wire, Wikinews)" in tsunami.meta  # in the order they carried it
    assert "2 articles today, 4 in all" in tsunami.meta
    assert tsunami.sources_label == "Sources"
    # the lead article first (its title is the heading), then the others with the titles not written yet, then
    # the earlier days' background (title and day always: it is not today's)
    labels = [s.label for s in tsunami.sources]
    assert labels[:2] == ["Wikinews", "Copy Wire, “Wire: toll passes 80,000”"]
    assert labels[2] == "earlier: Wikinews, “Asian earthquake toll nears 60,000”, Tuesday 28 December"
    assert len(labels) == 2 + len(tsunami.story.background)
    assert view.summary == "2 stories from 3 articles."
    md = briefing_markdown(b)
    assert md.count("Wire: toll passes 80,000") == 1  # the copy's title, once
    assert "Sources:\n- Wikinews <https://en.wikinews.org/" in md


def test_a_new_story_has_no_developing_label(wiki):
    b = build_briefing(wiki, date="2004-12-28")
    view = briefing_view(b)
    spam = next(s for s in view.stories if not s.developing)
    assert spam.meta == "Wikinews · 1 article" and spam.changed == ""
    tsunami = next(s for s in view.stories if s.developing)
    assert tsunami.meta == "Developing since Monday 27 December · Wikinews · 1 article today, 2 in all"


def test_headlines_are_cut_at_a_word():
    title = "Security firm identifies United States as world's top spamming country"
    assert clip_words(title, 200) == title
    cut = clip_words(title, 45)
    assert cut == "Security firm identifies United States as…" and len(cut) <= 45
    assert (
        clip_words("Tsunami toll passes 80,000, relief effort continues", 29) == "Tsunami toll passes 80,000…"
    )
    assert clip_words("Supercalifragilisticexpialidocious", 10) == "Supercali…"  # one long word: cut inside
    assert clip_words("  spaced   out  ", 20) == "spaced out"
