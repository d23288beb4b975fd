"""``newsdesk track add|list|remove|test``, ``newsdesk eval-track``, and the alerts printed after ``ingest``, ``poll``
and ``reindex`` (with ``--alerts FILE`` appending them as JSON lines).

The alert hook wraps those three commands' handlers after every module registered its own (``attach_alerts``), so
their modules stay as they are: when the command has run, the tracked questions are checked against what was stored
since their last check (by this command or any other process) and what fired is printed after the report. Nothing
tracked, nothing loaded: ``index.track`` (the answer stage, the briefing's clustering) is imported only when needed.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from cli.args import DeskNeed, Parser, common_options, format_option, positive_int, settings_from
from cli.hints import warn_unknown_outlet
from cli.output import emit, emit_json, emit_markdown, progress_note
from index import Newsdesk, render, say

if TYPE_CHECKING:
    from index.track import Alert

log = logging.getLogger(__name__)

Command = Callable[[argparse.Namespace, Newsdesk | None], int]
ALERTING = ("ingest", "poll", "reindex")  # the commands after which tracked questions are checked


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``track`` and ``eval-track``, and the alert hook of ``ingest``/``poll``/``reindex`` (register last)."""
    common = common_options()
    common.add_argument("--json", action="store_true", help="print JSON")
    tr: Parser = sub.add_parser(
        "track", parents=[common], help="questions that alert when new articles answer them"
    )
    actions = tr.add_subparsers(dest="track_action", required=True, metavar="ACTION")

    p = actions.add_parser("add", parents=[common], help="track a question from now on")
    p.add_argument("question", nargs="+", help="the question (quoting it is optional)")
    p.add_argument("--source", help="only articles from this outlet (or carried by it)")
    p.add_argument("--server", default="", help="Discord server id: its shared and own articles only")
    p.add_argument("--channel", default=None, help="Discord channel id the bot posts its alerts to")
    p.set_defaults(func=cmd_track_add, desk=DeskNeed.STORE)

    p = actions.add_parser("list", parents=[common], help="the tracked questions")
    p.add_argument("--server", default=None, help="only this Discord server's ('' = those without a server)")
    p.set_defaults(func=cmd_track_list, desk=DeskNeed.STORE)

    p = actions.add_parser(
        "remove", parents=[common], help="stop tracking a question (its alerts stay logged)"
    )
    p.add_argument("id", help="the question's number (see 'track list')")
    p.set_defaults(func=cmd_track_remove, desk=DeskNeed.STORE)

    p = actions.add_parser("test", parents=[common], help="what would fire now, recording nothing")
    p.add_argument("id", help="the question's number (see 'track list')")
    p.add_argument("--all", action="store_true", dest="everything", help="try every stored paragraph")
    format_option(p)
    p.set_defaults(func=cmd_track_test)

    p = sub.add_parser("eval-track", parents=[common], help="tracked questions on news replayed day by day")
    p.add_argument("articles", type=Path)
    p.add_argument("questions", type=Path)
    p.add_argument(
        "--days", type=positive_int, default=7, help="track each question this many days before it"
    )
    p.add_argument("--vectors-from", type=Path, help="an earlier index of these articles by the same model")
    p.set_defaults(func=cmd_eval_track, desk=DeskNeed.NONE)

    attach_alerts(sub)


def attach_alerts(sub: argparse._SubParsersAction) -> None:
    """Give ``ingest``, ``poll`` and ``reindex`` ``--alerts FILE`` and check tracked questions after them."""
    for name in ALERTING:
        parser = sub.choices.get(name)
        if parser is None:
            continue
        parser.add_argument("--alerts", type=Path, help="append the alerts that fire as JSON lines to FILE")
        format_option(parser)
        parser.set_defaults(func=with_alerts(parser.get_default("func")))


