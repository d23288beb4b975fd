"""Fixtures for the command-line tests: a copy of the Wikinews sample, commands run in-process on a desk that
shares the session's model, and the real ``newsdesk`` run as a subprocess for the exit-status contract."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from cli.main import build_parser
from index.service import Newsdesk
from tests.conftest import ROOT


@pytest.fixture
def data_dir(wikinews_dir: Path, tmp_path: Path) -> Path:
    """A data dir of its own holding the bundled Wikinews sample (41 articles)."""
    path = tmp_path / "cli-data"
    shutil.copytree(wikinews_dir, path)
    return path


@pytest.fixture
def terminal_env() -> dict[str, str]:
    """The environment of a session on a pseudo-terminal (tests/cli/terminal.py): no Discord token, a known size."""
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    env.update(HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT), TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1")
    env.update(COLUMNS="120", LINES="40", NEWSDESK_WORKING_DELAY="0")  # the bar shows however fast the load
    return env


@pytest.fixture
def run_cli(wikinews_desk: Newsdesk) -> Callable[..., int]:
    """Parse a command line with the real parser and run it on a Wikinews desk (the session's model, no reload)."""

    def run(*argv: str, desk: Newsdesk | None = None) -> int:
        args = build_parser().parse_args(list(argv))
        return args.func(args, desk or wikinews_desk)

    return run


def newsdesk(
    *argv: str,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 300,
):
    """``python -m cli ARGV`` as a new process: the real exit status, stdout and stderr."""
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "cli", *argv],
        capture_output=True,
        text=True,
        env=full_env,
        input=stdin,
        timeout=timeout,
        cwd=cwd,
    )


@pytest.fixture(autouse=True)
def interruptible():
    """Ctrl-C raises KeyboardInterrupt in this process, as at a terminal, even when the test run was started with
    SIGINT ignored (a background job of a non-interactive shell): the Ctrl-C tests need Python's own handler."""
    before = signal.getsignal(signal.SIGINT)
    if before is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)
