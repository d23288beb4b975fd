"""The briefing as a reader sees it, the same in the terminal, the Markdown file and Discord: a human window
("Tuesday 28 December 2004, UTC"), real plurals, labels only when they have something after them, each article
title written once, headlines cut at a word.

``briefing_view`` turns a ``Briefing`` into plain strings and links; ``prompts/briefing.md.j2`` lays them out as
Markdown (terminal and attachment) and ``bot/render.py`` as Discord embeds, so both say the same. Every sentence
comes from ``prompts/messages.toml``.

Titles once: the headline (the lead article's title) is the story's heading; a quote names its article's title only
when it is another article and not named yet; the sources list names each article by outlet, with its title only
when it has not been written above.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date as Date

from index.messages import render, say
from index.models import Briefing, Change, Quote, Story

_CLIP_TRAIL = re.compile(r"[\s,;:\-–—(\[/]+$")


def clip_words(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters, cut between two words and ended with "…" when it was longer (a
    single word longer than the limit is cut inside it: there is no better place)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: max(1, limit - 1)]
    space = head.rfind(" ")
    if space >= limit // 3:
        head = head[:space]
    head = _CLIP_TRAIL.sub("", head) or head
    return head + "…"


def human_day(day: str | Date | None, year: bool = False) -> str:
    """``Tuesday 28 December`` (with the year when asked); an unreadable day is shown as stored."""
    if day is None:
        return ""
    if isinstance(day, str):
        try:
            day = Date.fromisoformat(day[:10])
        except ValueError:
            return day
    return say("briefing_day", d=day, year=year)


def _link(url: str | None) -> str | None:
    """A web address fit for ``<…>`` in Markdown (spaces and angle brackets escaped); None for anything else."""
    if not url or not url.startswith(("http://", "https://")):
        return None
    return url.replace(" ", "%20").replace("<", "%3C").replace(">", "%3E")


@dataclass
class QuoteView:
    text: str
    cite: str  # "Wikinews, ¶2" or "CNN, “Another title”, ¶4"
    url: str | None
    also_in: str  # "also in USA Today, The Week" or ""
    quote: Quote


@dataclass
class SourceView:
    label: str  # "CNN" or "CNN, “Another title”"
    url: str | None


@dataclass
class StoryView:
    number: int
    headline: str
    url: str | None  # the lead article's link
    developing: bool
    meta: str  # "Developing since Monday 27 December · Wikinews · 1 article today, 3 in all"
    changed: str  # "What changed: …", or "" when nothing did
    quotes: list[QuoteView]
    sources_label: str  # "Source" / "Sources"
    sources: list[SourceView]
    story: Story


@dataclass
class BriefingView:
    heading: str  # "Briefing for Tuesday 28 December 2004, UTC"
    window: str
    summary: str  # "2 stories from 2 articles."
    message: str  # the empty briefing's sentence
    stories: list[StoryView] = field(default_factory=list)
    withheld: str = ""

    @property
    def empty(self) -> bool:
        return not self.stories


def briefing_view(b: Briefing) -> BriefingView:
    view = BriefingView(
        heading=say("briefing_heading", window=b.window_label, topic=b.topic),
        window=b.window_label,
        summary=say(
            "briefing_summary",
            shown=len(b.stories),
            total=max(b.n_stories, len(b.stories)),
            n_articles=b.n_articles,
            sources=b.sources,
        ),
        message=b.message,
    )
    view.stories = [story_view(n, s, b.default_window) for n, s in enumerate(b.stories, 1)]
    if b.dropped_unverified:
        view.withheld = say("briefing_withheld", n=b.dropped_unverified)
    return view


def story_view(number: int, s: Story, default_window: bool = False) -> StoryView:
    named = {s.headline}
    quotes = []
    for q in s.quotes:
        title = q.title if q.title and q.title not in named else None
        if title:
            named.add(title)
        quotes.append(
            QuoteView(
                text=q.text,
                cite=say("briefing_quote_cite", outlet=q.source, title=title, paragraph=q.paragraph),
                url=_link(q.url),
                also_in=say("briefing_also_in", outlets=list(dict.fromkeys(r.source for r in q.also_in)))
                if q.also_in
                else "",
                quote=q,
            )
        )
    sources = []
    articles = {a.article_id: a for a in s.articles}
    lead_first = sorted(articles.values(), key=lambda a: a.article_id != s.lead_article_id)
    for a in lead_first:
        title = a.title if a.title and a.title not in named else None
        if title:
            named.add(title)
        sources.append(SourceView(say("briefing_source", outlet=a.source, title=title), _link(a.url)))
    for a in s.background:  # earlier days' articles: always with their title and day (never the headline)
        label = say("briefing_source_earlier", outlet=a.source, title=a.title, day=human_day(a.date))
        sources.append(SourceView(label, _link(a.url)))
    lead = next((a for a in s.articles if a.article_id == s.lead_article_id), None)
    return StoryView(
        number=number,
        headline=s.headline,
        url=_link(lead.url) if lead else None,
        developing=s.developing,
        meta=story_meta(s, default_window),
        changed=changed_line(s.changes),
        quotes=quotes,
        sources_label=say("briefing_sources_label", n=len(sources)),
        sources=sources,
        story=s,
    )


def story_meta(s: Story, default_window: bool = False) -> str:
    """Developing since when, by whom, how many articles (today and over the look-back days)."""
    parts = []
    if s.developing and s.first_seen:
        parts.append(say("briefing_developing_since", day=human_day(s.first_seen)))
    if len(s.outlets) == 1:
        parts.append(say("briefing_outlets_one", outlet=s.outlets[0]))
    elif s.outlets:
        parts.append(say("briefing_outlets_many", n=len(s.outlets), outlets=s.outlets))
    n = len(s.articles)
    earlier = len(set(s.earlier_article_ids) - set(s.article_ids))
    if s.developing and earlier:
        when = say("briefing_in_window" if default_window else "briefing_today")
        parts.append(say("briefing_articles_developing", n=n, when=when, total=n + earlier))
    else:
        parts.append(say("briefing_articles", n=n))
    return " · ".join(parts)


def changed_line(changes: list[Change]) -> str:
    """One line of figures that changed, each an earlier article's words → today's words; "" when none did."""
    if not changes:
        return ""
    items = [
        say(
            "briefing_changed_item",
            before=f"“{c.before.text}”",
            before_day=human_day(c.before.date),
            today=f"“{c.today.text}”",
            outlets=list(dict.fromkeys([c.today.source, *(r.source for r in c.also_today)])),
        )
        for c in changes
    ]
    return say("briefing_changed", items=items)


def briefing_markdown(b: Briefing) -> str:
    """The briefing as Markdown through ``prompts/briefing.md.j2`` (CLI output, the bot's attachment)."""
    return render("briefing.md.j2", v=briefing_view(b))


__all__ = ["BriefingView", "StoryView", "briefing_markdown", "briefing_view", "clip_words", "human_day"]
