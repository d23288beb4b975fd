"""Where log records go: internal notes to a log file, not to an analyst at a terminal.

At a terminal, a line like "the vector cache … is from another model or reindex: rebuilding it" is an internal
note: the analyst can do nothing with it. There (stderr a terminal, no ``-v``) the screen shows only errors, and
everything from INFO up goes to ``newsdesk.log`` in the data dir. Where stderr is a pipe or a file (cron, scripts,
a service manager) it is the log, and keeps our own warnings as one ``newsdesk: …`` line each, as before. ``-v``
shows everything, with times and logger names, wherever stderr goes.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from index import say

# Loggers whose warnings a user sees without -v: ours. Libraries (trafilatura, htmldate, transformers, urllib3 …)
# describe their own internals ("discarding data: None"); what the user needs is already our one sentence, so
# their records, and Python warnings, are shown only with -v.
OWN_LOGGERS = ("index", "bot", "cli", "__main__")
LOG_FILE = "newsdesk.log"  # in the data dir


class _OwnRecords(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.name.split(".")[0] in OWN_LOGGERS


class _OwnOrWarnings(logging.Filter):
    """Our records from INFO up, other libraries' from WARNING up (their INFO is chatter)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.name.split(".")[0] in OWN_LOGGERS or record.levelno >= logging.WARNING


class _QuietFileHandler(logging.FileHandler):
    """Appends to the log file, creating its folder on the first record; a log that cannot be written is
    dropped without a traceback on the analyst's screen (the command itself goes on)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self.stream is None:
                Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            return
        super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        pass


def configure_logging(verbose: bool, data_dir: Path | None = None) -> Path | None:
    """Where this process starts: one stderr handler, and at a terminal the log file in ``data_dir``. Returns the
    log file's path when notes go there."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "newsdesk_cli", False)]:
        root.removeHandler(handler)  # main() may run more than once in a process (tests)
        handler.close()
    handler = logging.StreamHandler(sys.stderr)
    handler.newsdesk_cli = True  # type: ignore[attr-defined]
    log_file = None
    if verbose:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    else:
        handler.setFormatter(logging.Formatter(say("cli_error", message="%(message)s")))
        handler.addFilter(_OwnRecords())
        if data_dir is not None and _is_terminal(sys.stderr):
            handler.setLevel(logging.ERROR)
            log_file = Path(data_dir) / LOG_FILE
            to_file = _QuietFileHandler(log_file, encoding="utf-8", delay=True)
            to_file.newsdesk_cli = True  # type: ignore[attr-defined]
            to_file.setFormatter(
                logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")
            )
            to_file.addFilter(_OwnOrWarnings())
            root.addHandler(to_file)
    root.addHandler(handler)
    root.setLevel(logging.INFO if verbose or log_file is not None else logging.WARNING)
    logging.captureWarnings(True)
    return log_file


def warnings_on_screen() -> None:
    """Our warnings back on stderr (the bot started by ``newsdesk run``: its operator reads them there)."""
    for handler in logging.getLogger().handlers:
        screen = isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler)
        if screen and getattr(handler, "newsdesk_cli", False):
            handler.setLevel(logging.NOTSET)


def _is_terminal(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False
