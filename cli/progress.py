"""Live progress on a terminal (rich): one line per stage with a bar, counts, a measured rate, elapsed time and ETA.

Imported only by the commands that do long work (ingest, reindex): rich costs a fifth of a second to import.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable, Iterator
from typing import TextIO

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

from index import say

Progress = Callable[[int, int], None]  # the facade's progress(done, total) callback


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


# Work shorter than this shows no bar at all (a warm search index answers in milliseconds). NEWSDESK_WORKING_DELAY
# overrides it (the pseudo-terminal tests set 0, so whether the bar shows does not depend on the machine's speed).
WORKING_DELAY = float(os.environ.get("NEWSDESK_WORKING_DELAY", "0.3"))


@contextlib.contextmanager
def working(label: str, stream: TextIO | None = None, delay: float = WORKING_DELAY) -> Iterator[None]:
    """A bar for work without a count ("Preparing the search index: 162 paragraphs"), on stderr, shown once the
    work has taken ``delay`` seconds and gone when it ends; nothing when stderr is not a terminal."""
    stream = stream or sys.stderr
    if not stream.isatty():
        yield
        return
    progress = RichProgress(
        TextColumn("{task.description}"),
        BarColumn(bar_width=30),
        TimeElapsedColumn(),
        console=Console(file=stream, highlight=False),
        transient=True,
    )
    progress.add_task(label, total=None)
    lock = threading.Lock()
    done = False

    def show() -> None:
        with lock:
            if not done:
                progress.start()

    timer = threading.Timer(delay, show)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        with lock:
            done = True
            progress.stop()


def progress_bar(bars: Bars, label: str, unit: str) -> Progress:
    """A stage driven by the facade's ``progress(done, total)`` callback, started at the first call."""
    stage: Stage | None = None

    def update(done: int, total: int) -> None:
        nonlocal stage
        if stage is None:
            stage = bars.stage(label, unit, total)
        stage.update(done, total)

    return update


class ReportedStage:
    """A stage fed by the facade's ``progress(done, total)`` (the "Embedding" line), shown from its first report.

    Its clock starts at the last ``mark`` (when the facade last asked for an article), not at that first report: the
    facade embeds a batch right after taking its last article and reports once part of it is done. Timed from the
    first report a single batch shows an absurd rate ("114241 para/s"); timed from the mark it is the truth.
    """

    def __init__(self, bars: Bars, label: str, unit: str) -> None:
        self.bars = bars
        self.label = label
        self.unit = unit
        self.stage: Stage | None = None
        self.marked = bars.now()

    def mark(self) -> None:
        """The facade just asked for the next article (so it is not embedding now)."""
        self.marked = self.bars.now()

    def __call__(self, done: int, total: int) -> None:
        if self.stage is None:
            self.stage = self.bars.stage(self.label, self.unit)
            self.stage.started_at(self.marked)
        self.stage.update(done, total)

    def close(self) -> None:
        if self.stage is not None:
            self.stage.finish()
