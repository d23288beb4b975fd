"""The terminal session (``make run`` without a Discord token): the bot's verbs over the local index.

Each line is parsed by the same parser as the ``newsdesk`` command (handed in by the caller, so this module never
imports it): ``ask "..." -k 3 --since 2005-01-01`` means the same in both, and a line without a verb is a question.
An empty index is first seeded with the bundled Wikinews sample so a new user can ask something at once.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import logging
import shlex
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from index.cli.args import CliError, Parser, UsageError
from index.cli.commands import reindex
from index.cli.ingest import ingest_files
from index.cli.output import error_sentence, ingest_report_lines
from index.config import CoreSettings
from index.render import render, say
from index.service import Newsdesk

log = logging.getLogger(__name__)

VERBS = ("ask", "briefing", "ingest", "reindex", "sources", "stats", "feeds", "poll")
QUIT = frozenset({"quit", "exit", "q"})
HELP = frozenset({"help", "?"})


class Session:
    """One terminal session: the open desk, the parser, and the last question (for ``more``)."""

    def __init__(self, desk: Newsdesk, parser: Parser, out: TextIO) -> None:
        self.desk = desk
        self.parser = parser
        self.out = out
        self.last_ask: argparse.Namespace | None = None

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def handle(self, line: str) -> bool:
        """Run one line; False when the user asked to leave."""
        try:
            words = shlex.split(line)
        except ValueError as exc:
            self.say(say("cli_console_unreadable", error=str(exc)))
            return True
        if not words:
            return True
        verb = words[0].lower()
        if verb in QUIT:
            return False
        if verb in HELP:
            self.say(render("help.txt.j2").rstrip("\n"))
        elif verb == "more":
            self.more()
        else:
            self.run(words if verb in VERBS else ["ask", *words])
        return True

    def more(self) -> None:
        """The next page of the last answer: the same question and options, offset by one page."""
        if self.last_ask is None:
            self.say(say("cli_console_more_first"))
            return
        args = copy.copy(self.last_ask)
        args.offset = self.last_ask.offset + self.last_ask.k
        self.execute(args)

    def run(self, words: list[str]) -> None:
        try:
            with contextlib.redirect_stdout(self.out), contextlib.redirect_stderr(self.out):
                args = self.parser.parse_args(words)
        except UsageError as exc:
            self.say(say("cli_console_usage", message=exc.detail))
            return
        except SystemExit:  # `ask --help`: argparse printed the help and wants to exit
            return
        self.execute(args)

    def execute(self, args: argparse.Namespace) -> None:
        """One command on the session's desk; any failure is one sentence and the session goes on."""
        try:
            with contextlib.redirect_stdout(self.out), contextlib.redirect_stderr(self.out):
                if args.command == "reindex":
                    reindex(self.desk)
                else:
                    args.func(args, self.desk)
        except (CliError, ValueError, KeyError, OSError) as exc:
            self.say(say("cli_console_error", message=error_sentence(exc)))
        except Exception as exc:  # noqa: BLE001 - the session must survive any single command
            log.exception("console command failed")
            self.say(say("cli_console_error", message=f"{type(exc).__name__}: {exc}"))
        else:
            if args.command == "ask":
                self.last_ask = args


def plain_lines(stdin: TextIO, out: TextIO) -> Iterator[str]:
    """Lines from ``stdin``; a prompt is shown only when a person is typing."""
    interactive = stdin.isatty()
    while True:
        if interactive:
            print(say("cli_console_prompt") + " ", end="", file=out, flush=True)
        line = stdin.readline()
        if not line:
            return
        yield line.strip()


def seed_if_empty(desk: Newsdesk, corpus: Path, out: TextIO) -> None:
    """A new user's first session: the bundled sample, so there is something to ask about."""
    if desk.stats().articles or not corpus.exists():
        return
    print(say("cli_console_seeding", corpus=corpus), file=out, flush=True)
    run = ingest_files(desk, [corpus])
    print("\n".join(ingest_report_lines(run.report)), file=out, flush=True)


def run_console(
    settings: CoreSettings,
    corpus: Path,
    make_parser: Callable[[], Parser],
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    """Open the index of ``settings`` and hold a session on it until the input ends or the user quits."""
    out = stdout or sys.stdout
    print(say("cli_console_loading"), file=out, flush=True)
    desk = Newsdesk.open(settings)
    try:
        return console_loop(desk, corpus, make_parser(), stdin or sys.stdin, out)
    finally:
        desk.close()


def console_loop(desk: Newsdesk, corpus: Path, parser: Parser, stdin: TextIO, out: TextIO) -> int:
    """The session on an open desk: seed it if empty, then one command per line."""
    seed_if_empty(desk, corpus, out)
    stats = desk.stats()
    print(say("cli_console_ready", articles=stats.articles, paragraphs=stats.paragraphs), file=out)
    session = Session(desk, parser, out)
    for line in plain_lines(stdin, out):
        if not session.handle(line):
            break
    print(say("cli_console_bye"), file=out)
    return 0
