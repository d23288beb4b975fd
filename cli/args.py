"""Argument types and the parser class every ``newsdesk`` subcommand shares.

The rules themselves live once in ``index.validate`` (strict dates, numeric bounds); this module only turns their
``ValueError`` into the one sentence argparse shows. A usage error raises ``UsageError`` instead of exiting, so the
command line prints it on stderr with status 2 and the terminal session prints it and carries on.
"""

from __future__ import annotations

import argparse
import difflib
import re
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import NoReturn

from index import MAX_K, CoreSettings, check_int, parse_date, say

# Retrieval ranks at most a few hundred passages per question (search.CANDIDATES from each method, fused), so an
# offset beyond this can never return a quote: it is refused rather than answered with a silent empty page.
MAX_OFFSET = 500
# Defaults of the numeric flags (shown in --help and help.txt.j2).
DEFAULT_K = 5
DEFAULT_TOP = 8
# What the argument types call the value; the parser puts the flag's name in its place ("-k must be at least 1").
VALUE = "the value"


class DeskNeed(Enum):
    """What a subcommand needs opened before it runs (``set_defaults(desk=…)``; the default is REPAIRED)."""

    NONE = "none"  # the command opens what it needs itself (reindex, eval, run)
    STORE = "store"  # a Newsdesk that was not ``open``-ed: no start-up repair, nothing loaded until used
    REPAIRED = "repaired"  # ``Newsdesk.open``: the vector index checked against the store first


class CliError(Exception):
    """A user-facing failure: printed as one sentence on stderr, exit status 1."""


class UsageError(CliError):
    """The command line itself is wrong (unknown flag, bad value): exit status 2."""

    def __init__(self, message: str, prog: str, detail: str) -> None:
        super().__init__(message)
        self.prog = prog
        self.detail = detail  # the sentence without the pointer to --help (the terminal session has `help`)


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are exceptions with one sentence, not a usage dump and ``sys.exit``."""

    def error(self, message: str) -> NoReturn:
        detail = _sentence(message)
        raise UsageError(say("cli_usage_error", message=detail, prog=self.prog), self.prog, detail)

    def parse_args(self, args=None, namespace=None):  # type: ignore[no-untyped-def,override]
        """As argparse's, but a flag no parser knows is blamed on the subcommand that was given it, so the
        sentence names ``newsdesk ask --help`` (argparse would name the top-level ``newsdesk --help``)."""
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            chosen_parser(self, parsed).error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed


def chosen_parser(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The (sub)parser that read the innermost subcommand of ``args`` (``track add`` → the parser of ``add``)."""
    while True:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        name = getattr(args, subs[0].dest, None) if subs else None
        if not subs or name not in subs[0].choices:
            return parser
        parser = subs[0].choices[name]


_ARGUMENT = re.compile(r"^argument (?P<flag>[^:/]+)(?:/[^:]+)?: (?P<body>.*)$", re.DOTALL)
_CHOICE = re.compile(r"^invalid choice: '(?P<word>[^']*)' \(choose from (?P<choices>.*)\)$", re.DOTALL)
# How close a mistyped command must be to a real one to be suggested ("stat" → "stats", "brief" → "briefing").
SUGGEST_CUTOFF = 0.6


def _unknown_choice(flag: str, body: str) -> str | None:
    """``newsdesk stat`` → "Unknown command “stat”: did you mean “stats”? …" (difflib's closest choice)."""
    match = _CHOICE.match(body)
    if match is None:
        return None
    choices = re.findall(r"'([^']*)'", match["choices"])
    guess = difflib.get_close_matches(match["word"], choices, n=1, cutoff=SUGGEST_CUTOFF)
    what = "command" if flag in ("COMMAND", "ACTION") else flag
    return say(
        "cli_unknown_choice",
        what=what,
        word=match["word"],
        guess=guess[0] if guess else None,
        choices=choices,
    )


def _sentence(message: str) -> str:
    """argparse's fragment ("argument -k: the value must be at least 1") as one sentence ("-k must be …")."""
    text = message.strip().rstrip(".")
    match = _ARGUMENT.match(text)
    if match:
        flag, body = match["flag"], match["body"]
        if (choice := _unknown_choice(flag, body)) is not None:
            return choice
        text = body.replace(VALUE, flag, 1) if VALUE in body else f"{flag}: {body}"
    return text[:1].upper() + text[1:] if text[:1].isalpha() and text[:1].islower() else text


def date_arg(value: str) -> str:
    """A strict ``YYYY-MM-DD`` date (``2004-12-28garbage`` is refused), through ``index.validate.parse_date``."""
    try:
        return parse_date(value, VALUE)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).rstrip(".")) from None


def bounded_int(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """An argument type for an integer within bounds (``--offset -5``, ``-k 0``, ``-k ten`` get a sentence)."""

    def parse(value: str) -> int:
        try:
            number = int(value.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(say("cli_not_a_number", name=VALUE, value=value)) from None
        try:
            return check_int(number, VALUE, minimum, maximum)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc).rstrip(".")) from None

    parse.__name__ = "number"  # argparse names the type in its fallback message
    return parse


positive_int = bounded_int(1)
k_arg = bounded_int(1, MAX_K)
offset_arg = bounded_int(0, MAX_OFFSET)
per_article_arg = bounded_int(0, MAX_K)


def common_options() -> Parser:
    """Options every subcommand accepts wherever they are written: ``--data-dir`` and ``-v/--verbose``.

    Their default is SUPPRESS so a subcommand that does not see them keeps what the main parser read: ``newsdesk
    -v stats`` and ``newsdesk stats -v`` both log.
    """
    common = Parser(add_help=False)
    common.add_argument(
        "--data-dir",
        type=Path,
        default=argparse.SUPPRESS,
        help="where the index lives (env NEWSDESK_DATA_DIR, default ./data)",
    )
    common.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log what happens"
    )
    return common


FORMATS = ("auto", "md", "rich")


def format_option(parser: argparse.ArgumentParser) -> None:
    """``--format``: how a result (answer, timeline, statements, briefing, alerts) is printed."""
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="auto",
        help="md: the Markdown; rich: rendered for a terminal; auto (default): rendered when stdout is a terminal",
    )


def settings_from(args: argparse.Namespace) -> CoreSettings:
    """The core settings (environment, ``.env``) with ``--data-dir`` applied."""
    settings = CoreSettings()
    if getattr(args, "data_dir", None) is not None:
        settings = settings.model_copy(update={"data_dir": args.data_dir})
    return settings
