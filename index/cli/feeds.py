"""``newsdesk feeds add|list|remove|status`` and ``newsdesk poll`` (loaded by ``cli.EXTRA_COMMAND_MODULES``).

The registry commands touch only SQLite, so they open the store alone (no embedding model, no vector index):
``feeds list`` answers instantly even on a large index. ``poll`` opens the full service because it ingests.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.sources.feed_store import FeedInfo
from index.sources.feeds import (
    FeedError,
    add_feed,
    describe_every,
    feed_status,
    list_feeds,
    poll_sync,
    remove_feed,
)

log = logging.getLogger(__name__)


@dataclass
class _RegistryDesk:
    """What the registry functions need from a ``Newsdesk``: its store and settings."""

    store: Any
    settings: Any

    def close(self) -> None:
        self.store.close()


def register(subparsers: argparse._SubParsersAction) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS, help="where the index lives")
    common.add_argument("--json", action="store_true", help="print JSON")

    feeds = subparsers.add_parser("feeds", parents=[common], help="RSS/Atom feeds polled for new articles")
    actions = feeds.add_subparsers(dest="feeds_action", required=True, metavar="ACTION")

    p = actions.add_parser("add", parents=[common], help="poll a feed from now on")
    p.add_argument("url")
    p.add_argument("--every", default="15m", help="how often to poll: 15m, 1h, 1h30m (default 15m)")
    p.add_argument("--server", default="", help="Discord server id whose users alone see its articles")
    p.set_defaults(func=_registry(cmd_feeds_add), needs_index=False)

    p = actions.add_parser("list", parents=[common], help="the feeds and when they last succeeded")
    p.add_argument("--server", default=None, help="only this Discord server's feeds ('' = global ones)")
    p.set_defaults(func=_registry(cmd_feeds_list), needs_index=False)

    p = actions.add_parser("remove", parents=[common], help="stop polling a feed (its articles stay)")
    p.add_argument("feed", help="feed number (see 'feeds list') or URL")
    p.add_argument("--server", default=None, help="only look among this Discord server's feeds")
    p.set_defaults(func=_registry(cmd_feeds_remove), needs_index=False)

    p = actions.add_parser(
        "status", parents=[common], help="what each feed added and why it skipped anything"
    )
    p.add_argument("feed", nargs="?", help="one feed (number or URL); default all")
    p.add_argument("--server", default=None, help="only this Discord server's feeds")
    p.add_argument("--limit", type=int, default=20, help="recent items shown per feed (default 20)")
    p.add_argument("--skips", action="store_true", help="show only items that were not added")
    p.set_defaults(func=_registry(cmd_feeds_status), needs_index=False)

    p = subparsers.add_parser("poll", parents=[common], help="poll the feeds that are due (for cron)")
    p.add_argument("--force", action="store_true", help="poll every feed now, due or not")
    p.add_argument(
        "--feed", type=int, action="append", dest="feed_ids", help="poll only this feed (repeatable)"
    )
    p.set_defaults(func=cmd_poll)


def _registry(handler):
    """Run ``handler`` with a store-only desk when the CLI did not open the full service."""

    def run(args: argparse.Namespace, desk: Any) -> int:
        own = None
        if desk is None:
            from index.cli.main import settings_from
            from index.store import Store

            settings = settings_from(args)
            own = desk = _RegistryDesk(Store(Path(settings.data_dir) / "newsdesk.db"), settings)
        try:
            return handler(args, desk)
        except FeedError as exc:
            print(f"newsdesk: {exc}", file=sys.stderr)
            return 1
        finally:
            if own is not None:
                own.close()

    return run


def _scope(scope: str) -> str:
    return f"server {scope}" if scope else "global"


def _line(f: FeedInfo) -> str:
    state = "never polled"
    if f.last_success or f.last_error_at:
        state = (
            f"ok {f.last_success}" if f.healthy else f"FAILING (last error {f.last_error_at}): {f.last_error}"
        )
    title = f" ({f.title})" if f.title else ""
    return (
        f"#{f.id} {f.url}{title}\n    every {describe_every(f.every_seconds)}, {_scope(f.scope)}; "
        f"{f.added} added, {f.skipped} skipped, {f.failed} failed; {state}"
    )


def cmd_feeds_add(args: argparse.Namespace, desk: Any) -> int:
    info = add_feed(desk, args.url, every=args.every, scope=args.server)
    if args.json:
        print(json.dumps(info.to_dict(), indent=1))
    else:
        print(
            f"Added feed #{info.id}: {info.url}, polled every {describe_every(info.every_seconds)} "
            f"({_scope(info.scope)}). Run `newsdesk poll` to fetch it now."
        )
    return 0


def cmd_feeds_list(args: argparse.Namespace, desk: Any) -> int:
    feeds = list_feeds(desk, args.server)
    if args.json:
        print(json.dumps([f.to_dict() for f in feeds], indent=1))
    elif not feeds:
        print("No feeds yet: add one with `newsdesk feeds add URL`.")
    else:
        print("\n".join(_line(f) for f in feeds))
    return 0


def cmd_feeds_remove(args: argparse.Namespace, desk: Any) -> int:
    info = remove_feed(desk, args.feed, args.server)
    if args.json:
        print(json.dumps(info.to_dict(), indent=1))
    else:
        print(f"Removed feed #{info.id}: {info.url} (its {info.added} indexed articles stay in the index).")
    return 0


def cmd_feeds_status(args: argparse.Namespace, desk: Any) -> int:
    statuses = feed_status(desk, args.feed, args.server, limit=max(1, args.limit))
    if args.json:
        print(json.dumps([s.to_dict() for s in statuses], indent=1, ensure_ascii=False))
        return 0
    if not statuses:
        print("No feeds yet: add one with `newsdesk feeds add URL`.")
        return 0
    for st in statuses:
        print(_line(st.feed))
        if st.feed.warning:
            print(f"    warning: {st.feed.warning}")
        items = [i for i in st.items if not args.skips or i.status != "added"]
        if not items:
            print("    (no items recorded yet)" if not st.items else "    (nothing skipped recently)")
        for item in items:
            what = item.title or item.link or item.guid
            because = f": {item.reason}" if item.reason else ""
            ident = f" -> {item.article_id}" if item.article_id else ""
            print(f"    [{item.status}] {what}{ident}{because}")
    return 0


def cmd_poll(args: argparse.Namespace, desk: Any) -> int:
    report = poll_sync(desk, feed_ids=args.feed_ids, force=args.force)
    if args.json:
        print(json.dumps(report.to_dict(), indent=1, ensure_ascii=False))
        return 1 if report.feeds and len(report.errors) == len(report.feeds) else 0
    if not report.feeds:
        print("No feeds due. (`newsdesk poll --force` polls them all now; `newsdesk feeds list` shows them.)")
        return 0
    for f in report.feeds:
        if f.status == "error":
            print(f"#{f.feed_id} {f.url}: FAILED: {f.error}")
        elif f.status == "not_modified":
            print(f"#{f.feed_id} {f.url}: not modified since the last poll (HTTP 304); nothing fetched")
        else:
            print(
                f"#{f.feed_id} {f.url}: {f.entries} items, {f.seen} seen before, {f.added} added, "
                f"{f.count('duplicate')} copies of stories already indexed, "
                f"{f.count('unchanged', 'skipped')} skipped, {f.count('failed')} failed; "
                f"{f.pages_fetched} pages fetched"
                + (f"; {f.deferred} left for the next poll" if f.deferred else "")
            )
            for item in f.items:
                if item.status != "added" or item.reason:
                    print(f"    [{item.status}] {item.title}: {item.reason}")
    print(f"{report.added} added from {len(report.feeds)} feeds in {report.seconds:.1f} s.")
    if report.errors:
        print(
            f"newsdesk: {len(report.errors)} of {len(report.feeds)} feeds failed; "
            "`newsdesk feeds status` has the details.",
            file=sys.stderr,
        )
    return 1 if len(report.errors) == len(report.feeds) else 0
