"""Ctrl-C during a long ingest: the first press stops reading new articles and lets the ones already stored finish
(so nothing is left half-done); a second press stops at once.

Python's default turns Ctrl-C into ``KeyboardInterrupt`` wherever the main thread happens to be, which could be
between storing an article and embedding it (or, with a facade that embeds before it commits, in the middle of a
batch). While this guard is active the first press only sets a flag that
the ingest loop checks between articles.
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType, TracebackType

from cli.output import progress_note
from index import say

log = logging.getLogger(__name__)


class GracefulCancel:
    """A context in which the first SIGINT sets ``requested`` and the second raises ``KeyboardInterrupt``."""

    def __init__(self) -> None:
        self.requested = False
        self._previous: signal.Handlers | None | object = None
        self._installed = False

    def __enter__(self) -> GracefulCancel:
        # Signal handlers can only be set from the main thread; elsewhere (a test's worker) Ctrl-C cannot arrive.
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._on_interrupt)
            self._installed = True
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)  # type: ignore[arg-type]
            self._installed = False

    def _on_interrupt(self, signum: int, frame: FrameType | None) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        progress_note(say("cli_cancelling"))
