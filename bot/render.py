"""Answers and briefings as Discord embeds, within Discord's limits.

Limits: 2,000 characters of content per message, 4,096 per embed description, 1,024 per field, 25 fields,
10 embeds and 6,000 characters of embeds per message. Content is laid out as blocks (one quote, one story);
blocks are packed into embed descriptions and embeds into messages. A block that is too long on its own is split
at sentence or word boundaries into explicitly marked parts ("part 1/2 … continues"): a quote is never cut
silently. No Discord calls here: functions return ``discord.Embed`` lists that the cogs send. Answers, timelines
and alerts are laid out for a phone in ``bot.render_compact`` from the pieces here.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from index import (
    Answer,
    Briefing,
    Quote,
    SpeakerQuotes,
    StoryView,
    briefing_view,
    clip_words,
    say,
    shown_language,
)
from index import briefing_markdown as render_briefing_markdown

from .text import WORD_JOINER as WORD_JOINER  # re-exported: extensions format through render
from .text import blockquote, clip, esc, neutralise, quoted_parts, split_text

DESCRIPTION_LIMIT = 4096
EMBED_TOTAL_LIMIT = 6000
CONTENT_LIMIT = 2000
FIELD_LIMIT = 1024
MAX_EMBEDS = 10
TITLE_LIMIT = 256
HEADLINE_LIMIT = 200  # a story's headline in bold: cut at a word beyond this
# Room kept free in a description for the part markers a split adds.
BLOCK_BUDGET = 3900
MARKER_ROOM = 60  # "*(quote part 12/13 — continues)*" and the line break after it
MIN_PART = 500  # a part is never shorter than this, whatever the head and tail of its block take
MAX_FAILURES_SHOWN = 15  # failed items listed in a report; the rest are in the admin log
# A source's link longer than this is not made: a few ingested URLs of thousands of characters would push an answer
# past Discord's 4,096-character description, and the layout budgets count visible text, not link targets.
MAX_LINK_URL = 500

COLOR_ANSWER = 0x2B6CB0
COLOR_NO_ANSWER = 0x718096
COLOR_BRIEFING = 0xC05621
VERBATIM = "✓ verbatim"

Page = list[discord.Embed]


def link(title: str, url: str | None) -> str:
    label = esc(clip(title or "untitled", 200)).replace("[", "(").replace("]", ")")
    if url and url.startswith(("http://", "https://")) and len(url) <= MAX_LINK_URL:
        return f"[{label}]({url.replace('(', '%28').replace(')', '%29').replace(' ', '%20')})"
    return label


def language_label(q: Quote, question_language: str | None = None) -> str:
    """The label beside a quote in another language than the question's (unknown: English), e.g. "in Russian":
    the terminal's rule (``index.shown_language``), so a Russian question's English quotes say so too."""
    code = shown_language(q.language, question_language)
    return say("quote_language", code=code) if code else ""


def quote_meta(q: Quote, question_language: str | None = None) -> str:
    parts = [f"**{esc(q.source)}**", link(q.title, q.url)]
    if q.date:
        parts.append(q.date)
    parts.append(f"¶{q.paragraph}")
    if label := language_label(q, question_language):
        parts.append(label)
    parts.append(VERBATIM)
    if q.confidence:  # the calibrated label, never the raw score
        parts.append(f"**{q.confidence}**" if q.confidence == "strong match" else q.confidence)
    return "— " + " · ".join(parts)


def also_in(q: Quote) -> str:
    if not q.also_in:
        return ""
    names = [link(f"{r.source}", r.url) for r in q.also_in]
    return "*also in:* " + ", ".join(names)


def part_marker(i: int, n: int, what: str = "quote ") -> str:
    return f"*({what}part {i}/{n}{' — continues' if i < n else ''})*"


def quote_blocks(q: Quote, number: int | None = None, tail: str | None = None) -> list[str]:
    """One quote as one block, or several marked parts when it cannot fit one embed description; ``tail`` replaces
    the attribution lines under it (the briefing names a story's titles once).

    Parts are cut from the raw quote and escaped one by one (``bot.text``): each renders as written on its own."""
    head = f"**{number}.** " if number is not None else ""
    if tail is None:
        tail = "\n".join(filter(None, [quote_meta(q), also_in(q)]))
    quoted = blockquote(esc(q.text))
    block = f"{head}\n{quoted}\n{tail}" if head else f"{quoted}\n{tail}"
    if len(block) <= BLOCK_BUDGET:
        return [block]
    room = BLOCK_BUDGET - len(head) - len(tail) - MARKER_ROOM
    parts = quoted_parts(q.text, max(room, MIN_PART))
    n = len(parts)
    return [
        f"{head}{part_marker(i, n)}\n{part}" + ("\n" + tail if i == n else "")
        for i, part in enumerate(parts, 1)
    ]


def paragraph_blocks(head: str, text: str) -> list[str]:
    """A whole paragraph ("Full passage"), in marked parts when it is longer than one embed description."""
    block = f"{head}\n{esc(text)}"
    if len(block) <= BLOCK_BUDGET:
        return [block]
    parts = split_text(text, BLOCK_BUDGET - len(head) - MARKER_ROOM, lambda s: len(esc(s)))
    n = len(parts)
    return [f"{head} {part_marker(i, n, '')}\n{esc(part)}" for i, part in enumerate(parts, 1)]


def embed_size(e: discord.Embed) -> int:
    return len(e)


def pack(
    blocks: Sequence[str],
    *,
    title: str,
    color: int,
    footer: str = "",
    url: str | None = None,
    first_description: str = "",
) -> list[Page]:
    """Blocks -> embeds (description <= 4,096) -> pages (<= 10 embeds and <= 6,000 characters each)."""
    descriptions: list[str] = []
    current = first_description
    for block in blocks:
        for piece in split_text(block, BLOCK_BUDGET, escaped=True):  # blocks are built to fit: a safety net
            candidate = f"{current}\n\n{piece}" if current else piece
            if len(candidate) > DESCRIPTION_LIMIT:
                descriptions.append(current)
                current = piece
            else:
                current = candidate
    if current or not descriptions:
        descriptions.append(current or "\u200b")
    pages: list[Page] = []
    page: Page = []
    total = 0
    title = clip(title, TITLE_LIMIT)
    for i, desc in enumerate(descriptions):
        e = discord.Embed(
            title=title if i == 0 else None, description=desc, color=color, url=url if i == 0 else None
        )
        size = embed_size(e) + len(footer)
        if page and (total + size > EMBED_TOTAL_LIMIT or len(page) >= MAX_EMBEDS):
            pages.append(page)
            page, total = [], 0
        page.append(e)
        total += size
    if page:
        pages.append(page)
    if footer:
        for n, p in enumerate(pages, 1):
            suffix = f" · part {n}/{len(pages)}" if len(pages) > 1 else ""
            p[-1].set_footer(text=clip(footer + suffix, 2048))
    return pages


def describe_filters(filters: dict) -> str:
    shown = {k: v for k, v in filters.items() if k != "scopes"}
    return ", ".join(f"{k}: {v}" for k, v in shown.items())


def answer_footer(answer: Answer, offset: int) -> str:
    searched = answer.searched or {}
    bits = []
    if "paragraphs" in searched:
        bits.append(f"searched {searched['paragraphs']:,} paragraphs")
    flt = describe_filters(searched.get("filters") or {})
    if flt:
        bits.append(flt)
    if offset:
        bits.append(f"passages from #{offset + 1}")
    return " · ".join(bits)


def no_answer_text(answer: Answer) -> str:
    """The same no-answer sentences as the CLI (the catalogue's ``no_answer``/``no_answer_detail``)."""
    searched = answer.searched or {}
    lines = [f"**{say('no_answer', question=esc(answer.question))}**"]
    n = searched.get("paragraphs")
    if isinstance(n, int):
        flt = describe_filters(searched.get("filters") or {})
        lines.append(say("no_answer_detail", paragraphs=n, filters=f" ({esc(flt)})" if flt else ""))
    lines.append(say("bot_nearest_misses" if answer.nearest_misses else "bot_nothing_close"))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------- briefing
def story_block(s: StoryView) -> list[str]:
    """One story of the briefing (the same view as the Markdown): headline once, what changed, quotes, sources."""
    flag = " 🔄" if s.developing else ""
    head = f"**{s.number}. {esc(clip_words(s.headline, HEADLINE_LIMIT))}**{flag}"
    lines = [head, esc(s.meta)]
    if s.changed:
        lines.append(esc(s.changed))
    blocks = ["\n".join(lines)]
    for q in s.quotes:
        cite = link(q.cite, q.url) if q.url else esc(q.cite)
        tail = " · ".join(filter(None, [f"— {cite}", VERBATIM, esc(q.also_in)]))
        for qb in quote_blocks(q.quote, tail=tail):
            if len(blocks[-1]) + len(qb) + 1 <= BLOCK_BUDGET:
                blocks[-1] += "\n" + qb
            else:
                blocks.append(qb)
    sources = f"*{esc(s.sources_label)}:* " + " · ".join(link(src.label, src.url) for src in s.sources)
    if len(blocks[-1]) + len(sources) + 1 <= BLOCK_BUDGET:
        blocks[-1] += "\n" + sources
    else:
        blocks.append(sources)
    return blocks


def briefing_title(b: Briefing) -> str:
    topic = f" — {neutralise(b.topic)}" if b.topic else ""
    return f"📰 Briefing for {neutralise(b.window_label)}{topic}"


def briefing_mark(date: str | None) -> str:
    """The start of every briefing page's footer: how a restarted bot finds the pages of an interrupted post."""
    return f"Briefing for {date}"


def render_briefing(b: Briefing) -> list[Page]:
    footer = f"{briefing_mark(b.date)} · full text attached as Markdown"
    view = briefing_view(b)
    if b.empty:
        return pack(
            [],
            title=briefing_title(b),
            color=COLOR_BRIEFING,
            footer=footer,
            first_description=esc(b.message or "No stories."),
        )
    intro = esc(view.summary)
    blocks = [blk for s in view.stories for blk in story_block(s)]
    if view.withheld:
        footer += f" · {view.withheld}"
    return pack(blocks, title=briefing_title(b), color=COLOR_BRIEFING, footer=footer, first_description=intro)


def briefing_chart_page(b: Briefing, alt_lines: Sequence[str], filename: str) -> Page:
    """The chart's page: the attached PNG shown in an embed, its text alternative (one line per story, the same
    numbers as the stories above) as the description; the footer marks it as a page of the day's briefing."""
    e = discord.Embed(
        title=say("bot_briefing_chart_title"),
        description=clip("\n".join(esc(line) for line in alt_lines), DESCRIPTION_LIMIT),
        color=COLOR_BRIEFING,
    )
    e.set_image(url=f"attachment://{filename}")
    e.set_footer(text=f"{briefing_mark(b.date)} · chart attached as PNG")
    return [e]


def briefing_markdown(b: Briefing) -> str:
    """The attachment: the same Markdown as the terminal, from ``prompts/briefing.md.j2``."""
    return render_briefing_markdown(b)


# ---------------------------------------------------------------------------------------------------- timeline
COLOR_TIMELINE = 0x2F855A


# ---------------------------------------------------------------------------------------------------- who said what
def render_speaker_quotes(r: SpeakerQuotes) -> list[Page]:
    """A speaker's statements, newest first, each as the answer's quote block with who said it and how."""
    names = r.speakers or [r.speaker]
    title = f"🗣️ {neutralise(say('quotes_heading', names=names, about=r.about))}"
    if not r.speakers:
        return pack(
            [],
            title=title,
            color=COLOR_NO_ANSWER,
            first_description=esc(say("quotes_unknown_speaker", speaker=r.speaker)),
        )
    if not r.statements:
        text = esc(say("quotes_none", speaker=r.speaker, names=r.speakers, about=r.about))
        return pack([], title=title, color=COLOR_NO_ANSWER, first_description=text)
    blocks: list[str] = []
    for i, s in enumerate(r.statements, 1):
        who = f"*{esc(say('quotes_as', speaker=s.speaker, phrase=s.phrase))}*"
        parts = quote_blocks(s.quote, i)
        blocks += [parts[0].replace("\n", f" {who}\n", 1), *parts[1:]]
    footer = say("quotes_count", n=len(r.statements))
    if r.dropped_unverified:
        footer += f" · {r.dropped_unverified} unverified statement(s) withheld"
    return pack(blocks, title=title, color=COLOR_ANSWER, footer=footer)


# ---------------------------------------------------------------------------------------------------- tracked questions
COLOR_ALERT = 0x2F855A


def alert_mark(alert_id: int | None) -> str:
    """The start of an alert's footer: how a bot that died mid-post finds whether the alert was posted."""
    return f"Alert #{alert_id}"


def tracked_line(t, alerts: int) -> str:  # index.track.Tracked
    where = f"<#{t.channel_id}>" if t.channel_id else "no channel"
    source = f" · only {esc(t.source)}" if t.source else ""
    return f"**#{t.id}** {esc(t.question)}\n{where}{source} · since {t.created_at[:10]} · {alerts} alert(s)"
