"""The briefing's Discord embeds read like the Markdown: a human window, real plurals, each headline once, the
"what changed" line only when something did. (Rendering only: the emulator round trip is in test_briefing.py.)"""

from __future__ import annotations

import json
import shutil

import pytest

from bot.render import render_briefing
from bot.text import esc
from index import CoreSettings, Newsdesk
from tests.conftest import WIKINEWS

DAYS = sorted({json.loads(line)["date"] for line in WIKINEWS.read_text(encoding="utf-8").splitlines()})


@pytest.fixture(scope="module")
def wiki(tmp_path_factory, wikinews_dir, embedder) -> Newsdesk:
    copy = tmp_path_factory.mktemp("bot-briefing") / "data"
    shutil.copytree(wikinews_dir, copy)
    desk = Newsdesk.open(CoreSettings(data_dir=copy), embedder=embedder)
    yield desk
    desk.close()


def text_of(pages) -> str:
    return "\n".join(
        "\n".join(filter(None, [e.title, e.description, e.footer.text if e.footer else None]))
        for page in pages
        for e in page
    )


def test_every_sample_day_reads_cleanly_in_discord(wiki) -> None:
    for day in DAYS:
        b = wiki.briefing(date=day)
        text = text_of(render_briefing(b))
        assert "(s)" not in text and "+00:00" not in text, day
        assert "new today:" not in text.lower(), day
        for s in b.stories:
            assert text.count(esc(s.headline)) == 1, (day, s.headline)  # bold heading only: no title links


def test_window_plurals_and_what_changed(wiki) -> None:
    pages = render_briefing(wiki.briefing(date="2004-12-29"))
    first = pages[0][0]
    assert first.title == "📰 Briefing for Wednesday 29 December 2004, UTC"
    assert first.description.startswith("2 stories from 2 articles.\n")
    text = text_of(pages)
    assert "Developing since Monday 27 December · Wikinews · 1 article today, 3 in all" in text
    assert "What changed: “risen to nearly 60,000 people reported dead” on Tuesday 28 December → " in text
    assert "*Sources:* [Wikinews](https://en.wikinews.org/" in text
    assert "[earlier: Wikinews, “Asian earthquake toll nears 60,000”, Tuesday 28 December](https://" in text
    assert pages[-1][-1].footer.text.startswith(
        "Briefing for 2004-12-29"
    )  # how a restarted bot finds its pages
    quiet = text_of(render_briefing(wiki.briefing(date="2004-12-28")))
    assert "What changed" not in quiet
