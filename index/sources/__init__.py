"""Live sources: article pages fetched behind an SSRF guard, and RSS/Atom feeds polled into the index.

The modules, in the order data flows: ``guard`` (which addresses may be fetched) -> ``client`` (the HTTP client
with its limits) -> ``fetch`` (a page -> an article; URL ingestion) and ``feed_parse`` (a feed document -> typed
entries) -> ``polling`` (due feeds -> ingested items) -> ``report`` (what a poll did) -> ``feed_store`` (the feed
tables) ; ``feeds`` is the registry and the API front ends use, ``desk`` the protocols they pass in.

Front ends use the names below; ``index.sources.feeds`` stays a module of its own (the bot reaches the feed API
as ``index.feeds``).
"""

from index.sources import feeds
from index.sources.client import FetchPolicy
from index.sources.desk import IngestDesk, RegistryDesk
from index.sources.feed_store import FeedInfo, FeedStatus, ItemRecord, normalise_feed_url
from index.sources.feeds import (
    FeedError,
    add_feed,
    describe_every,
    feed_status,
    find_feed,
    list_feeds,
    parse_every,
    poll,
    poll_sync,
    remove_feed,
)
from index.sources.fetch import fetch_article, ingest_urls, ingest_urls_sync
from index.sources.guard import FetchError
from index.sources.report import FeedPollResult, FeedPollStatus, ItemOutcome, ItemStatus, PollReport

__all__ = [
    "FeedError",
    "FeedInfo",
    "FeedPollResult",
    "FeedPollStatus",
    "FeedStatus",
    "FetchError",
    "FetchPolicy",
    "IngestDesk",
    "ItemOutcome",
    "ItemRecord",
    "ItemStatus",
    "PollReport",
    "RegistryDesk",
    "add_feed",
    "describe_every",
    "feed_status",
    "feeds",
    "fetch_article",
    "find_feed",
    "ingest_urls",
    "ingest_urls_sync",
    "list_feeds",
    "normalise_feed_url",
    "parse_every",
    "poll",
    "poll_sync",
    "remove_feed",
]
