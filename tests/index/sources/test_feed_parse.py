"""Feed documents into typed entries (no network: the bytes are written here)."""

from __future__ import annotations

import pytest

from index.sources.feed_parse import FeedEntry, html_to_text, parse_feed
from index.sources.guard import FetchError

RSS = b"""<?xml version="1.0"?>
<rss version="2.0"><channel><title> Daily Planet </title>
<item><title>Port reopens</title><link> https://planet.example/port </link><guid>port-1</guid>
<author>ed@planet.example (Ed)</author><pubDate>Tue, 05 Mar 2024 09:30:00 GMT</pubDate>
<description>&lt;p&gt;Short.&lt;/p&gt;</description></item>
<item><title>No link or id</title><description>Only a summary.</description></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title>
<entry><id>urn:wire:1</id><title>Budget</title><link href="https://wire.example/budget"/>
<updated>2024-03-05T10:00:00Z</updated><summary>Short summary.</summary>
<content type="html">&lt;p&gt;The council approved the budget.&lt;/p&gt;&lt;p&gt;Second paragraph, longer.&lt;/p&gt;</content>
</entry></feed>"""


def test_rss_items_become_typed_entries():
    feed = parse_feed(RSS, "application/rss+xml", "https://planet.example/rss")
    assert feed.title == "Daily Planet" and feed.warning is None
    first, second = feed.entries
    assert first == FeedEntry(
        guid="port-1",
        link="https://planet.example/port",
        title="Port reopens",
        author="ed@planet.example (Ed)",
        published="2024-03-05T09:30:00+00:00",
        text="<p>Short.</p>",
    )
    # Without id or link the guid is a stable hash of title and summary, and the label falls back to it.
    assert second.link is None and second.guid.startswith("sha1:")
    assert second.guid == parse_feed(RSS, "", "https://planet.example/rss").entries[1].guid
    assert FeedEntry(guid="g", link=None, title="").label == "g"


def test_atom_content_wins_over_a_shorter_summary():
    (entry,) = parse_feed(ATOM, "application/atom+xml", "https://wire.example/atom").entries
    assert entry.guid == "urn:wire:1" and entry.published == "2024-03-05T10:00:00+00:00"
    assert "Second paragraph" in entry.text
    assert html_to_text(entry.text).split("\n\n")[:2] == [
        "The council approved the budget.",
        "Second paragraph, longer.",
    ]


def test_a_page_that_is_not_a_feed_is_one_sentence():
    with pytest.raises(FetchError, match="is not an RSS or Atom feed \\(no channel or feed element found\\)"):
        parse_feed(b"<?xml version='1.0'?><note><to>x</to></note>", "application/xml", "https://x.example/")
    with pytest.raises(FetchError, match="is not a readable RSS or Atom feed"):
        parse_feed(b"<html><body><p>hello</p></body></html>", "text/html", "https://x.example/")
    with pytest.raises(FetchError, match="not a readable RSS or Atom feed"):
        parse_feed(b"<rss><channel><title>x</ti", "application/rss+xml", "https://x.example/rss")


def test_html_to_text_keeps_paragraphs_and_line_breaks():
    assert html_to_text("plain text") == "plain text"
    assert html_to_text("") == ""
    text = html_to_text("<p>One<br>two</p><ul><li>three</li></ul>")
    assert "One\ntwo" in text and "\n\nthree" in text
