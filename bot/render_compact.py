"""Pages that fit a phone: answers, timelines and alerts as at most ``PHONE_PAGE`` characters a reader sees.

A quote is one block: its number on its first line with the best one to three sentences of the verified passage
(``index.excerpt``: cut only where the stored text has a sentence boundary, an ellipsis where the quote goes on,
so what is shown is still verbatim), then one short source line (outlet · title linked · date · ¶ · label). When
the usual 3-5 quotes do not fit, the page shows fewer and leaves the rest to More passages; the whole paragraph
is one click away ("Full passage", ``bot.passage``). Excerpts run syntok and the tokenizer: callers render in a
worker thread, never on the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import discord

from index import Answer, Article, Excerpt, Paragraph, Quote, Timeline, clip_words, excerpt, say, speaker_note

from .render import (
    COLOR_ALERT,
    COLOR_ANSWER,
    COLOR_NO_ANSWER,
    COLOR_TIMELINE,
    TITLE_LIMIT,
    VERBATIM,
    Page,
    alert_mark,
    answer_footer,
    language_label,
    link,
    no_answer_text,
    pack,
    paragraph_blocks,
)
from .text import clip, esc, neutralise, shown_len

PHONE_PAGE = 1500  # characters a reader sees on one page: title, text, source lines, footer (a phone screen)
SOURCE_TITLE = 60  # a title on a source line is cut at a word beyond this
ALSO_IN = 40  # the outlets that carried the same text, cut at a word beyond this
TIMELINE_ROOM = 220  # characters of passage per timeline entry (one or two sentences of a dated report)
ALERT_ROOM = 450  # characters of passage in an alert: a notification, read at a glance
LONG_SENTENCE = 600  # a single sentence longer than this is cut at a word break on a timeline (rare)
ELLIPSES = 4  # room kept for the "… " before and the " …" after an excerpt
SEPARATOR = "\n\n"


@dataclass
class Shown:
    """A quote on a page: its number, the quote and the excerpt shown for it."""

    number: int
    quote: Quote
    excerpt: Excerpt


def source_line(q: Quote, date: bool = True, language: str | None = None) -> str:
    """One short line under a quote: outlet · title linked · date · ¶ · language (when not the question's
    ``language``; unknown: English) · the outlets of syndicated copies · label."""
    parts = [f"**{esc(q.source)}**", link(clip_words(q.title or "untitled", SOURCE_TITLE), q.url)]
    if date and q.date:
        parts.append(q.date[:10])
    parts.append(f"¶{q.paragraph}")
    if label := language_label(q, language):  # verbatim in its own language: say which
        parts.append(label)
    if q.also_in:  # syndicated copies: their outlets, briefly
        outlets = ", ".join(dict.fromkeys(r.source for r in q.also_in))
        parts.append(esc(say("bot_also_in_short", outlets=clip_words(outlets, ALSO_IN))))
    if q.confidence:  # the calibrated label, never the raw score
        parts.append(f"**{q.confidence}**" if q.confidence == "strong match" else q.confidence)
    return "— " + " · ".join(parts)


def quote_line(number: int | None, ex: Excerpt) -> str:
    """The number and the excerpt on one line, in quotation marks, "…" where the quote goes on."""
    head = f"**{number}.** " if number is not None else ""
    before = "… " if ex.cut_before else ""
    after = " …" if ex.cut_after else ""
    return f"{head}“{before}{esc(ex.text)}{after}”"


def block(s: Shown, date: bool = True, numbered: bool = True, language: str | None = None) -> str:
    return quote_line(s.number if numbered else None, s.excerpt) + "\n" + source_line(s.quote, date, language)


_EMPTY = Excerpt("", 0, 0, False, False)


def overhead(q: Quote, number: int, date: bool = True, language: str | None = None) -> int:
    """What a quote's block shows besides the excerpt's own characters (and the separator before it)."""
    return shown_len(block(Shown(number, q, _EMPTY), date, language=language)) + ELLIPSES + len(SEPARATOR)


def water_fill(lengths: Sequence[int], floors: Sequence[int], room: int) -> list[int]:
    """Each quote's room: its whole length when everything fits, else one common level, never below its floor
    (the best sentence it must show whole) nor above its length."""
    if sum(lengths) <= room:
        return list(lengths)
    lo, hi = 0, max(lengths)
    while lo < hi:  # the highest level whose rooms add up to at most ``room``
        mid = (lo + hi + 1) // 2
        if sum(min(n, max(f, mid)) for n, f in zip(lengths, floors, strict=True)) <= room:
            lo = mid
        else:
            hi = mid - 1
    return [min(n, max(f, lo)) for n, f in zip(lengths, floors, strict=True)]


def plan(
    quotes: Sequence[Quote],
    question: str,
    first: int,
    room: int,
    date: bool = True,
    language: str | None = None,
) -> list[Shown]:
    """As many of ``quotes`` (in order) as fit ``room`` visible characters, each with its best excerpt: fewer
    quotes rather than cut sentences; the first is always shown (cut at a word break if it must be)."""
    floors = [len(excerpt(q, question, 0).text) for q in quotes]
    for n in range(len(quotes), 0, -1):
        left = room - sum(overhead(q, first + i, date, language) for i, q in enumerate(quotes[:n]))
        if n == 1:
            ex = excerpt(quotes[0], question, max(left, 1), limit=max(left, 1))
            return [Shown(first, quotes[0], ex)]
        if sum(floors[:n]) > left:
            continue
        rooms = water_fill([len(q.text) for q in quotes[:n]], floors[:n], left)
        pairs = zip(quotes[:n], rooms, strict=True)
        shown = [Shown(first + i, q, excerpt(q, question, r)) for i, (q, r) in enumerate(pairs)]
        if sum(len(s.excerpt.text) for s in shown) <= left:
            return shown
    return []


def fixed_size(title: str, intro: str, footer: str) -> int:
    return len(title) + shown_len(intro) + (len(SEPARATOR) if intro else 0) + len(footer)


def page(
    title: str, color: int, intro: str, blocks: Sequence[str], footer: str, url: str | None = None
) -> Page:
    """One embed: the intro and the blocks in the description, the footer under it."""
    description = SEPARATOR.join(filter(None, [intro, *blocks])) or "\u200b"
    e = discord.Embed(title=title, description=description, color=color, url=url)
    if footer:
        e.set_footer(text=footer)
    return [e]


def title_of(text: str) -> str:
    return clip(neutralise(text), TITLE_LIMIT)


# ---------------------------------------------------------------------------------------------------- answers
def last_page(answer: Answer, shown: Sequence[Quote], k: int) -> bool:
    """Whether a page of ``k`` asked-for quotes that shows ``shown`` holds the last passage that passes the
    relevance bar: the core says none passes after its quotes (``Answer.last_page``, the terminal's rule) and the
    page showed every one of them (none was left for More passages to fit a phone)."""
    answered = bool(answer.quotes) and not answer.no_answer
    return answered and answer.last_page(k) and len(shown) == len(answer.quotes)


def answer_page(answer: Answer, offset: int = 0, *, k: int) -> tuple[list[Page], list[Quote]]:
    """An answer's page for a phone (``k``: the quotes it asked for), and the quotes it shows (the next page starts
    after them); an honest no-answer shows its nearest misses the same way. The page that shows the last passage
    passing the relevance bar ends by saying so, as the terminal's does (its More button is disabled)."""
    title = title_of(f"❓ {answer.question}")
    footer = answer_footer(answer, offset)
    end = ""
    if answer.no_answer or not answer.quotes:
        intro, quotes, first, color = no_answer_text(answer), answer.nearest_misses, 1, COLOR_NO_ANSWER
    else:
        intro, quotes, first, color = "", answer.quotes, offset + 1, COLOR_ANSWER
        note = speaker_note(answer)
        if note:
            intro = f"*{esc(note)}*"
        if answer.dropped_unverified:
            footer += f" · {answer.dropped_unverified} unverified passage(s) withheld"
        if answer.last_page(k):  # room kept for the closing sentence; said only if every quote fits
            end = f"*{esc(say('answer_last_page'))}*"
    footer = " · ".join(filter(None, [VERBATIM if quotes else "", footer.strip(" ·")]))
    room = PHONE_PAGE - fixed_size(title, intro, footer) - (shown_len(end) + len(SEPARATOR) if end else 0)
    shown = plan(quotes, answer.question, first, room, language=answer.language)
    blocks = [block(s, language=answer.language) for s in shown]
    if end and last_page(answer, [s.quote for s in shown], k):
        blocks.append(end)
    return [page(title, color, intro, blocks, footer)], [s.quote for s in shown]


