"""``newsdesk ask --timeline QUESTION``: the answer's passages in date order, oldest first (index.answer.timeline).

The same filters as ``ask`` (source, since, until, as-of); ``-k`` is the number of passages on the timeline and
``--per-article`` how many one article may give (default 1: each line is one report of the story).
"""

from __future__ import annotations

import argparse
import logging

from cli.hints import check_filters
from cli.output import emit_json, emit_markdown, prepare_search
from index import DEFAULT_TIMELINE_K, Filters, Newsdesk, check_date_range, render

log = logging.getLogger(__name__)


def cmd_timeline(args: argparse.Namespace, desk: Newsdesk) -> int:
    check_date_range(args.since, args.until)
    check_filters(desk, args.source, args.since, args.until, args.as_of)
    filters = Filters(source=args.source, since=args.since, until=args.until, as_of=args.as_of)
    prepare_search(desk)
    timeline = desk.timeline(
        " ".join(args.question),
        k=args.k or DEFAULT_TIMELINE_K,
        filters=filters,
        per_article=1 if args.per_article is None else args.per_article,
    )
    if args.json:
        emit_json(timeline.to_dict())
    else:
        emit_markdown(render("timeline.md.j2", t=timeline), args)
    return 0
