"""The terminal session takes the terminal's foreground for itself, so that Ctrl-C reaches the session alone.

A terminal sends Ctrl-C's SIGINT to its whole foreground process group. Started by ``make run``, the session shares
that group with make, and make, on SIGINT, waits for its child and then ends itself by the same signal: the
session cancelled its command and went on, but when the analyst later quits, ``make run`` fails with "Interrupt".
In a process group of its own that holds the terminal, the session alone gets the signal; the group that held the
terminal before gets it back when the session ends. A session started straight from a shell already leads its own
group and changes nothing.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from collections.abc import Iterator

log = logging.getLogger(__name__)


def _give_terminal(fd: int, group: int) -> None:
    """``tcsetpgrp`` from a group that is not (yet) the foreground one: the kernel stops it with SIGTTOU unless
    that signal is ignored for the call."""
    previous = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    try:
        os.tcsetpgrp(fd, group)
    finally:
        signal.signal(signal.SIGTTOU, previous)


@contextlib.contextmanager
def own_foreground(fd: int) -> Iterator[bool]:
    """While inside, this process leads its own process group and that group holds the terminal ``fd``.

    Yields whether it moved. Ctrl-Z is ignored meanwhile: a stopped session would hold the terminal with nobody
    left to resume it (make does not report a stopped child to the shell)."""
    try:
        before = os.tcgetpgrp(fd)
    except OSError:  # not a terminal
        yield False
        return
    group = os.getpgrp()
    if before != group or os.getpid() == group or threading_not_main():
        yield False  # in the background, or leading its group already (started from a shell, or in a pty test)
        return
    try:
        os.setpgid(0, 0)
        _give_terminal(fd, os.getpid())
    except OSError as exc:
        log.info("could not take the terminal's foreground (%s): Ctrl-C also reaches the parent", exc)
        with contextlib.suppress(OSError):
            os.setpgid(0, group)
        yield False
        return
    stop = signal.signal(signal.SIGTSTP, signal.SIG_IGN)
    try:
        yield True
    finally:
        signal.signal(signal.SIGTSTP, stop)
        with contextlib.suppress(OSError):
            _give_terminal(fd, before)


def threading_not_main() -> bool:
    """Signal handlers can be set only from the main thread (a test may run the session in another)."""
    import threading

    return threading.current_thread() is not threading.main_thread()
