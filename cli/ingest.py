"""``newsdesk ingest`` (and the session's first seeding): files read article by article with live progress, a
Ctrl-C that stops cleanly, and a report that says which metadata was read from the text and which is unknown.

The files are read here (``index.ingest.extract.articles_from_file``) and handed to ``Newsdesk.ingest_articles`` as a
stream, so each article advances the "Reading" bar when the facade asks for the next one (it has taken the
previous one); the facade's own callback drives the "Embedding" bar.
"""

from __future__ import annotations

import argparse
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cli.cancel import GracefulCancel
from cli.output import INDENT, emit, emit_json, ingest_report_lines, progress_note, warn
from index import (
    ArticleIn,
    ExtractError,
    IngestItem,
    IngestReport,
    Newsdesk,
    articles_from_file,
    expected_articles,
    is_url,
    iter_files,
    say,
)

log = logging.getLogger(__name__)

# Articles named one by one in the metadata notes; the rest are counted (``--json`` lists them all).
MAX_NOTE_LINES = 10
STORED = ("added", "replaced")


@dataclass
class MetadataNote:
    """What an ingested article's metadata rests on: values read from its text, and what nobody gave."""

    origin: str
    title: str
    source: str
    date: str | None
    inferred: dict[str, str]

    @property
    def unknown(self) -> list[str]:
        return [
            name
            for name, missing in (("source", self.source == "unknown"), ("date", not self.date))
            if missing
        ]

    @property
    def kind(self) -> str:
        """Where its metadata can be set: "record" (JSON fields), "html" (the page's tags) or "text" (front matter)."""
        name = re.sub(r"(:\d+|\[\d+\])$", "", self.origin).lower()
        if name.endswith((".json", ".jsonl")):
            return "record"
        return "html" if name.endswith((".html", ".htm")) else "text"

    def to_dict(self) -> dict[str, Any]:
        return {"origin": self.origin, "inferred": self.inferred, "unknown": self.unknown}


@dataclass
class IngestRun:
    report: IngestReport
    notes: list[MetadataNote] = field(default_factory=list)
    cancelled: bool = False


def _note(article: ArticleIn) -> MetadataNote:
    return MetadataNote(article.origin, article.title, article.source, article.date, dict(article.inferred))


def ingest_files(desk: Newsdesk, paths: Iterable[Path], scope: str = "") -> IngestRun:
    """Ingest files and folders with progress on stderr; Ctrl-C stops after the article in hand."""
    from cli.progress import Bars, ReportedStage  # rich: only for long work (see cli)

    files = list(iter_files(list(paths)))
    notes: dict[str, MetadataNote] = {}
    with Bars() as bars, GracefulCancel() as cancel:
        reading = bars.stage(
            say("cli_progress_reading"), say("cli_unit_articles"), sum(expected_articles(f) for f in files)
        )
        embedding = ReportedStage(bars, say("cli_progress_embedding"), say("cli_unit_paragraphs"))

        def items() -> Iterator[ArticleIn | IngestItem]:
            for path in files:
                for result in articles_from_file(path):
                    if cancel.requested:
                        return
                    embedding.mark()
                    if isinstance(result, ExtractError):
                        yield IngestItem(str(path), "failed", reason=str(result))
                    else:
                        notes[result.origin] = _note(result)
                        yield result
                    reading.advance()  # the facade asked for the next article: it has taken the previous one
                    embedding.mark()
            reading.finish()

        try:
            report = desk.ingest_articles(items(), scope, progress=embedding)
        finally:
            embedding.close()
    stored = [notes[i.origin] for i in report.items if i.status in STORED and i.origin in notes]
    kept = [n for n in stored if n.inferred or n.unknown]
    return IngestRun(report, kept, cancel.requested)


def metadata_lines(notes: list[MetadataNote]) -> list[str]:
    """Which metadata was read from the text and which is unknown, and how to set it."""
    if not notes:
        return []
    lines = [say("cli_meta_heading")]
    for note in notes[:MAX_NOTE_LINES]:
        parts = []
        for name in ("source", "date"):
            if name in note.inferred:
                parts.append(
                    say(
                        f"cli_meta_inferred_{name}",
                        value=getattr(note, name),
                        evidence=note.inferred[name],
                        file_date=note.inferred.get("file_date"),
                    )
                )
        if "title" in note.inferred:
            parts.append(say("cli_meta_inferred_title", evidence=note.inferred["title"]))
        if note.unknown:
            parts.append(say("cli_meta_unknown", fields=note.unknown))
        lines.append(INDENT + say("cli_meta_line", origin=note.origin, parts=parts))
    if len(notes) > MAX_NOTE_LINES:
        lines.append(INDENT + say("cli_meta_more", n=len(notes) - MAX_NOTE_LINES))
    texts = [n for n in notes if n.kind == "text"]
    if texts:
        example = texts[0]
        lines.append(say("cli_meta_hint_text"))
        block = say(
            "cli_meta_front_matter",
            title=example.title,
            source=example.source if example.source != "unknown" else "Outlet name",
            date=example.date or "YYYY-MM-DD",
        )
        lines += [INDENT + line for line in block.splitlines()]
    for kind in ("record", "html"):
        if any(n.kind == kind for n in notes):
            lines.append(say(f"cli_meta_hint_{kind}"))
    return lines


def print_run(run: IngestRun, as_json: bool) -> None:
    """The report on stdout (and what was inferred), each failure as one sentence on stderr."""
    if as_json:
        emit_json({**run.report.to_dict(), "metadata": [n.to_dict() for n in run.notes]})
    else:
        for line in ingest_report_lines(run.report) + metadata_lines(run.notes):
            emit(line)
    for item in run.report.failed:
        warn(item.reason or say("cli_ingest_failed_no_reason", origin=item.origin))
    if run.cancelled:
        warn(say("cli_ingest_cancelled"))


def ingest(desk: Newsdesk, targets: list[str], scope: str = "") -> IngestRun:
    """Files, folders and web pages, in that order, into one run."""
    urls = [t for t in targets if is_url(t)]
    run = ingest_files(desk, [Path(t) for t in targets if t not in urls], scope)
    if urls and not run.cancelled:
        from index.sources import ingest_urls_sync  # aiohttp: only for web pages (see cli)

        progress_note(say("cli_fetching", n=len(urls)))
        run.report.merge(ingest_urls_sync(desk, urls, scope=scope))
    return run


def cmd_ingest(args: argparse.Namespace, desk: Newsdesk) -> int:
    run = ingest(desk, args.paths, args.server)
    print_run(run, args.json)
    if run.cancelled:
        return 130
    return 1 if run.report.failed or not run.report.items else 0
