"""Article text for Discord, shown exactly as written: escaping, neutralising Discord's ``<…>`` syntax, and cutting
long text into parts without ever separating an escape from its character or splitting a grapheme.

Long text is split first (raw, at paragraph, sentence or word boundaries, else between two graphemes) and each part
is escaped afterwards, so every part renders correctly on its own: no part ends in a lone ``\\`` and none begins
with an unescaped ``*``. Graphemes (user-perceived characters: 👍🏽, 🇯🇵, e + combining accent) come from the
``regex`` module's ``\\X``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import discord
import regex

# Discord draws <@1>, <@&1>, <#1>, <t:0>, <:name:1>, </cmd:1> and <https://…> as chips, dates, emoji or bare links
# even when nothing pings. An invisible WORD JOINER after "<" keeps article text as written on screen.
WORD_JOINER = "\u2060"
_TAG = re.compile(r"<(?=[^\s<])")
_ORDERED_LIST = re.compile(r"^(\s*\d+)\.(?=\s)", re.MULTILINE)  # "1. " at a line start would become a list
_SENTENCE_END = re.compile(r"[.!?。！？]\s*")
_GRAPHEME = regex.compile(r"\X")
NEAR_END = 3  # a boundary is used when it lies in the last 2/3 of the room; else the cut is between graphemes

Measure = Callable[[str], int]


def neutralise(text: str) -> str:
    """Mention, channel, role, timestamp and emoji syntax shown as text, not as chips (for titles and labels)."""
    return _TAG.sub("<" + WORD_JOINER, text or "")


def esc(text: str) -> str:
    """Article-derived text exactly as written: Markdown escaped and Discord's ``<…>`` syntax neutralised
    (mentions never ping anyway: allowed_mentions is none)."""
    escaped = discord.utils.escape_markdown(text or "", as_needed=False)
    return neutralise(_ORDERED_LIST.sub(r"\1\\.", escaped))


def boundaries(text: str) -> list[int]:
    """Offsets between graphemes (0 and len(text) included)."""
    return [0, *(m.end() for m in _GRAPHEME.finditer(text))]


def clip(text: str, limit: int) -> str:
    """For titles and labels only (never quotes): shorten with a visible ellipsis, between two graphemes and never
    right after an escaping backslash."""
    if len(text) <= limit:
        return text
    cut = max(b for b in boundaries(text[:limit]) if b <= limit - 1)
    while cut and _escape_open(text, cut):
        cut -= 1
    return text[:cut].rstrip() + "…"


def _escape_open(text: str, cut: int) -> bool:
    """Whether ``text[:cut]`` ends in an odd run of backslashes (an escape waiting for its character)."""
    run = len(text[:cut]) - len(text[:cut].rstrip("\\"))
    return run % 2 == 1


def _fit(text: str, limit: int, measure: Measure, grapheme_ends: list[int]) -> int:
    """The longest prefix, ending between graphemes, whose measure is within ``limit`` (at least one grapheme)."""
    lo, hi = 1, len(grapheme_ends) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if measure(text[: grapheme_ends[mid]]) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return grapheme_ends[lo]


def _cut(window: str, grapheme_ends: set[int]) -> int:
    """Where to cut ``window``: after its last paragraph, sentence or word break near the end, else at its end."""
    floor = len(window) // NEAR_END
    newline = window.rfind("\n")
    sentence = max((m.end() for m in _SENTENCE_END.finditer(window) if m.end() < len(window)), default=-1)
    for cut in (max(newline, sentence), window.rfind(" ")):
        if cut >= floor and cut in grapheme_ends:
            return cut
    return len(window)


def split_text(text: str, limit: int, measure: Measure = len, escaped: bool = False) -> list[str]:
    """Split ``text`` into parts whose ``measure`` (e.g. the length once escaped) is at most ``limit``.

    Raw text is split between graphemes; ``escaped=True`` (already escaped text, the packer's safety net) also
    keeps every backslash with the character it escapes."""
    parts: list[str] = []
    rest = text
    while rest and measure(rest) > limit:
        ends = boundaries(rest)
        end = _fit(rest, limit, measure, ends)
        cut = _cut(rest[:end], set(ends))
        while escaped and cut > 1 and _escape_open(rest, cut):
            cut = max(b for b in ends if b < cut)
        parts.append(rest[:cut].rstrip())
        rest = _skip_spaces(rest[cut:])
    if rest or not parts:
        parts.append(rest)
    return [p for p in parts if p] or [""]


def _skip_spaces(text: str) -> str:
    """Drop the whitespace a cut left at the start of the next part, whole graphemes only."""
    for m in _GRAPHEME.finditer(text):
        if not m.group().isspace():
            return text[m.start() :]
    return ""


def blockquote(text: str) -> str:
    return "\n".join("> " + line if line.strip() else ">" for line in text.splitlines() or [""])


def quoted_parts(text: str, room: int) -> list[str]:
    """Raw text as block-quoted, escaped parts of at most ``room`` characters each (one part when it fits)."""
    return [blockquote(esc(p)) for p in split_text(text, room, lambda s: len(blockquote(esc(s))))]


_LINK = re.compile(r"\[((?:\\.|[^\]\\])*)\]\(https?://[^)\s]*\)")
_INVISIBLE = frozenset("\u200b\u2060")


def shown_len(markdown: str) -> int:
    """How many characters a reader sees for Markdown this module built: a masked link shows its label, an escape
    shows the character it escapes, the ``*`` of bold and italics and the invisible joiners show nothing. What a
    page for a phone is measured by (``bot.render_compact``)."""
    text = _LINK.sub(r"\1", markdown)
    n, i = 0, 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            n += 1
            i += 2
            continue
        if ch != "*" and ch not in _INVISIBLE:
            n += 1
        i += 1
    return n
