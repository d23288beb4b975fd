"""Polling feeds: conditional GET of each due feed, new items fetched through the guarded client and ingested.

Each poll fetches the feed (sending the ETag / Last-Modified it got last time, so an unchanged feed costs one
304), remembers every item it has seen (so a seen item is never fetched again), fetches each new item's page,
extracts it with trafilatura and ingests the batch. When the page cannot be fetched or read, the feed's own text
is indexed instead and the item's reason says so. Every item that is not indexed gets a reason in ``feed_items``.
A failing feed records its error and never stops the others.

Everything that blocks (SQLite, feedparser, trafilatura, embedding) runs in threads, off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from index.ingest.extract import ExtractError, article_from_text
from index.messages import say
from index.models import ArticleIn
from index.sources.client import Fetcher, FetchPolicy
from index.sources.desk import IngestDesk
from index.sources.feed_parse import FeedEntry, html_to_text, parse_feed
from index.sources.feed_store import (
    FeedInfo,
    KnownItem,
    due_feeds,
    known_items,
    record_feed_error,
    record_feed_success,
)
from index.sources.fetch import fetch_article
from index.sources.guard import FetchError
from index.sources.report import FeedPollResult, FeedPollStatus, ItemOutcome, ItemStatus, PollReport
from index.store.health import is_store_failure, store_error
from index.validate import URL_SCHEMES

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # an item whose page and feed text both fail is retried on this many polls, then left alone
MAX_NEW_PER_POLL = 200  # a feed dumping thousands of items is indexed over several polls, not in one burst
FEEDS_AT_ONCE = 4  # feeds polled concurrently: enough to hide latency, few enough to stay polite on 2 cores


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
                        if is_store_failure(exc):
                            raise  # a full disk or a damaged store stops the whole poll (below)
                        log.exception("polling feed #%d failed", info.id)
                        message = say("feeds_poll_crashed", kind=type(exc).__name__, error=str(exc))
                        await asyncio.to_thread(record_feed_error, desk.store, info.id, message)
                        return FeedPollResult(info.id, info.url, FeedPollStatus.ERROR, message)

            try:  # the first storage failure cancels the other feeds' work: every next write would fail too
                async with asyncio.TaskGroup() as group:
                    tasks = [group.create_task(guarded(f)) for f in feeds]
            except BaseExceptionGroup as failed:
                raise _first_store_failure(failed, desk) from None
            report.feeds = [t.result() for t in tasks]
    report.seconds = time.monotonic() - started
    log.info(
        "poll: %d feeds, %d added, %d skipped, %d deferred, %.1fs",
        len(report.feeds),
        report.added,
        report.skipped,
        report.deferred,
        report.seconds,
    )
    return report


def _first_store_failure(failed: BaseExceptionGroup, desk: IngestDesk) -> BaseException:
    """The storage failure that stopped a poll, as its one sentence (``index.store.health``)."""
    first = next((e for e in failed.exceptions if is_store_failure(e)), failed.exceptions[0])
    return store_error(first, Path(desk.settings.data_dir)) or first


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
    """One feed: fetch it (conditionally), pick the items to handle, ingest them, record everything."""
    result = FeedPollResult(info.id, info.url)
    try:
        doc = await fetcher.fetch(info.url, etag=info.etag, last_modified=info.last_modified)
        result.feed_http = doc.status
        if doc.not_modified:
            result.status = FeedPollStatus.NOT_MODIFIED
            etag = doc.etag or info.etag
            await asyncio.to_thread(
                record_feed_success, desk.store, info.id, None, info.warning, [], etag, info.last_modified
            )
            return result
        parsed = await asyncio.to_thread(parse_feed, doc.body, doc.content_type, info.url)
    except FetchError as exc:
        result.status, result.error = FeedPollStatus.ERROR, str(exc)
        await asyncio.to_thread(record_feed_error, desk.store, info.id, str(exc))
        return result
    result.entries = len(parsed.entries)
    plan = _plan(parsed.entries, await asyncio.to_thread(known_items, desk.store, info.id))
    result.seen, result.deferred = plan.seen, len(plan.later)
    result.items = await _ingest_entries(desk, fetcher, info, parsed.title, [e for e, _ in plan.fresh])
    attempts = {e.guid: n for e, n in plan.fresh}
    for item in result.items:
        if item.status == ItemStatus.FAILED and attempts[item.guid] >= MAX_ATTEMPTS:
            item.reason = say("feeds_gave_up", reason=item.reason, attempts=MAX_ATTEMPTS)
    result.items += [outcome for outcome, _ in plan.later]
    attempts.update({outcome.guid: n for outcome, n in plan.later})
    await asyncio.to_thread(
        record_feed_success,
        desk.store,
        info.id,
        parsed.title,
        parsed.warning,
        [(o, attempts[o.guid]) for o in result.items],
        doc.etag,
        doc.last_modified,
    )
    return result


@dataclass
class _Plan:
    """Which entries of a feed document this poll handles (with their attempt number) and which it leaves."""

    fresh: list[tuple[FeedEntry, int]] = field(default_factory=list)
    later: list[tuple[ItemOutcome, int]] = field(default_factory=list)  # deferred, with attempts so far
    seen: int = 0  # handled on an earlier poll: never fetched again


def _plan(entries: list[FeedEntry], known: dict[str, KnownItem]) -> _Plan:
    """New items, deferred ones and failed ones with attempts left are handled, up to ``MAX_NEW_PER_POLL``."""
    plan = _Plan()
    queued: set[str] = set()
    for entry in entries:
        if entry.guid in queued:
            continue  # the same item twice in one document
        queued.add(entry.guid)
        prior = known.get(entry.guid)
        if prior is not None and _handled(prior):
            plan.seen += 1
        elif len(plan.fresh) < MAX_NEW_PER_POLL:
            plan.fresh.append((entry, (prior.attempts if prior is not None else 0) + 1))
        else:
            reason = say("feeds_deferred", cap=MAX_NEW_PER_POLL)
            outcome = ItemOutcome(entry.guid, entry.link, entry.label, ItemStatus.DEFERRED, reason)
            plan.later.append((outcome, prior.attempts if prior is not None else 0))
    return plan


def _handled(prior: KnownItem) -> bool:
    """Whether an earlier poll settled the item: anything but a deferral or a failure with attempts left."""
    if prior.status == ItemStatus.DEFERRED:
        return False
    return prior.status != ItemStatus.FAILED or prior.attempts >= MAX_ATTEMPTS


@dataclass
class _Prepared:
    entry: FeedEntry
    outcome: ItemOutcome
    article: ArticleIn | None = None
    note: str | None = None  # why the feed's text was used instead of the page


async def _ingest_entries(
    desk: IngestDesk, fetcher: Fetcher, info: FeedInfo, feed_title: str, entries: list[FeedEntry]
) -> list[ItemOutcome]:
    """Prepare the new items concurrently (per-host limits apply), then ingest the articles in one batch."""
    prepared = list(await asyncio.gather(*(_prepare(desk, fetcher, info, feed_title, e) for e in entries)))
    todo = [(p, p.article) for p in prepared if p.article is not None]
    if todo:
        report = await asyncio.to_thread(desk.ingest_articles, [a for _, a in todo], info.scope)
        if len(report.items) != len(todo):  # the service returns one item per article, in order
            log.warning(
                "feed #%d: %d articles in, %d report items out", info.id, len(todo), len(report.items)
            )
        for (prep, _), item in zip(todo, report.items, strict=False):
            out = prep.outcome
            out.article_id, out.title = item.article_id, item.title or out.title
            out.status = ItemStatus.ADDED if item.status == "replaced" else ItemStatus(item.status)
            if item.status == "unchanged":
                out.reason = say("feeds_already_indexed", article_id=item.article_id)
            elif item.status == "duplicate":
                out.reason = say("feeds_copy", reason=item.reason or "")
            else:
                out.reason = item.reason
            if prep.note:
                out.reason = f"{out.reason}; {prep.note}" if out.reason else prep.note
    for prep in prepared:
        if prep.outcome.status is None:
            prep.outcome.status, prep.outcome.reason = ItemStatus.FAILED, say("feeds_unreported")
    return [p.outcome for p in prepared]


async def _prepare(
    desk: IngestDesk, fetcher: Fetcher, info: FeedInfo, feed_title: str, entry: FeedEntry
) -> _Prepared:
    """One new item -> an article to ingest (from its page, else the feed's text) or a recorded skip."""
    prep = _Prepared(entry, ItemOutcome(entry.guid, entry.link, entry.label))
    link, problem = entry.link, None
    if link and urlsplit(link).scheme.lower() not in URL_SCHEMES:
        link, problem = None, say("feeds_bad_link", link=link)
    if link:
        problem = await _from_page(desk, fetcher, info, prep, link)
        if problem is None:
            return prep
    _from_feed_text(info, feed_title, prep, problem or say("feeds_no_link"))
    return prep


async def _from_page(
    desk: IngestDesk, fetcher: Fetcher, info: FeedInfo, prep: _Prepared, link: str
) -> str | None:
    """Fill ``prep`` from the item's page (or mark it as already indexed); the problem when the page failed."""
    out = prep.outcome
    already = await asyncio.to_thread(desk.store.article_id_by_url, link, info.scope)
    if already:
        out.status, out.article_id = ItemStatus.UNCHANGED, already
        out.reason = say("feeds_same_url", article_id=already)
        return None
    out.fetched = True
    try:
        article, _ = await fetch_article(fetcher, link, origin=link)
    except FetchError as exc:
        return str(exc)
    canonical = None
    if article.url:
        canonical = await asyncio.to_thread(desk.store.article_id_by_url, article.url, info.scope)
    if canonical:
        out.status, out.article_id = ItemStatus.UNCHANGED, canonical
        out.reason = say("feeds_same_canonical_url", article_id=canonical, url=article.url)
        return None
    prep.article = _with_entry_meta(article, prep.entry)
    return None


def _from_feed_text(info: FeedInfo, feed_title: str, prep: _Prepared, problem: str) -> None:
    """Fill ``prep`` from the feed's own text for the item, or mark it failed saying why."""
    entry, out = prep.entry, prep.outcome
    text = html_to_text(entry.text)
    if not text.strip():
        out.status, out.reason = ItemStatus.FAILED, say("feeds_no_text", problem=problem)
        return
    meta = {
        "title": entry.title or None,
        "source": feed_title,
        "date": entry.published,
        "url": entry.link,
        "author": entry.author,
    }
    try:
        prep.article = article_from_text(text, entry.link or f"{info.url}#{entry.guid}", meta)
    except ExtractError as exc:
        out.status, out.reason = (
            ItemStatus.FAILED,
            say("feeds_text_unusable", problem=problem, error=str(exc)),
        )
        return
    prep.note = say("feeds_from_feed_text", problem=problem)


def _with_entry_meta(article: ArticleIn, entry: FeedEntry) -> ArticleIn:
    """The feed's structured title and date beat what trafilatura guessed from the page."""
    if entry.title:
        article.title, article.title_derived = entry.title, False
    if entry.published:
        article.published_at = entry.published
        article.date = entry.published[:10]
    if not article.author and entry.author:
        article.author = entry.author
    return article
