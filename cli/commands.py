"""The index subcommands: ``ingest``, ``ask``, ``reindex``, ``sources``, ``stats`` and ``eval``.

Each ``cmd_*`` takes the parsed arguments and an open ``Newsdesk`` (``None`` for the commands that open their own,
marked ``desk=DeskNeed.NONE``), prints through ``cli.output`` and returns the exit status.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from cli.args import (
    DEFAULT_K,
    DeskNeed,
    Parser,
    common_options,
    date_arg,
    format_option,
    k_arg,
    offset_arg,
    per_article_arg,
    positive_int,
    settings_from,
)
from cli.hints import check_filters
from cli.ingest import cmd_ingest
from cli.output import emit, emit_json, emit_markdown, prepare_search, warn
from cli.timeline import cmd_timeline
from index import DEFAULT_TIMELINE_K, Answer, Filters, Newsdesk, check_date_range, render, say

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the index subcommands to the ``newsdesk`` parser."""
    common = common_options()
    p: Parser = sub.add_parser("ingest", parents=[common], help="add articles from files, folders or URLs")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument(
        "--server", default="", help="Discord server id whose users alone may search these articles"
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("ask", parents=[common], help="answer a question with verbatim quotes")
    question_options(p)
    p.add_argument("--offset", type=offset_arg, default=0, help="skip this many quotes (pagination)")
    p.add_argument("--json", action="store_true", help="print the Answer as JSON")
    p.add_argument(
        "--timeline", action="store_true", help="the passages in date order, oldest first (how X changed)"
    )
    p.set_defaults(func=cmd_ask)

    # `timeline QUESTION` is `ask --timeline QUESTION`: the bot's /timeline, as a verb of its own.
    p = sub.add_parser("timeline", parents=[common], help="the passages in date order, oldest first")
    question_options(p, timeline=True)
    p.add_argument("--json", action="store_true", help="print the Timeline as JSON")
    p.set_defaults(func=cmd_timeline, timeline=True, offset=0)

    p = sub.add_parser("reindex", parents=[common], help="re-embed every stored paragraph")
    p.set_defaults(func=cmd_reindex, desk=DeskNeed.NONE)

    p = sub.add_parser("sources", parents=[common], help="outlets with article counts and date ranges")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_sources, desk=DeskNeed.STORE)

    p = sub.add_parser("stats", parents=[common], help="what the index holds")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_stats, desk=DeskNeed.STORE)

    p = sub.add_parser("eval", parents=[common], help="retrieval quality against baselines")
    p.add_argument("articles", type=Path)
    p.add_argument("questions", type=Path)
    p.add_argument("--as-of-field", default=None, help="ask each question as of the date in this field")
    p.add_argument("--output", type=Path, help="write one JSON line per question")
    p.add_argument("--limit", type=positive_int, default=None, help="only the first N questions")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.add_argument("--strict", action="store_true", help="fail when any question misses (for the seed set)")
    p.add_argument("--index-dir", type=Path, help="keep the evaluation index here between runs")
    p.add_argument(
        "--unanswerable",
        action="store_true",
        help="also ask each question without its own article: false-answer rate and the no-answer trade-off",
    )
    p.add_argument(
        "--split",
        choices=("tune", "report", "all"),
        default="all",
        help="tune: the tuning half, report: the reporting half (by story / quiz week), all (default)",
    )
    p.set_defaults(func=cmd_eval, desk=DeskNeed.NONE)


def question_options(p: Parser, timeline: bool = False) -> None:
    """The question and the filters ``ask`` and ``timeline`` share."""
    p.add_argument("question", nargs="+", help="the question (quoting it is optional)")
    default_k = DEFAULT_TIMELINE_K if timeline else f"{DEFAULT_K}; {DEFAULT_TIMELINE_K} with --timeline"
    p.add_argument("-k", type=k_arg, default=None, help=f"number of quotes (default {default_k})")
    p.add_argument("--source", help="only this outlet")
    p.add_argument("--since", type=date_arg, help="only articles published on or after this date")
    p.add_argument("--until", type=date_arg, help="only articles published on or before this date")
    p.add_argument("--as-of", dest="as_of", type=date_arg, help="only articles published before this date")
    per_article = "default 1; 0 = no cap" if timeline else "0 = no cap; default 1 with --timeline"
    p.add_argument(
        "--per-article", type=per_article_arg, default=None, help=f"quotes per article ({per_article})"
    )
    format_option(p)


