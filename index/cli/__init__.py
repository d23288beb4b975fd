"""Every command-line front end: the ``newsdesk`` parser (main), argument types (args), what is printed (output),
the index commands (commands), the briefing and feeds commands, the terminal session (console) and ``run``/``sync``
(run: the only place outside ``bot/`` that imports ``bot``)."""

from index.cli.main import main

__all__ = ["main"]
