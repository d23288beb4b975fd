"""The terminal session (``make run`` without a Discord token): every ``newsdesk`` verb over the local index.

Each line is parsed by the very parser of the ``newsdesk`` command (handed in by the caller, so this module never
imports it), so a verb added to the command line is a verb of the session by construction: ``ask "..." -k 3
--since 2005-01-01``, ``quotes --speaker Egeland``, ``track list`` mean the same in both. The session adds only
``more`` (the next page of the last answer), ``help [VERB]`` and ``quit``; a line without a verb is a question. An
empty index is first seeded with the bundled Wikinews sample so a new user can ask something at once. On a
terminal, lines are read with prompt_toolkit (``cli.prompt``); from a pipe, plainly.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import difflib
import logging
import os
import shlex
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from cli.args import CliError, Parser, UsageError
from cli.commands import answer, print_answer
from cli.foreground import own_foreground
from cli.ingest import ingest_files
from cli.output import error_sentence, ingest_report_lines
from index import CoreSettings, Newsdesk, render, say

log = logging.getLogger(__name__)

# Verbs of the command line that make no sense inside a session: `run` would start a session in the session.
NOT_IN_SESSION = ("run",)
# The order verbs are offered in (Tab): the analyst's verbs as `help` lists them, then the rest alphabetically.
FIRST_VERBS = (
    "ask",
    "briefing",
    "ingest",
    "more",
    "quotes",
    "timeline",
    "track",
    "feeds",
    "poll",
    "sources",
    "stats",
    "reindex",
)
QUIT = ("quit", "exit", "q")
HELP = ("help", "?")
SESSION_VERBS = ("more", "help", "quit")
# How close a lone word must be to a verb to be taken for a typo of it (difflib's ratio: "stat"/"stats" 0.89,
# "brief"/"briefing" 0.77) rather than asked as a one-word question ("tsunami" is close to nothing).
TYPO_CUTOFF = 0.75
HISTORY_FILE = "console_history"  # in the data dir: the history of every session on this index


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The parser's subcommands by name (``ask`` → its parser); empty for a parser without any."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(subs[0].choices) if subs else {}


def session_verbs(parser: Parser) -> list[str]:
    """The command line's verbs that the session runs, in the order they are offered."""
    names = [v for v in subcommands(parser) if v not in NOT_IN_SESSION]
    return sorted(names, key=lambda v: (FIRST_VERBS.index(v) if v in FIRST_VERBS else len(FIRST_VERBS), v))


