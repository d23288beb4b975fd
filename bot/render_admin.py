"""Discord rendering of the admin commands: sources, stats, reindex progress, ingest reports (split from
``bot/render.py`` so each module stays readable; the extensions import them from here)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import discord

from index import IngestReport, SourceStats, say

from .render import COLOR_ANSWER, CONTENT_LIMIT, FIELD_LIMIT, MAX_FAILURES_SHOWN, Page, pack
from .text import clip, esc


def render_sources(sources: Iterable[SourceStats]) -> list[Page]:
    rows = sorted(sources, key=lambda s: (-s.articles, s.source.lower()))
    blocks = [
        f"**{esc(s.source)}** — {s.articles:,} article(s) · {s.first_date or '?'} → {s.last_date or '?'}"
        for s in rows
    ]
    return pack(
        blocks or ["No sources indexed yet."],
        title="Sources",
        color=COLOR_ANSWER,
        footer=f"{len(rows)} outlet(s) visible in this server",
    )


def render_stats(rows: Sequence[tuple[str, str]]) -> discord.Embed:
    e = discord.Embed(title="Newsdesk stats", color=COLOR_ANSWER)
    for name, value in rows:
        e.add_field(name=name, value=clip(value, FIELD_LIMIT))
    return e


def progress_bar(done: int, total: int, width: int = 10) -> str:
    frac = done / total if total else 1.0
    filled = round(frac * width)
    return f"{'▓' * filled}{'░' * (width - filled)} {frac:.0%}"


def progress_line(verb: str, done: int, total: int, elapsed: float | None = None) -> str:
    line = f"{verb} {done:,} / {total:,} paragraphs {progress_bar(done, total)}"
    return line if elapsed is None else say("bot_reindex_elapsed", line=line, elapsed=clock(elapsed))


def clock(seconds: float) -> str:
    """Elapsed time as ``m:ss`` (``74`` -> ``1:14``)."""
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


def ingest_summary(report: IngestReport) -> str:
    """``added 1 · unchanged 0 · …``: the catalogue's ingest summary, as the CLI prints it."""
    return say(
        "ingest_summary",
        added=report.added,
        unchanged=report.unchanged,
        replaced=report.replaced,
        duplicates=report.duplicates,
        failed=len(report.failed),
    )


def report_text(report: IngestReport, key: str, **context: object) -> str:
    """An ingest or reindex report: the catalogue sentence ``key`` with the summary, then the failures."""
    lines = [say(key, summary=ingest_summary(report), **context)]
    for item in report.failed[:MAX_FAILURES_SHOWN]:
        origin = clip(item.origin, 120).replace("`", "'")
        lines.append(say("bot_failed_item", origin=origin, reason=esc(item.reason or "unknown reason")))
    if len(report.failed) > MAX_FAILURES_SHOWN:
        lines.append(say("bot_more_failures", n=len(report.failed) - MAX_FAILURES_SHOWN))
    return clip("\n".join(lines), CONTENT_LIMIT)
