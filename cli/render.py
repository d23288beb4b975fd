"""Answers, timelines, who-said-what, briefings and alerts on a terminal: the Markdown of ``prompts/`` rendered by
rich (bold, italics, block quotes, numbered quotes), so an analyst reads text, not ``**`` and ``[title](url)``.

One template per result stays the truth: piped output, files and ``--format md`` get that Markdown unchanged (scripts
and the tests read it), ``--json`` is not touched, and a terminal gets the same Markdown rendered. What the terminal
adds is only layout: a link shows its title (a clickable hyperlink where the terminal supports them) and its URL once,
the first time it appears, instead of ``[title](url)`` three times per briefing story; a blank line separates
numbered quotes; the templates' lines stay lines, and a line after a quote is never swallowed into the quote.

Imported only when something is rendered on a terminal: rich costs a fifth of a second to import (see cli).
"""

from __future__ import annotations

import re
import sys
from typing import ClassVar, TextIO

from rich.console import Console, ConsoleOptions, RenderResult
from rich.markdown import Heading, ListElement, Markdown
from rich.segment import Segment
from rich.theme import Theme

# A Markdown link whose destination may hold one level of parentheses (Wikipedia-style URLs do).
LINK = re.compile(r"\[(?P<title>[^\]\n]+)\]\((?P<url>(?:[^()\s]|\([^()\s]*\))+)\)")
# A URL written out in a template (an answer's source line): made a link, so that the terminal knows the whole of it
# even where it is folded over two lines.
BARE_URL = re.compile(r"(?<![<(\w])https?://[^\s<>]+")
QUOTE_LINE = re.compile(r"^\s{0,3}(?:\d+\.\s+)?>")
THEME = Theme(
    {
        "markdown.block_quote": "none",  # the quote is the analyst's text: plain, set off by the bar
        "markdown.item.number": "bold cyan",
        "markdown.h1": "bold",
        "markdown.h2": "bold",
        "markdown.link": "none",
        "markdown.link_url": "underline",
    }
)


def links_once(markdown: str) -> str:
    """Each link as its title; the first time a URL appears, the URL follows it in parentheses."""
    seen: set[str] = set()

    def once(match: re.Match[str]) -> str:
        url = match["url"]
        if url in seen:
            return match.group(0)
        seen.add(url)
        return f"{match.group(0)} (<{url}>)"

    return LINK.sub(once, markdown)


def bare_urls(markdown: str) -> str:
    """Every URL written out becomes an autolink (``<url>``), clickable as a whole."""
    return BARE_URL.sub(lambda m: f"<{m.group(0)}>", markdown)


def end_quotes(markdown: str) -> str:
    """A blank line after a block quote's line when a plain line follows it: the templates write the quote's
    source right under it (alerts), which CommonMark would take into the quote ("lazy continuation")."""
    lines = markdown.split("\n")
    out: list[str] = []
    for previous, line in zip(["", *lines], lines, strict=False):
        if QUOTE_LINE.match(previous) and line.strip() and not QUOTE_LINE.match(line):
            out.append("")
        out.append(line)
    return "\n".join(out)


def keep_lines(markdown: str) -> str:
    """The templates' line breaks kept: Markdown joins the lines of a paragraph (a quote's source line would run
    on after the quote), so every line followed by another ends in a hard break (two spaces; CommonMark ignores
    them at the end of a block)."""
    lines = markdown.split("\n")
    return "\n".join(
        line + "  " if line.strip() and index + 1 < len(lines) and lines[index + 1].strip() else line
        for index, line in enumerate(lines)
    )


class LeftHeading(Heading):
    """Every heading flush left (rich centres the first level): a briefing's title reads like its stories'."""

    LEVEL_ALIGN: ClassVar = dict.fromkeys(("h1", "h2", "h3", "h4", "h5", "h6"), "left")


class SpacedList(ListElement):
    """Numbered quotes with a blank line between them (rich packs list items tight)."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if self.list_type == "bullet_list_open":
            for item in self.items:
                yield from item.render_bullet(console, options)
            return
        number = 1 if self.list_start is None else self.list_start
        last = number + len(self.items)
        for index, item in enumerate(self.items):
            if index:
                yield Segment("\n")
            yield from item.render_number(console, options, number + index, last)


class NewsMarkdown(Markdown):
    elements: ClassVar = {
        **Markdown.elements,
        "heading_open": LeftHeading,
        "ordered_list_open": SpacedList,
        "bullet_list_open": SpacedList,
    }


def terminal_markdown(markdown: str) -> NewsMarkdown:
    """The renderable for one result's Markdown."""
    return NewsMarkdown(keep_lines(end_quotes(links_once(bare_urls(markdown)))), hyperlinks=True)


# Spaces rich pads a line with up to the terminal's width (before the line's closing style codes, if any).
PADDING = re.compile(r" +((?:\x1b\[[0-9;]*m|\x1b\]8;[^\x1b]*\x1b\\)*)$", re.MULTILINE)


def print_markdown(markdown: str, stream: TextIO | None = None) -> None:
    """Render ``markdown`` on ``stream`` (default: stdout as it is now, so the session's redirection holds), with
    styles even through a pipe (``--format rich | less -R``) and without the padding rich adds to every line."""
    out = stream or sys.stdout
    console = Console(file=out, theme=THEME, highlight=False, force_terminal=True)
    with console.capture() as captured:
        console.print(terminal_markdown(markdown))
    out.write(PADDING.sub(r"\1", captured.get()))
    out.flush()
