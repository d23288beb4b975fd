"""Every command-line front end: the ``newsdesk`` parser, the terminal session, and the briefing and feeds
subcommands. The only place outside ``bot/`` that imports ``bot`` (for ``run`` and ``sync``)."""

from index.cli.main import main

__all__ = ["main"]
