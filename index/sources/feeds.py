"""RSS/Atom feeds: a registry, polling with conditional GET, and an account of every item skipped.

An admin adds an outlet's feed once; each poll fetches the feed (sending the ETag / Last-Modified it got last
time, so an unchanged feed costs one 304), remembers every item it has seen (so a seen item is never fetched
again), fetches each new item's page through the SSRF-guarded ``Fetcher``, extracts it with trafilatura and
ingests it. When the page cannot be fetched or read, the feed's own text is indexed instead and the item's reason
says so. Every item that is not indexed gets a reason in ``feed_items``, which is what ``feeds status`` shows: the
answer to "why didn't it pick up X?". A failing feed records its error and never stops the others.

State lives in the store's SQLite database (tables ``feeds`` and ``feed_items``, created on first use).

API for the CLI and the bot (``desk`` is a ``Newsdesk``; ``scope`` is "" for global or a Discord server id):

* ``add_feed(desk, url, every="15m", scope="") -> FeedInfo``      (sync; raises ``FeedError``)
* ``list_feeds(desk, scope=None) -> list[FeedInfo]``              (sync; ``scope=None`` = every scope)
* ``remove_feed(desk, feed, scope=None) -> FeedInfo``             (sync; ``feed`` = id or URL; raises ``FeedError``)
* ``feed_status(desk, feed=None, scope=None, limit=20) -> list[FeedStatus]``  (sync)
* ``await poll(desk, feed_ids=None, force=False, scope=None) -> PollReport``   (async; only due feeds unless
  ``force`` or ``feed_ids``); ``poll_sync`` for cron (``newsdesk poll``).

The sync functions do SQLite work: the bot calls them through ``asyncio.to_thread``. ``poll`` keeps everything
that blocks (SQLite, feedparser, trafilatura, embedding) off the event loop itself.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from index.extract import ExtractError, article_from_text
from index.models import ArticleIn
from index.sources.desk import IngestDesk, RegistryDesk
from index.sources.feed_store import (
    FeedInfo,
    FeedStatus,
    ItemRecord,
    due_feeds,
    ensure_schema,
    get_feed,
    known_items,
    record_feed_error,
    record_feed_success,
)
from index.sources.fetch import Allowlist, Fetcher, FetchError, FetchPolicy, check_url, fetch_article
from index.sources.report import FeedPollResult, ItemOutcome, PollReport
from index.validate import now_iso

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # an item whose page and feed text both fail is retried on this many polls, then left alone
MAX_NEW_PER_POLL = 200  # a feed dumping thousands of items is indexed over several polls, not in one burst
FEEDS_AT_ONCE = 4
MIN_EVERY, MAX_EVERY = 60, 7 * 86400
_EVERY = re.compile(r"(\d+)\s*([smhd])", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class FeedError(ValueError):
    """An admin request about feeds that cannot be done; the message is one sentence."""


def parse_every(text: str | int) -> int:
    """'15m', '1h30m', '90s', '2d' or a bare number of minutes → seconds, between 1 minute and 7 days."""
    if isinstance(text, int):
        seconds = text
    else:
        raw = text.strip().lower().replace(" ", "")
        if raw.isdigit():
            seconds = int(raw) * 60
        elif raw and _EVERY.sub("", raw) == "":
            seconds = sum(int(n) * _UNITS[u.lower()] for n, u in _EVERY.findall(raw))
        else:
            raise FeedError(f"{text!r} is not an interval; use e.g. 15m, 1h or 1h30m.")
    if not MIN_EVERY <= seconds <= MAX_EVERY:
        raise FeedError("A feed can be polled at most every minute and at least every 7 days.")
    return seconds


def describe_every(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


# -- registry (sync) ------------------------------------------------------------------------------------------
def add_feed(desk: RegistryDesk, url: str, every: str | int = "15m", scope: str = "") -> FeedInfo:
    """Register a feed URL (http/https only; private addresses are refused at fetch time, not here)."""
    url = url.strip()
    try:
        check_url(url, Allowlist(desk.settings.allow_hosts))
    except FetchError as exc:
        raise FeedError(str(exc)) from exc
    seconds = parse_every(every)
    ensure_schema(desk.store)
    with desk.store.transaction() as conn:
        row = conn.execute("SELECT id FROM feeds WHERE url=? AND scope=?", (url, scope)).fetchone()
        if row is not None:
            raise FeedError(f"Feed #{row['id']} already polls {url}.")
        cur = conn.execute(
            "INSERT INTO feeds(url, scope, every_seconds, created_at) VALUES(?, ?, ?, ?)",
            (url, scope, seconds, _now()),
        )
        feed_id = int(cur.lastrowid)
    log.info("feed #%d added: %s every %ds (scope %r)", feed_id, url, seconds, scope)
    return get_feed(desk.store, feed_id)  # type: ignore[return-value]


def list_feeds(desk: RegistryDesk, scope: str | None = None) -> list[FeedInfo]:
    ensure_schema(desk.store)
    sql, params = "SELECT id FROM feeds", ()
    if scope is not None:
        sql, params = sql + " WHERE scope=?", (scope,)
    return [get_feed(desk.store, r["id"]) for r in desk.store.query(sql + " ORDER BY id", params)]  # type: ignore[misc]


def find_feed(desk: RegistryDesk, feed: int | str, scope: str | None = None) -> FeedInfo:
    """A feed by id ("3", "#3") or URL, visible in ``scope`` (None = any scope)."""
    ensure_schema(desk.store)
    text = str(feed).strip().lstrip("#")
    if text.isdigit():
        rows = desk.store.query("SELECT id, scope FROM feeds WHERE id=?", (int(text),))
    else:
        rows = desk.store.query("SELECT id, scope FROM feeds WHERE url=?", (str(feed).strip(),))
    rows = [r for r in rows if scope is None or r["scope"] == scope]
    if not rows:
        raise FeedError(f"No feed {feed} here; 'feeds list' shows the feeds and their numbers.")
    return get_feed(desk.store, rows[0]["id"])  # type: ignore[return-value]


def remove_feed(desk: RegistryDesk, feed: int | str, scope: str | None = None) -> FeedInfo:
    """Stop polling a feed and forget its item history; articles already indexed stay indexed."""
    info = find_feed(desk, feed, scope)
    with desk.store.transaction() as conn:
        conn.execute("DELETE FROM feed_items WHERE feed_id=?", (info.id,))
        conn.execute("DELETE FROM feeds WHERE id=?", (info.id,))
    log.info("feed #%d removed: %s", info.id, info.url)
    return info


def feed_status(
    desk: RegistryDesk, feed: int | str | None = None, scope: str | None = None, limit: int = 20
) -> list[FeedStatus]:
    """Each feed with its most recent items (newest first): what was added, and why anything was skipped."""
    feeds = [find_feed(desk, feed, scope)] if feed is not None else list_feeds(desk, scope)
    out = []
    for info in feeds:
        rows = desk.store.query(
            "SELECT * FROM feed_items WHERE feed_id=? ORDER BY updated_at DESC, rowid DESC LIMIT ?",
            (info.id, limit),
        )
        out.append(FeedStatus(info, [ItemRecord.from_row(r) for r in rows]))
    return out


# -- polling (async) ------------------------------------------------------------------------------------------
async def poll(
    desk: IngestDesk,
    feed_ids: Sequence[int] | None = None,
    force: bool = False,
    scope: str | None = None,
    *,
    policy: FetchPolicy | None = None,
) -> PollReport:
    """Poll the due feeds (or ``feed_ids``, or all with ``force``); one feed's failure never stops the others."""
    started = time.monotonic()
    feeds = await asyncio.to_thread(due_feeds, desk.store, feed_ids, force, scope)
    report = PollReport()
    if feeds:
        gate = asyncio.Semaphore(FEEDS_AT_ONCE)
        async with Fetcher(policy or FetchPolicy.from_settings(desk.settings)) as fetcher:

            async def guarded(info: FeedInfo) -> FeedPollResult:
                async with gate:
                    try:
                        return await _poll_feed(desk, fetcher, info)
                    except Exception as exc:  # noqa: BLE001 - a bug on one feed must not stop the poll
                        log.exception("polling feed #%d failed", info.id)
                        message = f"Polling failed unexpectedly ({type(exc).__name__}: {exc})."
                        await asyncio.to_thread(record_feed_error, desk.store, info.id, message)
                        return FeedPollResult(info.id, info.url, "error", message)

            report.feeds = list(await asyncio.gather(*(guarded(f) for f in feeds)))
    report.seconds = time.monotonic() - started
    log.info(
        "poll: %d feeds, %d added, %d skipped, %.1fs",
        len(report.feeds),
        report.added,
        report.skipped,
        report.seconds,
    )
    return report


