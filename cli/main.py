"""``newsdesk``: the command-line front end (scripts rely on its commands, flags and JSON shapes).

Exit status 0 on success; otherwise non-zero with one sentence on stderr (1 for a failure, 2 for a wrong command
line, 130 when interrupted).
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import sys

from cli import briefing, commands, feedback, feeds, maintenance, quotes, run, track
from cli.args import CliError, DeskNeed, Parser, UsageError, common_options, settings_from
from cli.output import error_sentence, warn
from index import ModelError, ModelMismatch, Newsdesk, StoreProblem, configure_runtime, say

log = logging.getLogger(__name__)

# Failures a user can act on: one sentence, exit status 1. Anything else is a bug and keeps its traceback.
USER_ERRORS = (CliError, ModelMismatch, ModelError, ValueError, FileNotFoundError, StoreProblem)


def build_parser() -> Parser:
    """The ``newsdesk`` parser: every subcommand module adds its own commands."""
    parser = Parser(prog="newsdesk", description=say("cli_description"), parents=[common_options()])
    parser.set_defaults(verbose=False)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.register(sub)
    briefing.register(sub)
    feeds.register(sub)
    feedback.register(sub)
    quotes.register(sub)
    maintenance.register(sub)
    run.register(sub, build_parser)
    track.register(sub)  # last: it adds --alerts to ingest, poll and reindex
    return parser


def open_desk(args: argparse.Namespace) -> Newsdesk | None:
    """What the command asked for (``set_defaults(desk=…)``): nothing, the bare store, or the repaired index."""
    need = getattr(args, "desk", DeskNeed.REPAIRED)
    if need is DeskNeed.NONE:
        return None
    if need is DeskNeed.STORE:
        return Newsdesk(settings_from(args))
    return Newsdesk.open(settings_from(args))


# Loggers whose warnings a user sees without -v: ours. Libraries (trafilatura, htmldate, transformers, urllib3 …)
# describe their own internals ("discarding data: None"); what the user needs is already our one sentence, so
# their records, and Python warnings, are shown only with -v.
OWN_LOGGERS = ("index", "bot", "__main__")


class _OwnRecords(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.name.split(".")[0] in OWN_LOGGERS


def configure_logging(verbose: bool) -> None:
    """Where this process starts: one stderr handler; with -v everything from INFO with times and logger names,
    otherwise only our own warnings, each as one ``newsdesk: …`` line."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "newsdesk_cli", False)]:
        root.removeHandler(handler)  # main() may run more than once in a process (tests)
    handler = logging.StreamHandler(sys.stderr)
    handler.newsdesk_cli = True  # type: ignore[attr-defined]
    if verbose:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    else:
        handler.setFormatter(logging.Formatter(say("cli_error", message="%(message)s")))
        handler.addFilter(_OwnRecords())
    root.addHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    logging.captureWarnings(True)


def main(argv: list[str] | None = None) -> int:
    configure_runtime()
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        warn(str(exc))
        return 2
    configure_logging(args.verbose)
    desk = None
    try:
        desk = open_desk(args)
        return int(args.func(args, desk) or 0)
    except USER_ERRORS as exc:
        warn(error_sentence(exc))
        return 1
    except (sqlite3.Error, OSError) as exc:  # a full disk, a read-only dir, a damaged store: one sentence
        sentence = maintenance.store_problem(exc, args)
        if sentence is None:
            raise
        warn(sentence)
        return 1
    except KeyboardInterrupt:
        warn(say("cli_interrupted"))
        return 130
    finally:
        if desk is not None:
            desk.close()


if __name__ == "__main__":
    sys.exit(main())
