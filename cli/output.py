"""What the command line prints: reports, JSON, errors and progress, each sentence from ``prompts/``.

Results go to stdout (scripts read them; ``--json`` prints only JSON there); errors, warnings and progress go to
stderr, so ``newsdesk ask … --json | jq`` stays clean.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from index import IngestReport, Newsdesk, say

INDENT = "    "  # detail lines under a summary line (the catalogue's sentences are stripped of leading space)


def emit(text: str = "", end: str = "\n") -> None:
    """One result on stdout (looked up at call time, so the terminal session can capture it)."""
    print(text, end=end, file=sys.stdout, flush=True)


def rendered(args: object) -> bool:
    """Whether a result is rendered for a terminal (``--format rich``, or ``auto`` with stdout a terminal) rather
    than printed as its Markdown (``--format md``, or stdout a pipe or a file)."""
    fmt = getattr(args, "format", "auto")
    return fmt == "rich" or (fmt == "auto" and sys.stdout.isatty())


def emit_markdown(text: str, args: object) -> None:
    """One result from ``prompts/`` (answer, timeline, statements, briefing, alert): rendered on a terminal, else
    the Markdown as it is (see ``cli.render``)."""
    if rendered(args):
        from cli.render import print_markdown  # rich: only when something is rendered (see cli)

        print_markdown(text)
    else:
        emit(text, end="")


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


def prepare_search(desk: Newsdesk) -> None:
    """Load the model and the search index (or build it from the store) under a bar that says so, on a terminal:
    the first question of a process, or the first after a reindex, otherwise sits silent for seconds."""
    if not sys.stderr.isatty():
        return  # the question loads them anyway; a script reads no bar
    from cli.progress import working  # rich: only at a terminal (see cli)

    with working(say("cli_progress_search_index", paragraphs=desk.lexical.size())):
        desk.search_index()
