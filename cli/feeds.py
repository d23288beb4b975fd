"""``newsdesk feeds add|list|remove|status`` and ``newsdesk poll``.

The registry commands touch only SQLite: they run on a ``Newsdesk`` that was never ``open``-ed (no start-up repair,
no vectors, no model), so ``feeds list`` answers at once even on a large index. ``poll`` gets an opened one because
what it fetches is embedded.
"""

from __future__ import annotations

import argparse
import logging
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

from cli.args import DeskNeed, common_options, positive_int, settings_from
from cli.output import INDENT, emit, emit_json, warn
from index import Newsdesk, say

if TYPE_CHECKING:
    from types import ModuleType

    from index.sources import FeedInfo, FeedPollResult

log = logging.getLogger(__name__)

Command = Callable[[argparse.Namespace, Newsdesk], int]
# Item lines shown per feed in a poll report; the rest are counted by status ("4,800 items deferred …"), because a
# first poll of a large feed would otherwise print thousands of lines nobody reads.
MAX_ITEM_LINES = 10


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``feeds`` (with its actions) and ``poll`` to the ``newsdesk`` parser."""
    common = common_options()
    common.add_argument("--json", action="store_true", help="print JSON")

    feeds = sub.add_parser("feeds", parents=[common], help="RSS/Atom feeds polled for new articles")
    actions = feeds.add_subparsers(dest="feeds_action", required=True, metavar="ACTION")

    p = actions.add_parser("add", parents=[common], help="poll a feed from now on")
    p.add_argument("url")
    p.add_argument("--every", default="15m", help="how often to poll: 15m, 1h, 1h30m (default 15m)")
    p.add_argument("--server", default="", help="Discord server id whose users alone see its articles")
    p.set_defaults(func=cmd_feeds_add, desk=DeskNeed.STORE)

    p = actions.add_parser("list", parents=[common], help="the feeds and when they last succeeded")
    p.add_argument("--server", default=None, help="only this Discord server's feeds ('' = global ones)")
    p.set_defaults(func=cmd_feeds_list, desk=DeskNeed.STORE)

    p = actions.add_parser("remove", parents=[common], help="stop polling a feed (its articles stay)")
    p.add_argument("feed", help="feed number (see 'feeds list') or URL")
    p.add_argument("--server", default=None, help="only look among this Discord server's feeds")
    p.set_defaults(func=cmd_feeds_remove, desk=DeskNeed.STORE)

    p = actions.add_parser(
        "status", parents=[common], help="what each feed added and why it skipped anything"
    )
    p.add_argument("feed", nargs="?", help="one feed (number or URL); default all")
    p.add_argument("--server", default=None, help="only this Discord server's feeds")
    p.add_argument("--limit", type=positive_int, default=20, help="recent items shown per feed (default 20)")
    p.add_argument("--skips", action="store_true", help="show only items that were not added")
    p.set_defaults(func=cmd_feeds_status, desk=DeskNeed.STORE)

    p = sub.add_parser("poll", parents=[common], help="poll the feeds that are due (for cron)")
    p.add_argument("--force", action="store_true", help="poll every feed now, due or not")
    p.add_argument(
        "--feed", type=positive_int, action="append", dest="feed_ids", help="poll only this feed (repeatable)"
    )
    p.set_defaults(func=cmd_poll)


def _registry(handler: Command) -> Callable[[argparse.Namespace, Newsdesk | None], int]:
    """``handler`` on the given desk, or on a store-only ``Newsdesk`` of ``--data-dir`` when there is none."""

    def run(args: argparse.Namespace, desk: Newsdesk | None) -> int:
        if desk is not None:
            return handler(args, desk)
        own = Newsdesk(settings_from(args))
        try:
            return handler(args, own)
        finally:
            own.close()

    return run


def _feeds() -> ModuleType:
    """``index.sources.feeds``, imported when a feeds command runs: it brings aiohttp and feedparser, half a second
    of start-up that no other command should pay (see cli)."""
    from index import feeds

    return feeds


def _scope(scope: str) -> str:
    return say("cli_feed_scope_server", server=scope) if scope else say("cli_feed_scope_global")


def _line(f: FeedInfo) -> str:
    if not (f.last_success or f.last_error_at):
        state = say("cli_feed_never_polled")
    elif f.healthy:
        state = say("cli_feed_ok", when=f.last_success)
    else:
        state = say("cli_feed_failing", when=f.last_error_at, error=f.last_error)
    return say(
        "cli_feed_line",
        id=f.id,
        url=f.url,
        title=f.title,
        every=_feeds().describe_every(f.every_seconds),
        scope=_scope(f.scope),
        added=f.added,
        skipped=f.skipped,
        failed=f.failed,
        state=state,
    )


def cmd_feeds_add(args: argparse.Namespace, desk: Newsdesk) -> int:
    info = _feeds().add_feed(desk, args.url, every=args.every, scope=args.server)
    if args.json:
        emit_json(info.to_dict())
    else:
        emit(
            say(
                "cli_feed_added",
                id=info.id,
                url=info.url,
                every=_feeds().describe_every(info.every_seconds),
                scope=_scope(info.scope),
            )
        )
    return 0


def cmd_feeds_list(args: argparse.Namespace, desk: Newsdesk) -> int:
    feeds = _feeds().list_feeds(desk, args.server)
    if args.json:
        emit_json([f.to_dict() for f in feeds])
    elif not feeds:
        emit(say("cli_no_feeds"))
    else:
        emit("\n".join(_line(f) for f in feeds))
    return 0


def cmd_feeds_remove(args: argparse.Namespace, desk: Newsdesk) -> int:
    info = _feeds().remove_feed(desk, args.feed, args.server)
    if args.json:
        emit_json(info.to_dict())
    else:
        emit(say("cli_feed_removed", id=info.id, url=info.url, added=info.added))
    return 0


def cmd_feeds_status(args: argparse.Namespace, desk: Newsdesk) -> int:
    statuses = _feeds().feed_status(desk, args.feed, args.server, limit=args.limit)
    if args.json:
        emit_json([s.to_dict() for s in statuses])
        return 0
    if not statuses:
        emit(say("cli_no_feeds"))
        return 0
    for st in statuses:
        emit(_line(st.feed))
        if st.feed.warning:
            emit(INDENT + say("cli_feed_warning", warning=st.feed.warning))
        items = [i for i in st.items if not args.skips or i.status != "added"]
        if not items:
            emit(INDENT + say("cli_feed_no_items" if not st.items else "cli_feed_nothing_skipped"))
        for item in items:
            emit(
                INDENT
                + say(
                    "cli_feed_item",
                    status=item.status,
                    what=item.title or item.link or item.guid,
                    article_id=item.article_id,
                    reason=item.reason,
                )
            )
    return 0


def poll_lines(f: FeedPollResult) -> list[str]:
    """One feed's poll result: the summary, then at most ``MAX_ITEM_LINES`` items and a count of the rest."""
    if f.status == "error":
        return [say("cli_poll_failed", id=f.feed_id, url=f.url, error=f.error)]
    if f.status == "not_modified":
        return [say("cli_poll_not_modified", id=f.feed_id, url=f.url)]
    lines = [
        say(
            "cli_poll_feed",
            id=f.feed_id,
            url=f.url,
            entries=f.entries,
            seen=f.seen,
            added=f.added,
            duplicates=f.count("duplicate"),
            skipped=f.count("unchanged", "skipped"),
            failed=f.count("failed"),
            pages=f.pages_fetched,
            deferred=f.deferred,
        )
    ]
    notable = [i for i in f.items if i.status != "added" or i.reason]
    for item in notable[:MAX_ITEM_LINES]:
        lines.append(INDENT + say("cli_poll_item", status=item.status, title=item.title, reason=item.reason))
    rest = Counter(str(i.status) for i in notable[MAX_ITEM_LINES:])
    if rest:
        parts = [say("cli_poll_rest_part", n=n, status=status) for status, n in rest.most_common()]
        lines.append(INDENT + say("cli_poll_rest", parts=parts))
    return lines


def cmd_poll(args: argparse.Namespace, desk: Newsdesk) -> int:
    report = _feeds().poll_sync(desk, feed_ids=args.feed_ids, force=args.force)
    all_failed = bool(report.feeds) and len(report.errors) == len(report.feeds)
    if args.json:
        emit_json(report.to_dict())
        return 1 if all_failed else 0
    if not report.feeds:
        emit(say("cli_poll_nothing_due"))
        return 0
    for f in report.feeds:
        for line in poll_lines(f):
            emit(line)
    emit(say("cli_poll_total", added=report.added, feeds=len(report.feeds), seconds=report.seconds))
    if report.errors:
        warn(say("cli_poll_errors", failed=len(report.errors), feeds=len(report.feeds)))
    return 1 if all_failed else 0
