"""Live sources: article pages fetched behind an SSRF guard, and RSS/Atom feeds polled into the index.

Front ends (the CLI, the bot) use the names below; ``index.sources.feeds`` stays a module of its own (the bot
reaches the feed API as ``index.feeds``).
"""

from index.sources import feeds
from index.sources.feed_store import FeedInfo, FeedStatus, ItemRecord
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
from index.sources.fetch import FetchError, FetchPolicy, fetch_article, ingest_urls, ingest_urls_sync
from index.sources.report import FeedPollResult, ItemOutcome, PollReport

__all__ = [
    "FeedError",
    "FeedInfo",
    "FeedPollResult",
    "FeedStatus",
    "FetchError",
    "FetchPolicy",
    "ItemOutcome",
    "ItemRecord",
    "PollReport",
    "add_feed",
    "describe_every",
    "feed_status",
    "feeds",
    "fetch_article",
    "find_feed",
    "ingest_urls",
    "ingest_urls_sync",
    "list_feeds",
    "parse_every",
    "poll",
    "poll_sync",
    "remove_feed",
]