def poll_sync(
    desk: IngestDesk,
    feed_ids: Sequence[int] | None = None,
    force: bool = False,
    scope: str | None = None,
    *,
    policy: FetchPolicy | None = None,
) -> PollReport:
    """``poll`` for cron and the CLI; not for callers already inside an event loop."""
    return asyncio.run(poll(desk, feed_ids, force, scope, policy=policy))


async def _poll_feed(desk: IngestDesk, fetcher: Fetcher, info: FeedInfo) -> FeedPollResult:
    result = FeedPollResult(info.id, info.url, "ok")
    try:
        doc = await fetcher.fetch(info.url, etag=info.etag, last_modified=info.last_modified)
        result.feed_http = doc.status
        if doc.not_modified:
            result.status = "not_modified"
            await asyncio.to_thread(
                record_feed_success,
                desk.store,
                info.id,
                None,
                info.warning,
                [],
                doc.etag or info.etag,
                info.last_modified,
            )
            return result
        parsed = await asyncio.to_thread(_parse_feed, doc.body, doc.content_type, info.url)
    except FetchError as exc:
        result.status, result.error = "error", str(exc)
        await asyncio.to_thread(record_feed_error, desk.store, info.id, str(exc))
        return result

    entries = parsed["entries"]
    result.entries = len(entries)
    known = await asyncio.to_thread(known_items, desk.store, info.id)
    fresh: list[dict] = []
    later: list[ItemOutcome] = []
    queued: set[str] = set()
    for entry in entries:
        prior = known.get(entry["guid"])
        if entry["guid"] in queued:
            continue  # the same item twice in one document
        if (
            prior is not None
            and prior["status"] != "deferred"
            and (prior["status"] != "failed" or prior["attempts"] >= MAX_ATTEMPTS)
        ):
            result.seen += 1  # handled on an earlier poll: never fetched again
        elif len(fresh) < MAX_NEW_PER_POLL:
            entry["attempts"] = (prior["attempts"] if prior is not None else 0) + 1
            fresh.append(entry)
        else:
            entry["attempts"] = prior["attempts"] if prior is not None else 0
            later.append(
                ItemOutcome(
                    entry["guid"],
                    entry["link"],
                    entry["title"] or entry["link"] or entry["guid"],
                    "deferred",
                    f"over {MAX_NEW_PER_POLL} new items in one poll; left for the next poll",
                )
            )
        queued.add(entry["guid"])
    result.deferred = len(later)
    result.items = await _ingest_entries(desk, fetcher, info, parsed["title"], fresh)
    attempts = {e["guid"]: e["attempts"] for e in fresh}
    for item in result.items:
        if item.status == "failed" and attempts[item.guid] >= MAX_ATTEMPTS:
            item.reason = f"{item.reason}; gave up after {MAX_ATTEMPTS} attempts"
    result.items += later
    attempts.update({o.guid: known[o.guid]["attempts"] if o.guid in known else 0 for o in later})
    await asyncio.to_thread(
        record_feed_success,
        desk.store,
        info.id,
        parsed["title"],
        parsed["warning"],
        [(o, attempts[o.guid]) for o in result.items],
        doc.etag,
        doc.last_modified,
    )
    return result


