"""``newsdesk``: the command-line front end (scripts rely on its commands, flags and JSON shapes).

Exit status 0 on success; otherwise non-zero with one clear sentence on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
from pathlib import Path

from index.config import CoreSettings
from index.embed import ModelError
from index.models import Filters
from index.render import render
from index.vectors import ModelMismatch

log = logging.getLogger(__name__)

# Feature modules that add their own subcommands: each exposes ``register(subparsers)``.
EXTRA_COMMAND_MODULES = ["index.cli.briefing", "index.cli.feeds"]
BUNDLED_CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "wikinews"


class CliError(Exception):
    """A user-facing failure: printed as one sentence, exit status 1."""


def iso_date(value: str) -> str:
    from datetime import date

    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date; use YYYY-MM-DD") from exc


def positive_int(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        type=Path,
        default=argparse.SUPPRESS,
        help="where the index lives (env NEWSDESK_DATA_DIR, default ./data)",
    )
    parser = argparse.ArgumentParser(
        prog="newsdesk", description="Ask the news; get verbatim, cited quotes.", parents=[common]
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("ingest", parents=[common], help="add articles from files, folders or URLs")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument(
        "--server", default="", help="Discord server id whose users alone may search these articles"
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("ask", parents=[common], help="answer a question with verbatim quotes")
    p.add_argument("question", nargs="+", help="the question (quoting it is optional)")
    p.add_argument("-k", type=positive_int, default=5, help="number of quotes (default 5)")
    p.add_argument("--source", help="only this outlet")
    p.add_argument("--since", type=iso_date, help="only articles published on or after this date")
    p.add_argument("--until", type=iso_date, help="only articles published on or before this date")
    p.add_argument("--as-of", dest="as_of", type=iso_date, help="only articles published before this date")
    p.add_argument("--per-article", type=int, default=None, help="quotes per article (0 = no cap)")
    p.add_argument("--offset", type=int, default=0, help="skip this many quotes (pagination)")
    p.add_argument("--json", action="store_true", help="print the Answer as JSON")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("reindex", parents=[common], help="re-embed every stored paragraph")
    p.set_defaults(func=cmd_reindex, needs_index=False)

    p = sub.add_parser("sources", parents=[common], help="outlets with article counts and date ranges")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_sources)

    p = sub.add_parser("stats", parents=[common], help="what the index holds")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("eval", parents=[common], help="retrieval quality against baselines")
    p.add_argument("articles", type=Path)
    p.add_argument("questions", type=Path)
    p.add_argument("--as-of-field", default=None, help="ask each question as of the date in this field")
    p.add_argument("--output", type=Path, help="write one JSON line per question")
    p.add_argument("--limit", type=int, default=None, help="only the first N questions")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.add_argument("--strict", action="store_true", help="fail when any question misses (for the seed set)")
    p.add_argument("--index-dir", type=Path, help="keep the evaluation index here between runs")
    split_help = "tune: the tuning half, report: the reporting half (by story / quiz week), all (default)"
    p.add_argument("--split", choices=("tune", "report", "all"), default="all", help=split_help)
    p.set_defaults(func=cmd_eval, needs_index=False)

    p = sub.add_parser(
        "run", parents=[common], help="the bot when DISCORD_TOKEN is set, else a terminal session"
    )
    p.set_defaults(func=cmd_run, needs_index=False)

    p = sub.add_parser("sync", parents=[common], help="register the bot's slash commands with Discord")
    p.set_defaults(func=cmd_sync, needs_index=False)

    for name in EXTRA_COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            log.debug("optional commands %s not available: %s", name, exc)
            continue
        module.register(sub)
    return parser


def settings_from(args: argparse.Namespace) -> CoreSettings:
    settings = CoreSettings()
    if getattr(args, "data_dir", None) is not None:
        settings = settings.model_copy(update={"data_dir": args.data_dir})
    return settings


def open_desk(args: argparse.Namespace):
    from index.service import Newsdesk

    return Newsdesk.open(settings_from(args))


# -- commands ---------------------------------------------------------------------------------------------------
def _progress_bar(desc: str):
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=desc, unit="para", disable=None, file=sys.stderr)
        bar.total = total
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return update


def print_report(report, as_json: bool = False) -> None:
    if as_json:
        print(json.dumps(report.to_dict(), indent=1, ensure_ascii=False))
        return
    print(
        f"added {report.added} · unchanged {report.unchanged} · replaced {report.replaced} · "
        f"duplicates {report.duplicates} · failed {len(report.failed)}"
    )
    for item in report.items:
        if item.status == "duplicate":
            print(f"  duplicate: {item.origin}: {item.reason}")
    for item in report.failed:
        print(f"  failed: {item.reason}")


def cmd_ingest(args, desk) -> int:
    urls = [p for p in args.paths if p.startswith(("http://", "https://"))]
    paths = [Path(p) for p in args.paths if p not in urls]
    from index.models import IngestReport

    report = IngestReport()
    if paths:
        report.merge(desk.ingest_paths(paths, scope=args.server, progress=_progress_bar("Embedding")))
    if urls:
        from index.sources.fetch import ingest_urls_sync

        report.merge(ingest_urls_sync(desk, urls, scope=args.server))
    print_report(report, args.json)
    return 0 if report.items and not (report.failed and len(report.failed) == len(report.items)) else 1


def cmd_ask(args, desk) -> int:
    filters = Filters(source=args.source, since=args.since, until=args.until, as_of=args.as_of)
    question = " ".join(args.question)  # `ask what happened` and `ask "what happened"` are the same
    answer = desk.ask(question, k=args.k, filters=filters, offset=args.offset, per_article=args.per_article)
    if args.json:
        print(json.dumps(answer.to_dict(), indent=1, ensure_ascii=False))
    else:
        print(render("answer.md.j2", answer=answer, offset=args.offset))
    return 0


def cmd_reindex(args, desk) -> int:
    from index.service import Newsdesk

    desk = Newsdesk(settings_from(args))
    try:
        report = desk.reindex(progress=_progress_bar("Re-embedding"))
        stats = desk.stats()
        print(f"reindexed {stats.paragraphs:,} paragraphs of {stats.articles:,} articles with {stats.model}")
        print_report(report)
    finally:
        desk.close()
    return 0


def cmd_sources(args, desk) -> int:
    rows = desk.sources()
    if args.json:
        print(json.dumps([r.__dict__ for r in rows], indent=1, ensure_ascii=False))
        return 0
    if not rows:
        print("No articles yet: add some with `newsdesk ingest PATH`.")
    for r in rows:
        span = f"{r.first_date or '?'} – {r.last_date or '?'}"
        print(f"{r.source:<30} {r.articles:>6} articles  {span}")
    return 0


def cmd_stats(args, desk) -> int:
    stats = desk.stats()
    if args.json:
        print(json.dumps(stats.to_dict(), indent=1))
        return 0
    print(
        f"{stats.articles:,} articles ({stats.duplicates:,} syndicated copies) from {stats.sources} outlets; "
        f"{stats.paragraphs:,} paragraphs, {stats.vectors:,} vectors; model {stats.model} ({stats.dimension} dims); "
        f"data in {stats.data_dir}"
    )
    return 0


def cmd_eval(args, desk) -> int:
    from index.eval.retrieval import run_eval

    return run_eval(args, settings_from(args))


def cmd_run(args, desk) -> int:
    if os.environ.get("DISCORD_TOKEN") or _dotenv_has_token():
        from bot.app import run_bot
        from bot.settings import load_settings

        return run_bot(load_settings())
    from index.cli.console import run_console

    return run_console(settings_from(args), BUNDLED_CORPUS)


def cmd_sync(args, desk) -> int:
    from bot.app import sync_commands
    from bot.settings import load_settings

    return sync_commands(load_settings())


def _dotenv_has_token() -> bool:
    env = Path(".env")
    if not env.exists():
        return False
    for line in env.read_text(errors="replace").splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "DISCORD_TOKEN" and value.strip().strip("'\""):
            return True
    return False


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    desk = None
    try:
        if getattr(args, "needs_index", True):
            desk = open_desk(args)
        return int(args.func(args, desk) or 0)
    except (ModelMismatch, ModelError, CliError, ValueError, FileNotFoundError) as exc:
        print(f"newsdesk: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("newsdesk: interrupted.", file=sys.stderr)
        return 130
    finally:
        if desk is not None:
            desk.close()


if __name__ == "__main__":
    sys.exit(main())