class Session:
    """One terminal session: the open desk, the parser, and the last question (for ``more``)."""

    def __init__(self, desk: Newsdesk, parser: Parser, out: TextIO) -> None:
        self.desk = desk
        self.parser = parser
        self.out = out
        self.verbs = session_verbs(parser)
        self.last_ask: argparse.Namespace | None = None
        self.exhausted = False  # the last answer had no further page (no answer, or a short page)
        self.outlets: list[str] = []
        self.refresh_outlets()

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def refresh_outlets(self) -> None:
        """The outlet names Tab completes after ``--source`` (read after each command, not while typing)."""
        self.outlets = [s.source for s in self.desk.sources()]

    def handle(self, line: str) -> bool:
        """Run one line; False when the user asked to leave."""
        try:
            words = shlex.split(line)
        except ValueError as exc:
            self.say(say("cli_console_unreadable", error=str(exc)))
            return True
        if not words:
            return True
        words = [os.path.expanduser(w) if w.startswith("~") else w for w in words]  # as a shell would
        verb = words[0].lower()
        if verb in QUIT:
            return False
        if verb in HELP:
            self.help(words[1:])
        elif verb == "more":
            self.more()
        elif words == ["ask"]:
            self.say(say("cli_console_ask_what"))
        elif verb in NOT_IN_SESSION:
            self.say(say("cli_console_not_here", verb=verb))
        elif verb in self.verbs:
            self.run([verb, *words[1:]])
        elif (guess := typo_of(words, self.verbs)) is not None:
            self.say(say("cli_console_did_you_mean", word=words[0], verb=guess))
        else:
            self.run(["ask", *words])
        return True

    def help(self, words: list[str]) -> None:
        """``help``: every verb with an example; ``help track add``: that verb's own options (argparse's help)."""
        if not words:
            self.say(render("help.txt.j2").rstrip("\n"))
            return
        parser: argparse.ArgumentParser = self.parser
        for word in words:
            choices = subcommands(parser)
            if word.lower() not in choices or word.lower() in NOT_IN_SESSION:
                self.say(say("cli_console_no_help", verb=" ".join(words)))
                return
            parser = choices[word.lower()]
        self.say(parser.format_help().rstrip("\n"))

    def more(self) -> None:
        """The next page of the last answer: the same question and options, offset by one page."""
        if self.last_ask is None:
            self.say(say("cli_console_more_first"))
            return
        if self.exhausted:
            self.say(say("cli_answer_no_more", question=" ".join(self.last_ask.question)))
            return
        args = copy.copy(self.last_ask)
        args.offset = self.last_ask.offset + self.last_ask.k
        self.execute(args)

    def run(self, words: list[str]) -> None:
        try:
            with contextlib.redirect_stdout(self.out), contextlib.redirect_stderr(self.out):
                args = self.parser.parse_args(words)
        except UsageError as exc:
            self.say(say("cli_console_usage", message=exc.detail, verb=exc.prog.partition(" ")[2]))
            return
        except SystemExit:  # `ask --help`: argparse printed the help and wants to exit
            return
        if Path(getattr(args, "data_dir", self.desk.data_dir)).resolve() != self.desk.data_dir.resolve():
            self.say(say("cli_console_other_data_dir", data_dir=self.desk.data_dir))
            return
        args.data_dir = self.desk.data_dir  # what a command that opens its own desk (settings_from) must open
        self.execute(args)

    def execute(self, args: argparse.Namespace) -> None:
        """One command on the session's desk; a failure or Ctrl-C is one sentence and the session goes on."""
        try:
            with contextlib.redirect_stdout(self.out), contextlib.redirect_stderr(self.out):
                if args.command == "ask" and not args.timeline:
                    result = answer(args, self.desk)
                    print_answer(args, result)
                    self.last_ask = args
                    self.exhausted = result.no_answer or result.last_page(args.k)
                else:
                    args.func(args, self.desk)
        except KeyboardInterrupt:
            self.say(say("cli_console_cancelled"))
            return
        except (CliError, ValueError, KeyError, OSError) as exc:
            self.say(say("cli_console_error", message=error_sentence(exc)))
            return
        except Exception as exc:  # noqa: BLE001 - the session must survive any single command
            log.exception("console command failed")
            self.say(say("cli_console_error", message=f"{type(exc).__name__}: {exc}"))
            return
        if args.command in ("ingest", "poll"):
            self.refresh_outlets()


def typo_of(words: list[str], verbs: list[str]) -> str | None:
    """The verb a lone word (or a word followed by options) was probably meant to be: ``stat`` → ``stats``."""
    if len(words) > 1 and not words[1].startswith("-"):
        return None  # several words: a question
    guess = difflib.get_close_matches(words[0].lower(), [*verbs, *SESSION_VERBS], n=1, cutoff=TYPO_CUTOFF)
    return guess[0] if guess else None


def verb_options(parser: Parser) -> dict[str, list[str]]:
    """Each verb of the session with the options it takes, its actions' included (for Tab completion), read from
    the parser."""
    verbs: dict[str, list[str]] = {}
    for verb in session_verbs(parser):
        sub = subcommands(parser)[verb]
        options = {o for a in sub._actions for o in a.option_strings if o.startswith("--") or o == "-k"}
        for action in subcommands(sub).values():  # `track add --source`, `feeds add --every`
            options |= {o for a in action._actions for o in a.option_strings if o.startswith("--")}
        verbs[verb] = sorted(options)
    return {**verbs, **{verb: [] for verb in SESSION_VERBS if verb not in verbs}}


def plain_lines(stdin: TextIO, out: TextIO) -> Iterator[str]:
    """Lines from a pipe or file (no prompt, no editing): how scripts and tests drive the session."""
    while True:
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
    if stdin.isatty() and out.isatty():
        # Imported here: only a person at a terminal needs the line editor (see cli.prompt).
        from cli.prompt import SessionCompleter, prompt_lines

        completer = SessionCompleter(verb_options(parser), lambda: session.outlets)
        lines = prompt_lines(desk.data_dir / HISTORY_FILE, completer, say("cli_console_prompt") + " ")
    else:
        lines = plain_lines(stdin, out)
    # On a terminal the session takes the foreground for itself, so Ctrl-C during a command reaches it alone (and
    # not `make`, which would end with "Interrupt" when the session ends: see cli.foreground).
    with own_foreground(stdin.fileno()) if stdin.isatty() else contextlib.nullcontext(False):
        for line in lines:
            if not session.handle(line):
                break
    print(say("cli_console_bye"), file=out)
    return 0
