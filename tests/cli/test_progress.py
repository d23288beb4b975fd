"""Progress (cli/progress.py): one line per stage, a rate measured from when the work started, counts that end exact."""

from __future__ import annotations

import io

from cli.progress import Bars, ReportedStage


class Clock:
    """A hand-wound clock for rich (the progress display takes its time source as an argument)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_embedding_rate_is_measured_from_when_embedding_started():
    """The old bar was created at the first callback, after the first 2,048 paragraphs: '114241 para/s'."""
    clock, out = Clock(), io.StringIO()
    with Bars(out, clock, enabled=True) as bars:
        stage = ReportedStage(bars, "Embedding", "para")
        clock.now += 3.0
        stage.mark()  # the facade takes its last article and starts embedding
        clock.now += 10.0
        stage(2048, 2048)  # its first (and only) report, ten seconds later
        stage.close()
    line = next(line for line in out.getvalue().splitlines() if line.startswith("Embedding"))
    assert "2048/2048" in line and "205 para/s" in line


def test_a_stage_with_no_work_is_not_shown():
    out = io.StringIO()
    with Bars(out, Clock(), enabled=True) as bars:
        stage = ReportedStage(bars, "Embedding", "para")
        stage.mark()
        stage.close()  # nothing was new: the facade never reported embedding
    assert "Embedding" not in out.getvalue()


def test_a_short_estimate_grows_with_the_work_done():
    clock, out = Clock(), io.StringIO()
    with Bars(out, clock, enabled=True) as bars:
        reading = bars.stage("Reading", "articles", total=2)
        for _ in range(3):
            clock.now += 0.5
            reading.advance()
        reading.finish()
    assert "3/3" in out.getvalue() and "2.0 articles/s" in out.getvalue()


def test_no_progress_when_stderr_is_not_a_terminal():
    out = io.StringIO()
    with Bars(out, Clock()) as bars:
        bars.stage("Reading", "articles", total=1).advance()
    assert out.getvalue() == ""  # a script reading stderr sees errors only
