"""RSS/Atom feeds: the registry an admin edits, and the entry points of polling (``polling.py``).

An admin adds an outlet's feed once; ``poll`` then fetches each due feed, ingests its new items and records an
account of every item skipped, which is what ``feed_status`` shows: the answer to "why didn't it pick up X?".
State lives in the store's SQLite database (tables ``feeds`` and ``feed_items``, see ``feed_store.py``).

API for the CLI and the bot (``desk`` is a ``Newsdesk``, or for the registry anything with its store and settings;
``scope`` is "" for global or a Discord server id):

* ``add_feed(desk, url, every="15m", scope="") -> FeedInfo``      (sync; raises ``FeedError``)
* ``list_feeds(desk, scope=None) -> list[FeedInfo]``              (sync; ``scope=None`` = every scope)
* ``remove_feed(desk, feed, scope=None) -> FeedInfo``             (sync; ``feed`` = id or URL; raises ``FeedError``)
* ``feed_status(desk, feed=None, scope=None, limit=20) -> list[FeedStatus]``  (sync)
* ``await poll(desk, feed_ids=None, force=False, scope=None) -> PollReport``   (async; only due feeds unless
  ``force`` or ``feed_ids``); ``poll_sync`` for cron (``newsdesk poll``); ``PollReport.summary()`` says it in
  one sentence.

The sync functions do SQLite work: the bot calls them through ``asyncio.to_thread``.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from index.messages import say
from index.sources.desk import RegistryDesk
from index.sources.feed_store import (
    FeedInfo,
    FeedStatus,
    delete_feed,
    feeds_in,
    feeds_with_url,
    get_feed,
    insert_feed,
    normalise_feed_url,
    recent_items,
)
from index.sources.guard import Allowlist, FetchError, check_url
from index.sources.polling import MAX_ATTEMPTS, MAX_NEW_PER_POLL, poll, poll_sync
from index.sources.report import FeedPollResult, ItemOutcome, PollReport

log = logging.getLogger(__name__)

MIN_EVERY = 60  # polling more often than every minute is impolite to the outlet and useless for news
MAX_EVERY = 7 * 86400  # a feed polled less than weekly would drop items before we see them
DEFAULT_EVERY = "15m"
STATUS_ITEMS = 20  # recent items ``feed_status`` shows per feed by default
_EVERY = re.compile(r"(\d+)\s*([smhd])", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class FeedError(ValueError):
    """An admin request about feeds that cannot be done; the message is one sentence."""


def parse_every(text: str | int) -> int:
    """'15m', '1h30m', '90s', '2d' or a bare number of minutes -> seconds, between 1 minute and 7 days."""
    if isinstance(text, int):
        seconds = text
    else:
        raw = text.strip().lower().replace(" ", "")
        if raw.isdigit():
            seconds = int(raw) * 60
        elif raw and _EVERY.sub("", raw) == "":
            seconds = sum(int(n) * _UNITS[u.lower()] for n, u in _EVERY.findall(raw))
        else:
            raise FeedError(say("feeds_bad_interval", text=text))
    if not MIN_EVERY <= seconds <= MAX_EVERY:
        raise FeedError(say("feeds_interval_range"))
    return seconds


def describe_every(seconds: int) -> str:
    """Seconds as the largest whole unit: 5400 -> "90m", 86400 -> "1d"."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def add_feed(desk: RegistryDesk, url: str, every: str | int = DEFAULT_EVERY, scope: str = "") -> FeedInfo:
    """Register a feed URL (http/https only; private addresses are refused at fetch time, not here).

    The URL is normalised first (``feed_store.normalise_feed_url``), so ``HTTP://host/feed`` and
    ``http://host/feed#x`` are the feed ``http://host/feed`` already polls.
    """
    url = url.strip()
    try:
        check_url(url, Allowlist(desk.settings.allow_hosts))
    except FetchError as exc:
        raise FeedError(str(exc)) from exc
    seconds = parse_every(every)
    feed_id, created = insert_feed(desk.store, url, scope, seconds)
    info = get_feed(desk.store, feed_id)
    if not created or info is None:
        raise FeedError(say("feeds_duplicate", id=feed_id, url=normalise_feed_url(url)))
    log.info("feed #%d added: %s every %ds (scope %r)", feed_id, info.url, seconds, scope)
    return info


def list_feeds(desk: RegistryDesk, scope: str | None = None) -> list[FeedInfo]:
    return feeds_in(desk.store, scope)


def find_feed(desk: RegistryDesk, feed: int | str, scope: str | None = None) -> FeedInfo:
    """A feed by id ("3", "#3") or URL (normalised), visible in ``scope`` (None = any scope)."""
    text = str(feed).strip().lstrip("#")
    if text.isdigit():
        found = get_feed(desk.store, int(text))
        feeds = [found] if found is not None else []
    else:
        feeds = feeds_with_url(desk.store, str(feed))
    feeds = [f for f in feeds if scope is None or f.scope == scope]
    if not feeds:
        raise FeedError(say("feeds_not_found", feed=feed))
    return feeds[0]


def remove_feed(desk: RegistryDesk, feed: int | str, scope: str | None = None) -> FeedInfo:
    """Stop polling a feed and forget its item history; articles already indexed stay indexed."""
    info = find_feed(desk, feed, scope)
    delete_feed(desk.store, info.id)
    log.info("feed #%d removed: %s", info.id, info.url)
    return info


def feed_status(
    desk: RegistryDesk, feed: int | str | None = None, scope: str | None = None, limit: int = STATUS_ITEMS
) -> list[FeedStatus]:
    """Each feed with its most recent items (newest first): what was added, and why anything was skipped."""
    feeds = [find_feed(desk, feed, scope)] if feed is not None else list_feeds(desk, scope)
    return [FeedStatus(info, recent_items(desk.store, info.id, limit)) for info in feeds]


def next_due(info: FeedInfo) -> datetime | None:
    """When ``info`` is due again (None: never polled)."""
    return info.next_due


__all__ = [
    "MAX_ATTEMPTS",
    "MAX_NEW_PER_POLL",
    "FeedError",
    "FeedInfo",
    "FeedPollResult",
    "FeedStatus",
    "ItemOutcome",
    "PollReport",
    "add_feed",
    "describe_every",
    "feed_status",
    "find_feed",
    "list_feeds",
    "next_due",
    "parse_every",
    "poll",
    "poll_sync",
    "remove_feed",
]