def _parse_feed(body: bytes, content_type: str, url: str) -> dict[str, Any]:
    """feedparser (RSS 0.9x/1.0/2.0, Atom) → plain dicts; a document that is not a feed is a FetchError."""
    import feedparser

    headers = {"content-type": content_type} if content_type else {}
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=True)
    if parsed.bozo and not parsed.entries:
        raise FetchError(f"{url} is not a readable RSS or Atom feed ({parsed.get('bozo_exception')}).")
    if not parsed.version and not parsed.entries:
        raise FetchError(f"{url} is not an RSS or Atom feed (no channel or feed element found).")
    feed_title = (parsed.feed.get("title") or "").strip() or (urlsplit(url).hostname or url)
    entries = []
    for e in parsed.entries:
        link = (e.get("link") or "").strip() or None
        title = (e.get("title") or "").strip()
        content = max((c.get("value") or "" for c in e.get("content") or []), key=len, default="")
        summary = e.get("summary") or ""
        guid = (e.get("id") or "").strip() or link
        if not guid:
            guid = "sha1:" + hashlib.sha1(f"{title}\n{summary}".encode()).hexdigest()
        stamp = e.get("published_parsed") or e.get("updated_parsed")
        entries.append(
            {
                "guid": guid,
                "link": link,
                "title": title,
                "author": (e.get("author") or "").strip() or None,
                "published": datetime(*stamp[:6], tzinfo=UTC).isoformat() if stamp else None,
                "text": content if len(content) >= len(summary) else summary,
            }
        )
    warning = None
    if parsed.bozo:
        warning = f"the feed is not well-formed XML ({parsed.get('bozo_exception')}); read what could be read"
    return {"title": feed_title, "entries": entries, "warning": warning}


@dataclass
class _Prepared:
    entry: dict
    outcome: ItemOutcome
    article: ArticleIn | None = None
    note: str | None = None  # why the feed's text was used instead of the page


