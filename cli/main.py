"""``newsdesk``: the command-line front end (scripts rely on its commands, flags and JSON shapes).

Exit status 0 on success; otherwise non-zero with one sentence on stderr (1 for a failure, 2 for a wrong command
line, 130 when interrupted).
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import sys
from pathlib import Path

from cli import briefing, commands, feedback, feeds, maintenance, quotes, run, track
from cli.args import CliError, DeskNeed, Parser, UsageError, common_options, settings_from
from cli.logs import configure_logging
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


def settings_data_dir(args: argparse.Namespace) -> Path | None:
    """The data dir the command works on (its log file goes there); None when the settings cannot be read (the
    command then says why)."""
    try:
        return settings_from(args).data_dir
    except ValueError:
        return None


def main(argv: list[str] | None = None) -> int:
    configure_runtime()
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        warn(str(exc))
        return 2
    configure_logging(args.verbose, settings_data_dir(args))
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
