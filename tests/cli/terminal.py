"""A pseudo-terminal to drive ``newsdesk run`` the way a person does: keys in, screen text out.

prompt_toolkit only edits lines on a real terminal, so the interactive session is tested in a pty (stdlib
``pty``), with the escape sequences stripped from what it prints.
"""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import sys
import time
from pathlib import Path

ANSI = re.compile(
    r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Za-z0-9]|\x1b[=>78]|\r"
)
UP, TAB, ENTER, CTRL_C, CTRL_D = "\x1b[A", "\t", "\r", "\x03", "\x04"


class Terminal:
    """``python -m cli ARGV`` on a pty (or ``command``, e.g. make); ``send`` types, ``expect`` waits for text on the
    screen."""

    def __init__(
        self, argv: list[str], cwd: Path, env: dict[str, str], command: list[str] | None = None
    ) -> None:
        program = command or [sys.executable, "-m", "cli", *argv]
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: become the program
            # as a program started at a terminal: Ctrl-C interrupts it, even when this test run was started with
            # SIGINT ignored (a background job of a non-interactive shell, as a CI runner may start it)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.chdir(cwd)
            os.execvpe(program[0], program, env)
        self.raw = ""
        self.seen = 0  # how much of the screen text ``expect`` has consumed

    @property
    def text(self) -> str:
        return ANSI.sub("", self.raw)

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # the program ended
            return False
        self.raw += chunk.decode("utf-8", errors="replace")
        return bool(chunk)

    def expect(self, pattern: str, timeout: float = 180) -> str:
        """Wait until ``pattern`` (a regex) appears after what was already matched; return the text up to it."""
        deadline = time.monotonic() + timeout
        while True:
            match = re.search(pattern, self.text[self.seen :])
            if match:
                found = self.text[self.seen : self.seen + match.end()]
                self.seen += match.end()
                return found
            if time.monotonic() > deadline:
                raise TimeoutError(f"{pattern!r} not seen; screen so far:\n{self.text[-3000:]}")
            self._read(min(1.0, deadline - time.monotonic()))

    def send(self, keys: str) -> None:
        os.write(self.fd, keys.encode("utf-8"))

    def wait(self, timeout: float = 60) -> int:
        """Read until the program exits; its exit status."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._read(0.2)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                while self._read(0.1):
                    pass
                return os.waitstatus_to_exitcode(status)
        raise TimeoutError(f"still running; screen so far:\n{self.text[-3000:]}")

    def close(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(self.fd)