async def _prepare(
    desk: IngestDesk, fetcher: Fetcher, info: FeedInfo, feed_title: str, entry: dict
) -> _Prepared:
    """One new item → an article to ingest (from its page, else the feed's text) or a recorded skip."""
    link = entry["link"]
    prep = _Prepared(entry, ItemOutcome(entry["guid"], link, entry["title"] or link or entry["guid"], ""))
    problem = None
    if link and urlsplit(link).scheme.lower() not in ("http", "https"):
        link, problem = None, f"the item's link {entry['link']!r} is not an http or https URL"
    if link:
        already = await asyncio.to_thread(desk.store.article_id_by_url, link, info.scope)
        if already:
            prep.outcome.status, prep.outcome.article_id = "unchanged", already
            prep.outcome.reason = f"already indexed as {already} (same URL); not fetched again"
            return prep
        prep.outcome.fetched = True
        try:
            article, _ = await fetch_article(fetcher, link, origin=link)
        except FetchError as exc:
            problem = str(exc)
        else:
            canonical = await asyncio.to_thread(desk.store.article_id_by_url, article.url, info.scope)
            if canonical:
                prep.outcome.status, prep.outcome.article_id = "unchanged", canonical
                prep.outcome.reason = f"already indexed as {canonical} (same canonical URL {article.url})"
                return prep
            prep.article = _with_entry_meta(article, entry)
            return prep
    problem = problem or "the item has no link"
    text = _html_to_text(entry["text"])
    if not text.strip():
        prep.outcome.status, prep.outcome.reason = "failed", f"{problem}; the feed has no text for it either"
        return prep
    meta = {
        "title": entry["title"] or None,
        "source": feed_title,
        "date": entry["published"],
        "url": entry["link"],
        "author": entry["author"],
    }
    try:
        prep.article = article_from_text(text, entry["link"] or f"{info.url}#{entry['guid']}", meta)
    except ExtractError as exc:
        prep.outcome.status, prep.outcome.reason = (
            "failed",
            f"{problem}; the feed's text could not be used ({exc})",
        )
        return prep
    prep.note = f"indexed from the feed's own text because the page could not be used: {problem}"
    return prep


async def _ingest_entries(
    desk: IngestDesk, fetcher: Fetcher, info: FeedInfo, feed_title: str, entries: list[dict]
) -> list[ItemOutcome]:
    """Prepare the new items concurrently (per-host limits apply), then ingest the articles in one batch."""
    prepared = list(await asyncio.gather(*(_prepare(desk, fetcher, info, feed_title, e) for e in entries)))
    todo = [p for p in prepared if p.article is not None]
    if todo:
        report = await asyncio.to_thread(desk.ingest_articles, [p.article for p in todo], info.scope)
        if len(report.items) != len(todo):  # the service returns one item per article, in order
            log.warning(
                "feed #%d: %d articles in, %d report items out", info.id, len(todo), len(report.items)
            )
        for prep, item in zip(todo, report.items, strict=False):
            out = prep.outcome
            out.article_id, out.title = item.article_id, item.title or out.title
            out.status = "added" if item.status == "replaced" else item.status
            if item.status == "unchanged":
                out.reason = f"already indexed as {item.article_id}"
            elif item.status == "duplicate":
                out.reason = f"indexed as a copy: {item.reason}" if item.reason else "indexed as a copy"
            else:
                out.reason = item.reason
            if prep.note:
                out.reason = f"{out.reason}; {prep.note}" if out.reason else prep.note
    for prep in prepared:
        if not prep.outcome.status:
            prep.outcome.status, prep.outcome.reason = "failed", "the service did not report on this item"
    return [p.outcome for p in prepared]


def _with_entry_meta(article: ArticleIn, entry: dict) -> ArticleIn:
    """The feed's structured title and date beat what trafilatura guessed from the page."""
    if entry["title"]:
        article.title, article.title_derived = entry["title"], False
    if entry["published"]:
        article.published_at = entry["published"]
        article.date = entry["published"][:10]
    if not article.author and entry["author"]:
        article.author = entry["author"]
    return article


def _html_to_text(fragment: str) -> str:
    """Feed HTML → paragraphs separated by blank lines (block elements and <br> become breaks)."""
    if not fragment or "<" not in fragment:
        return fragment or ""
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (ValueError, lxml.etree.ParserError):
        return re.sub(r"<[^>]+>", " ", fragment)
    for el in root.iter("br"):
        el.tail = "\n" + (el.tail or "")
    for el in root.iter("p", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "tr"):
        el.tail = "\n\n" + (el.tail or "")
    return root.text_content()


def _now() -> str:
    return now_iso()


def next_due(info: FeedInfo) -> datetime | None:
    if not info.last_polled:
        return None
    return datetime.fromisoformat(info.last_polled) + timedelta(seconds=info.every_seconds)