# ---------------------------------------------------------------------------------------------------- timelines
@dataclass
class TimelinePage:
    """One timeline message: its embed and the quotes it numbers (for its Full passage menu)."""

    page: Page
    quotes: list[Shown]


def timeline_pages(t: Timeline) -> list[TimelinePage]:
    """A timeline as pages that each fit a phone: a day heading, then that day's passages, numbered across pages
    (a day that goes on to the next page has its heading again there); the undated ones after."""
    title = title_of(f"🗓️ {say('timeline_heading', question=t.question)}")
    if t.no_answer or not (t.entries or t.undated):
        text = f"**{say('no_answer', question=esc(t.question))}**\n{say('timeline_nothing_to_order')}"
        return [TimelinePage(page(title, COLOR_NO_ANSWER, text, [], ""), [])]
    footer = answer_footer(Answer(t.question, [], searched=t.searched), 0)
    if t.dropped_unverified:
        footer += f" · {t.dropped_unverified} unverified passage(s) withheld"
    footer = " · ".join(filter(None, [VERBATIM, footer.strip(" ·")]))
    groups = [(f"📅 **{day}**", [e.quote for e in entries], False) for day, entries in t.days]
    if t.undated:
        groups.append((f"**{say('timeline_undated_heading', n=len(t.undated))}**", list(t.undated), True))
    intro = say("timeline_span", n=len(t.entries), first=t.first, last=t.last, undated=len(t.undated))
    pages: list[TimelinePage] = []
    blocks: list[str] = []
    shown: list[Shown] = []
    number = 0
    room = PHONE_PAGE - fixed_size(title, intro, footer)

    def flush() -> None:
        nonlocal blocks, shown, room
        pages.append(
            TimelinePage(page(title, COLOR_TIMELINE, intro if not pages else "", blocks, footer), shown)
        )
        blocks, shown, room = [], [], PHONE_PAGE - fixed_size(title, "", footer)

    for heading, quotes, dated_apart in groups:
        heading_on_page = False
        for q in quotes:
            number += 1
            ex = excerpt(q, t.question, TIMELINE_ROOM, limit=LONG_SENTENCE)
            s = Shown(number, q, ex)
            text = block(s, date=dated_apart)
            need = shown_len(text) + len(SEPARATOR)
            if blocks and need + (0 if heading_on_page else shown_len(heading) + len(SEPARATOR)) > room:
                flush()
                heading_on_page = False
            if not heading_on_page:
                blocks.append(heading)
                room -= shown_len(heading) + len(SEPARATOR)
                heading_on_page = True
            blocks.append(text)
            shown.append(s)
            room -= need
    if blocks:
        flush()
    return pages


