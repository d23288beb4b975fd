"""Feed documents into typed entries: feedparser for RSS 0.9x/1.0/2.0 and Atom, lxml for the entries' HTML.

A document that is not a feed is a ``FetchError`` (one sentence for ``feeds status``); a feed that is not
well-formed XML but still yields entries is read, with a warning kept on the feed.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import feedparser
import lxml.etree
import lxml.html

from index.messages import say
from index.sources.guard import FetchError

log = logging.getLogger(__name__)

# Elements after which the text of an entry starts a new paragraph (``<br>`` starts a new line).
BLOCK_TAGS = ("p", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "tr")
_TAG = re.compile(r"<[^>]+>")


@dataclass
class FeedEntry:
    """One item of a feed, as the feed describes it."""

    guid: str  # the entry's id, else its link, else a hash of its title and summary
    link: str | None
    title: str  # "" when the feed gives none
    author: str | None = None
    published: str | None = None  # ISO timestamp in UTC, when the feed gives one
    text: str = ""  # the feed's own HTML or text for the item: its content or summary, whichever is longer

    @property
    def label(self) -> str:
        """What to call the item in a report: its title, else its link, else its id."""
        return self.title or self.link or self.guid


@dataclass
class ParsedFeed:
    title: str  # the feed's title, else its host name
    entries: list[FeedEntry]
    warning: str | None = None  # set when the document was not well-formed but could be read


def parse_feed(body: bytes, content_type: str, url: str) -> ParsedFeed:
    """The feed at ``url`` from its bytes; raises ``FetchError`` when it is not an RSS or Atom feed."""
    headers = {"content-type": content_type} if content_type else {}
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=True)
    if parsed.bozo and not parsed.entries:
        raise FetchError(say("feeds_unreadable", url=url, error=str(parsed.get("bozo_exception"))))
    if not parsed.version and not parsed.entries:
        raise FetchError(say("feeds_not_a_feed", url=url))
    title = (parsed.feed.get("title") or "").strip() or (urlsplit(url).hostname or url)
    warning = say("feeds_malformed", error=str(parsed.get("bozo_exception"))) if parsed.bozo else None
    return ParsedFeed(title, [_entry(e) for e in parsed.entries], warning)


def _entry(e: feedparser.FeedParserDict) -> FeedEntry:
    link = (e.get("link") or "").strip() or None
    title = (e.get("title") or "").strip()
    content = max((c.get("value") or "" for c in e.get("content") or []), key=len, default="")
    summary = e.get("summary") or ""
    guid = (e.get("id") or "").strip() or link
    if not guid:
        guid = "sha1:" + hashlib.sha1(f"{title}\n{summary}".encode()).hexdigest()
    stamp = e.get("published_parsed") or e.get("updated_parsed")
    return FeedEntry(
        guid=guid,
        link=link,
        title=title,
        author=(e.get("author") or "").strip() or None,
        published=_iso(stamp) if stamp else None,
        text=content if len(content) >= len(summary) else summary,
    )


def _iso(stamp: time.struct_time) -> str:
    """feedparser's parsed date (always UTC) as an ISO timestamp."""
    year, month, day, hour, minute, second = stamp[:6]
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC).isoformat()


def html_to_text(fragment: str) -> str:
    """Feed HTML -> paragraphs separated by blank lines (block elements and ``<br>`` become breaks)."""
    if not fragment or "<" not in fragment:
        return fragment or ""
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (ValueError, lxml.etree.ParserError):
        return _TAG.sub(" ", fragment)
    for el in root.iter("br"):
        el.tail = "\n" + (el.tail or "")
    for el in root.iter(*BLOCK_TAGS):
        el.tail = "\n\n" + (el.tail or "")
    return root.text_content()
