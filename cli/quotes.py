"""``newsdesk quotes --speaker NAME [--about TOPIC] [--since D]``: who said what (index.speakers.who_said).

Statements attributed to a person or body, newest first, each a verbatim sentence verified against the stored
paragraph, with its outlet, title, date and link. The first run on an existing index reads it for speakers once
(``Newsdesk.speakers_catch_up``); later runs read only what was ingested since.
"""

from __future__ import annotations

import argparse
import logging

from cli.args import DeskNeed, Parser, bounded_int, common_options, date_arg, format_option
from cli.hints import check_filters, speaker_hint
from cli.output import emit_json, emit_markdown, prepare_search
from index import MAX_STATEMENTS, Filters, Newsdesk, check_date_range, render

log = logging.getLogger(__name__)

DEFAULT_STATEMENTS = 10


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``quotes`` to the ``newsdesk`` parser."""
    p: Parser = sub.add_parser(
        "quotes", parents=[common_options()], help="what a person or body said, newest first, verbatim"
    )
    p.add_argument("--speaker", required=True, help='the person or body (e.g. Kishida, "Jan Egeland")')
    p.add_argument("--about", help="only statements about this topic")
    p.add_argument("--source", help="only this outlet")
    p.add_argument("--since", type=date_arg, help="only articles published on or after this date")
    p.add_argument("--until", type=date_arg, help="only articles published on or before this date")
    p.add_argument(
        "-k",
        type=bounded_int(1, MAX_STATEMENTS),
        default=DEFAULT_STATEMENTS,
        help=f"number of statements (default {DEFAULT_STATEMENTS})",
    )
    p.add_argument("--json", action="store_true", help="print the statements as JSON")
    format_option(p)
    p.set_defaults(func=cmd_quotes, desk=DeskNeed.STORE)


def cmd_quotes(args: argparse.Namespace, desk: Newsdesk) -> int:
    check_date_range(args.since, args.until)
    check_filters(desk, args.source, args.since, args.until)
    filters = Filters(source=args.source, since=args.since, until=args.until)
    if args.about:
        prepare_search(desk)  # the topic is embedded
    result = desk.quotes_by(args.speaker, about=args.about, filters=filters, limit=args.k)
    if args.json:
        emit_json(result.to_dict())
    else:
        nearest = speaker_hint(desk, args.speaker) if not result.speakers else []
        emit_markdown(render("quotes.md.j2", r=result, nearest=nearest), args)
    return 0