def with_alerts(command: Command) -> Command:
    def run(args: argparse.Namespace, desk: Newsdesk | None) -> int:
        status = command(args, desk)
        own = desk or Newsdesk(settings_from(args))  # reindex opens (and closes) its own
        try:
            alerts = check_alerts(own)
        finally:
            if desk is None:
                own.close()
        print_alerts(alerts, args)
        return status

    run.__name__ = getattr(command, "__name__", "command")
    return run


def check_alerts(desk: Newsdesk) -> list[Alert]:
    from index import track  # lazy: asking whether anything is tracked loads only the ledger

    if not track.any_active(desk.store):
        return []
    return track.check(desk)


def print_alerts(alerts: list[Alert], args: argparse.Namespace) -> None:
    """After the report (not with --json, whose stdout is one JSON document); appended to --alerts FILE."""
    if alerts and not getattr(args, "json", False):
        emit("")
        emit(say("cli_track_alerts_heading", n=len(alerts)))
        for alert in alerts:
            emit_markdown(render("alert.md.j2", alert=alert), args)
    path = getattr(args, "alerts", None)
    if path is not None:
        with open(path, "a", encoding="utf-8") as fh:
            for alert in alerts:
                fh.write(json.dumps(alert.to_dict(), ensure_ascii=False) + "\n")
        progress_note(say("cli_track_alerts_written", n=len(alerts), path=path))


def cmd_track_add(args: argparse.Namespace, desk: Newsdesk) -> int:
    from index import track

    warn_unknown_outlet(desk, args.source)
    tq = track.add(desk, " ".join(args.question), args.source, args.server, args.channel, created_by="cli")
    if args.json:
        emit_json(tq.to_dict())
    else:
        emit(
            say(
                "cli_track_added",
                id=tq.id,
                question=tq.question,
                source=tq.source,
                server=tq.scope,
                channel=tq.channel_id,
            )
        )
    return 0


def cmd_track_list(args: argparse.Namespace, desk: Newsdesk) -> int:
    from index import track

    rows = track.list_tracked(desk, args.server)
    counts: dict[int, int] = {}
    for a in track.alerts(desk):
        counts[a.tracked_id] = counts.get(a.tracked_id, 0) + 1
    if args.json:
        emit_json([{**t.to_dict(), "alerts": counts.get(t.id, 0)} for t in rows])
    elif not rows:
        emit(say("cli_track_none"))
    for t in [] if args.json else rows:
        emit(
            say(
                "cli_track_line",
                id=t.id,
                question=t.question,
                source=t.source,
                server=t.scope,
                channel=t.channel_id,
                created=t.created_at[:10],
                alerts=counts.get(t.id, 0),
            )
        )
    return 0


def cmd_track_remove(args: argparse.Namespace, desk: Newsdesk) -> int:
    from index import track

    tq = track.remove(desk, args.id)
    n = len(track.alerts(desk, tq.id))
    if args.json:
        emit_json({**tq.to_dict(), "alerts": n})
    else:
        emit(say("cli_track_removed", id=tq.id, question=tq.question, alerts=n))
    return 0


def cmd_track_test(args: argparse.Namespace, desk: Newsdesk) -> int:
    from index import track

    tq = track.get(desk, args.id)
    alerts = track.test(desk, tq.id, everything=args.everything)
    if args.json:
        emit_json([a.to_dict() for a in alerts])
    elif not alerts:
        head, _ = desk.store.positions()
        pending = len(desk.store.new_paragraph_ids(tq.last_seq, head, tq.scopes, tq.source))
        emit(say("cli_track_test_none", id=tq.id, paragraphs=pending, everything=args.everything))
    else:
        emit(say("cli_track_test_heading", n=len(alerts), id=tq.id))
        for alert in alerts:
            emit_markdown(render("alert.md.j2", alert=alert), args)
    return 0


def cmd_eval_track(args: argparse.Namespace, desk: Newsdesk | None) -> int:
    from index.eval import run_eval_track  # only this command needs the evaluation (see cli)

    return run_eval_track(args, settings_from(args))