# ---------------------------------------------------------------------------------------------------- alerts
def alert_page(alert) -> tuple[Page, Shown]:  # index.track.Alert (bot imports index's public API only)
    """A tracked question's alert for a phone: the excerpt with its source, the outlets that carried it; and the
    quote it shows (for its Full passage button)."""
    title = title_of(f"🔔 {alert.question}")
    intro = say("bot_track_alert_intro", id=alert.tracked_id)
    footer = say("bot_track_alert_footer", mark=alert_mark(alert.id), id=alert.tracked_id) + f" · {VERBATIM}"
    outlets = ""
    if len(alert.outlets) > 1:
        outlets = say("bot_track_outlets", n=len(alert.outlets), outlets=esc(", ".join(alert.outlets)))
    room = PHONE_PAGE - fixed_size(title, intro, footer) - shown_len(outlets) - len(SEPARATOR)
    room -= overhead(alert.quote, 1, language=alert.language)
    shown = Shown(1, alert.quote, excerpt(alert.quote, alert.question, min(ALERT_ROOM, room), limit=room))
    blocks = [block(shown, numbered=False, language=alert.language), outlets]
    return page(title, COLOR_ALERT, intro, blocks, footer), shown


# ---------------------------------------------------------------------------------------------------- the full passage
def passage_pages(article: Article, paragraph: Paragraph) -> list[Page]:
    """The "Full passage": the quoted paragraph whole under its article's title (linked), then its source line; in
    marked parts when it is longer than an embed."""
    meta = [f"**{esc(article.source)}**"]
    if article.date:
        meta.append(article.date[:10])
    meta += [f"¶{paragraph.ordinal}", VERBATIM]
    text = [b.lstrip() for b in paragraph_blocks("", paragraph.text)]
    url = article.url if article.url and article.url.startswith(("http://", "https://")) else None
    blocks = [*text, "— " + " · ".join(meta)]
    return pack(blocks, title=neutralise(article.title or "untitled"), color=COLOR_ANSWER, url=url)
