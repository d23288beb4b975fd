"""What the command line prints: reports, JSON, errors and progress, each sentence from ``prompts/``.

Results go to stdout (scripts read them; ``--json`` prints only JSON there); errors, warnings and progress go to
stderr, so ``newsdesk ask … --json | jq`` stays clean.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress
from rich.text import Text

from index.models import IngestReport
from index.render import say

Progress = Callable[[int, int], None]
INDENT = "    "  # detail lines under a summary line (the catalogue's sentences are stripped of leading space)


def emit(text: str = "", end: str = "\n") -> None:
    """One result on stdout (looked up at call time, so the terminal session can capture it)."""
    print(text, end=end, file=sys.stdout, flush=True)


def warn(text: str) -> None:
    """A problem the user should see, on stderr, as ``newsdesk: <sentence>``."""
    print(say("cli_error", message=text), file=sys.stderr, flush=True)


def progress_note(text: str) -> None:
    """A line about work in progress (not a result, not an error), on stderr."""
    print(text, file=sys.stderr, flush=True)


def error_sentence(exc: BaseException) -> str:
    """The one sentence a user sees for a failure they can act on (a KeyError's repr quotes lose their quotes)."""
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    return str(exc) or type(exc).__name__


def emit_json(data: Any) -> None:
    emit(json.dumps(data, indent=1, ensure_ascii=False))


def ingest_report_lines(report: IngestReport) -> list[str]:
    """The summary line (the one ``ingest_summary`` sentence the bot shows too) and one line per duplicate."""
    lines = [
        say(
            "ingest_summary",
            added=report.added,
            unchanged=report.unchanged,
            replaced=report.replaced,
            duplicates=report.duplicates,
            failed=len(report.failed),
        )
    ]
    lines += [
        INDENT + say("cli_ingest_duplicate", origin=i.origin, reason=i.reason)
        for i in report.items
        if i.status == "duplicate"
    ]
    return lines


class RateColumn(ProgressColumn):
    """Units per second, measured: rich's window of timestamped updates, else everything done over the elapsed time.

    A stage is started when its work starts (not when the first result arrives), so the average is the true one.
    """

    def render(self, task: Task) -> Text:
        speed = task.speed
        if speed is None and task.completed and task.elapsed:
            speed = task.completed / task.elapsed
        unit = task.fields.get("unit", "")
        if speed is None:
            return Text(f"… {unit}/s", style="progress.data.speed")
        shown = f"{speed:,.0f}" if speed >= 10 else f"{speed:.1f}"
        return Text(f"{shown} {unit}/s", style="progress.data.speed")


class Stage:
    """One line of the progress display: work with a count (articles stored, paragraphs embedded)."""

    def __init__(self, progress: RichProgress, task: TaskID) -> None:
        self._progress = progress
        self.task = task

    def advance(self, n: int = 1) -> None:
        task = self._progress.tasks[self.task]
        if task.total is not None and task.completed + n > task.total:
            self._progress.update(self.task, total=task.completed + n)  # the estimate was short
        self._progress.advance(self.task, n)

    def update(self, done: int, total: int) -> None:
        """The facade's ``progress(done, total)`` callback."""
        self._progress.update(self.task, completed=done, total=max(total, done))

    def started_at(self, when: float) -> None:
        """Date the stage's start back to when its work really began (its elapsed time and average rate count
        from there)."""
        self._progress.tasks[self.task].start_time = when

    def finish(self) -> None:
        task = self._progress.tasks[self.task]
        self._progress.update(self.task, total=task.completed, completed=task.completed)
        self._progress.stop_task(self.task)


class Bars:
    """Live progress on stderr (rich): one line per stage with a bar, counts, a measured rate, elapsed and ETA.

    Shown only on a terminal, where the lines redraw in place: when stderr is a pipe or a log, a script reads it
    for errors, one sentence each, and progress would be noise there.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        clock: Callable[[], float] | None = None,
        enabled: bool | None = None,
    ) -> None:
        """Bars on ``stream`` (default: stderr as it is now), timed by ``clock``; ``enabled`` None = on a terminal."""
        stream = stream or sys.stderr
        if enabled is None:
            enabled = stream.isatty()
        console = Console(file=stream, highlight=False)
        self._progress = RichProgress(
            TextColumn("{task.description:<12}"),
            BarColumn(bar_width=30),
            MofNCompleteColumn(),
            RateColumn(),
            TimeElapsedColumn(),
            TextColumn(say("cli_progress_eta")),
            TimeRemainingColumn(),
            console=console,
            refresh_per_second=4,
            get_time=clock,  # a test's clock; None is rich's monotonic one
            disable=not enabled,
        )

    def __enter__(self) -> Bars:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def stage(self, label: str, unit: str, total: int | None = None) -> Stage:
        return Stage(self._progress, self._progress.add_task(label, total=total, unit=unit))

    def now(self) -> float:
        """The display's clock (the one stages are timed by)."""
        return self._progress.get_time()


def progress_bar(bars: Bars, label: str, unit: str) -> Progress:
    """A stage driven by the facade's ``progress(done, total)`` callback, started at the first call."""
    stage: Stage | None = None

    def update(done: int, total: int) -> None:
        nonlocal stage
        if stage is None:
            stage = bars.stage(label, unit, total)
        stage.update(done, total)

    return update
