"""Every command-line front end: the ``newsdesk`` parser (main), argument types (args), what is printed (output),
the index commands (commands), the briefing and feeds commands, the terminal session (console) and ``run``/``sync``
(run: the only place outside ``bot/`` that imports ``bot``).

Start-up: every command pays for what ``newsdesk`` imports before it runs, so the heavy packages that only some
commands use (rich for progress, aiohttp and feedparser for feeds and web pages, scipy for the briefing evaluation,
the evaluation itself, prompt_toolkit for the interactive session, discord.py) are imported inside the commands
that use them. ``newsdesk stats`` does not load them; ``bench/bench_cold_start.py`` measures it."""

from cli.main import main

__all__ = ["main"]