def answer(args: argparse.Namespace, desk: Newsdesk) -> Answer:
    """The answer to an ``ask`` command line (the session keeps it to know whether ``more`` has anything)."""
    check_date_range(args.since, args.until)
    check_filters(desk, args.source, args.since, args.until, args.as_of)
    filters = Filters(source=args.source, since=args.since, until=args.until, as_of=args.as_of)
    question = " ".join(args.question)  # `ask what happened` and `ask "what happened"` are the same
    if args.k is None:  # the default page size, set here so the session's `more` pages by it
        args.k = DEFAULT_K
    prepare_search(desk)
    return desk.ask(question, k=args.k, filters=filters, offset=args.offset, per_article=args.per_article)


def print_answer(args: argparse.Namespace, result: Answer) -> None:
    if args.json:
        emit_json(result.to_dict())
    else:
        emit_markdown(render("answer.md.j2", answer=result, offset=args.offset, k=args.k), args)


def cmd_ask(args: argparse.Namespace, desk: Newsdesk) -> int:
    if args.timeline:
        return cmd_timeline(args, desk)
    print_answer(args, answer(args, desk))
    return 0


def reindex(desk: Newsdesk) -> int:
    """Re-embed everything with a progress bar and say what was done (the CLI and the session share it).

    The facade reports every article of a reindex as "replaced"; for an unchanged corpus that reads as if the
    articles had changed, so what is said here is what happened: paragraphs re-embedded, and what failed.
    """
    from cli.progress import Bars, progress_bar  # rich: only for long work (see cli)

    with Bars() as bars:
        report = desk.reindex(
            progress=progress_bar(bars, say("cli_progress_reembedding"), say("cli_unit_paragraphs"))
        )
    stats = desk.stats()
    emit(
        say(
            "cli_reindexed",
            paragraphs=stats.paragraphs,
            articles=stats.articles - stats.duplicates,
            copies=stats.duplicates,
            model=stats.model,
        )
    )
    for item in report.failed:
        warn(item.reason or say("cli_ingest_failed_no_reason", origin=item.origin))
    if report.failed:
        warn(say("cli_reindex_kept_old", failed=len(report.failed)))
        return 1
    return 0


def cmd_reindex(args: argparse.Namespace, desk: Newsdesk | None) -> int:
    if desk is not None:  # a caller's desk (a test's, sharing its model)
        return reindex(desk)
    # Not Newsdesk.open: its start-up repair would embed what the reindex is about to re-embed anyway.
    own = Newsdesk(settings_from(args))
    try:
        return reindex(own)
    finally:
        own.close()


def cmd_sources(args: argparse.Namespace, desk: Newsdesk) -> int:
    rows = desk.sources()
    if args.json:
        emit_json([r.__dict__ for r in rows])
        return 0
    if not rows:
        emit(say("empty_index"))
    for r in rows:
        emit(
            say("cli_sources_row", source=r.source, articles=r.articles, first=r.first_date, last=r.last_date)
        )
    return 0


def cmd_stats(args: argparse.Namespace, desk: Newsdesk) -> int:
    stats = desk.stats()
    if args.json:
        emit_json(stats.to_dict())
    else:
        # The absolute path: the default data dir is called "data", and "stored in data" says nothing.
        emit(say("cli_stats", **{**stats.to_dict(), "data_dir": Path(stats.data_dir).resolve()}))
    return 0


def cmd_eval(args: argparse.Namespace, desk: Newsdesk | None) -> int:
    from index.eval import run_eval  # only this command needs the evaluation (see cli)

    return run_eval(args, settings_from(args))
