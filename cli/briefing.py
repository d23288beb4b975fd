"""``newsdesk briefing`` and ``newsdesk eval-briefing``: the daily briefing from the command line, and its
evaluation on RealTimeQA against a "most recent lead paragraphs" baseline.

Coverage (eval-briefing): each question is about a story of the days before its ``question_date``. The daily
briefings of those days (``--days``, default 7) cover it when one of them *cites* one of its ``article_ids`` (lists
it among a story's articles) or *quotes* a passage containing one of its answers. The stricter *quoted* figure
counts only quoted articles and quoted text. The baseline briefing of a day lists, as the same number of items, the
most recent articles' lead paragraphs (RTQA has dates only, so "most recent" falls back to the latest ingested).
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from pathlib import Path

from cli.args import (
    DEFAULT_TOP,
    DeskNeed,
    common_options,
    date_arg,
    format_option,
    positive_int,
    settings_from,
)
from cli.hints import check_dates, check_some_outlets
from cli.output import emit, emit_json, emit_markdown, progress_note
from index import Briefing, Newsdesk, briefing_markdown, say

log = logging.getLogger(__name__)


def render_markdown(b: Briefing) -> str:
    """The briefing as Markdown through ``prompts/briefing.md.j2``."""
    return briefing_markdown(b)


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``briefing`` and ``eval-briefing`` to the ``newsdesk`` parser."""
    common = common_options()
    p = sub.add_parser("briefing", parents=[common], help="the day's stories across outlets, with quotes")
    p.add_argument(
        "--date", type=date_arg, help="the day (YYYY-MM-DD, configured time zone); default: last 24 hours"
    )
    p.add_argument("--topic", help="only stories about this topic")
    p.add_argument(
        "--sources", action="append", help="only these outlets (comma-separated, or repeat the option)"
    )
    p.add_argument(
        "--top", type=positive_int, default=DEFAULT_TOP, help=f"number of stories (default {DEFAULT_TOP})"
    )
    p.add_argument("--json", action="store_true", help="print the Briefing as JSON")
    format_option(p)
    p.add_argument("--output", type=Path, help="also write the Markdown to this file")
    p.add_argument(
        "--chart",
        type=Path,
        metavar="FILE.png",
        help="also write a chart of the top stories' last 7 days (PNG)",
    )
    p.set_defaults(func=cmd_briefing, desk=DeskNeed.STORE)

    p = sub.add_parser(
        "eval-briefing", parents=[common], help="coverage of quiz questions by daily briefings vs a baseline"
    )
    p.add_argument("articles", type=Path)
    p.add_argument("questions", type=Path)
    p.add_argument(
        "--top", type=positive_int, default=DEFAULT_TOP, help="stories per daily briefing (default 8)"
    )
    p.add_argument("--days", type=positive_int, default=7, help="days before each question_date (default 7)")
    p.add_argument(
        "--work-dir",
        type=Path,
        help="index the articles here and reuse it on the next run (default: a throw-away directory)",
    )
    p.add_argument("--show", type=date_arg, help="also print the rendered briefing of this day")
    p.add_argument(
        "--split",
        choices=("tune", "report", "all"),
        default="all",
        help="tune: the tuning half, report: the reporting half (by quiz week), all (default)",
    )
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.set_defaults(func=cmd_eval_briefing, desk=DeskNeed.NONE)


def cmd_briefing(args: argparse.Namespace, desk: Newsdesk) -> int:
    if args.sources or args.date:
        names = [s.strip() for group in args.sources or [] for s in group.split(",") if s.strip()]
        check_dates(check_some_outlets(desk, names), day=args.date, sources=names)
    t0 = time.perf_counter()
    b = desk.briefing(date=args.date, topic=args.topic, sources=args.sources, top=args.top)
    log.info("briefing built in %.2f s", time.perf_counter() - t0)
    markdown = render_markdown(b)
    if args.output:
        args.output.write_text(markdown, encoding="utf-8")
    if args.chart:
        write_chart(desk, b, args.chart)
    if args.json:
        emit_json(b.to_dict())
        return 0
    emit_markdown(markdown, args)
    if b.empty and not b.n_articles and args.date is None:
        latest = latest_day(desk, args.sources)
        if latest is not None:
            emit(say("cli_briefing_latest", date=latest))
    return 0


def write_chart(desk: Newsdesk, b: Briefing, path: Path) -> None:
    """The briefing's chart to ``path``, and where it went (on stderr: ``--json`` keeps stdout for the JSON)."""
    chart = desk.briefing_chart(b)
    if chart is None:
        progress_note(say("cli_briefing_no_chart", path=path))
        return
    path.write_bytes(chart.png)
    progress_note(say("cli_briefing_chart_written", stories=len(chart.series), path=path))


def latest_day(desk: Newsdesk, sources: list[str] | None) -> str | None:
    """The last day any (of these) outlets published on: what to offer when the last 24 hours had nothing."""
    wanted = {s.strip() for group in sources or [] for s in group.split(",") if s.strip()}
    days = [r.last_date for r in desk.sources() if r.last_date and (not wanted or r.source in wanted)]
    return max(days, default=None)


# -- evaluation ----------------------------------------------------------------------------------------------------
def cmd_eval_briefing(args: argparse.Namespace, desk: Newsdesk | None = None) -> int:
    if not args.articles.exists() or not args.questions.exists():
        raise FileNotFoundError(
            say("cli_eval_data_missing", articles=args.articles, questions=args.questions)
        )
    from index.eval import (  # scipy: only for the evaluation
        evaluate_briefings,
        format_result,
        load_jsonl,
        select,
    )

    questions = select(load_jsonl(args.questions), args.split)
    with tempfile.TemporaryDirectory(prefix="newsdesk-brief-eval-") as tmp:
        data_dir = args.work_dir or Path(tmp)
        # A desk passed in (tests) lends its loaded model; the CLI passes none (desk=DeskNeed.NONE).
        embedder = desk.embedder if desk is not None else None
        own = Newsdesk.open(settings_from(args).model_copy(update={"data_dir": data_dir}), embedder=embedder)
        try:
            if own.store.counts()["articles"] == 0:
                t0 = time.perf_counter()
                report = own.ingest_paths([args.articles])
                progress_note(
                    say(
                        "cli_eval_indexed",
                        added=report.added,
                        duplicates=report.duplicates,
                        failed=len(report.failed),
                        seconds=time.perf_counter() - t0,
                    )
                )
            else:
                progress_note(say("cli_eval_reusing", data_dir=data_dir))
            result = evaluate_briefings(own, questions, top=args.top, days=args.days)
            result["split"] = args.split
            shown = render_markdown(own.briefing(date=args.show, top=args.top)) if args.show else None
        finally:
            own.close()
    if args.json:
        emit(json.dumps(result, indent=1))
    else:
        emit(format_result(result))
    if shown:
        emit()
        emit(shown, end="")
    return 0
