"""``newsdesk run`` and ``newsdesk sync``: the Discord bot, or the terminal session when there is no token.

With ``feedback.py`` (the bot's votes), the only modules outside ``bot/`` that import ``bot``. It does so inside the two commands that need it: importing
discord.py costs about a second, and every other ``newsdesk`` command would pay it at start-up.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Callable
from pathlib import Path

from cli.args import DeskNeed, Parser, common_options, settings_from
from cli.console import run_console
from cli.logs import warnings_on_screen
from index import Newsdesk

log = logging.getLogger(__name__)

# The Wikinews sample that seeds an empty index in the terminal session (shipped with the checkout).
BUNDLED_CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "wikinews"


def register(sub: argparse._SubParsersAction, make_parser: Callable[[], Parser]) -> None:
    """Add ``run`` and ``sync``; ``make_parser`` builds the parser the terminal session reads its lines with."""
    common = common_options()
    p = sub.add_parser(
        "run", parents=[common], help="the bot when DISCORD_TOKEN is set, else a terminal session"
    )
    p.set_defaults(func=_run_with(make_parser), desk=DeskNeed.NONE)

    p = sub.add_parser("sync", parents=[common], help="register the bot's slash commands with Discord")
    p.set_defaults(func=cmd_sync, desk=DeskNeed.NONE)


def _run_with(make_parser: Callable[[], Parser]) -> Callable[[argparse.Namespace, Newsdesk | None], int]:
    def run(args: argparse.Namespace, desk: Newsdesk | None) -> int:
        return cmd_run(args, make_parser)

    return run


def cmd_run(args: argparse.Namespace, make_parser: Callable[[], Parser]) -> int:
    if os.environ.get("DISCORD_TOKEN") or dotenv_has_token(Path(".env")):
        from bot.app import run_bot
        from bot.settings import load_settings

        warnings_on_screen()  # the bot's operator reads its warnings on stderr, terminal or not
        return run_bot(load_settings())
    return run_console(settings_from(args), BUNDLED_CORPUS, make_parser)


def cmd_sync(args: argparse.Namespace, desk: Newsdesk | None) -> int:
    from bot.app import sync_commands
    from bot.settings import load_settings

    return sync_commands(load_settings())


def dotenv_has_token(env: Path) -> bool:
    """Whether ``.env`` sets a non-empty ``DISCORD_TOKEN`` (the bot's settings read it from there too)."""
    if not env.exists():
        return False
    for line in env.read_text(errors="replace").splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "DISCORD_TOKEN" and value.strip().strip("'\""):
            return True
    return False
