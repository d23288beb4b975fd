"""A picture with the briefing: for each of the day's top stories, its articles per day over the last 7 days,
so an analyst sees at a glance what is new today and what has been developing all week.

Small multiples, one panel per story (numbered as in the briefing), a bar per day with its count written on it, the
briefing's day shaded; the panels share their y scale so story sizes compare. With several outlets the bars are
stacked by outlet (at most ``MAX_OUTLETS`` named in the legend, the rest "other outlets"); with one outlet a legend
of one colour says nothing, so each story gets its own colour and one line names the outlet. Made to be read at
Discord's preview size (~400 px wide): big fonts, day numbers only on the bottom row, panel titles cut at a word
until they fit the panel. A one-line-per-story text alternative says the same in words (the bot puts it in the
embed).

The counts come from the ``Briefing`` itself: a story's articles in the window (syndicated copies included) and the
earlier days' articles it continues (``earlier_article_ids``), each placed on its local day in the briefing's time
zone (as the briefing places them) by reading its date from the store. Nothing is embedded.

matplotlib is driven through its object API only (``Figure`` + ``FigureCanvasAgg``): no pyplot, no global backend
switch, so rendering is safe in a worker thread and importing this module costs nothing (matplotlib loads on the
first render).
"""

from __future__ import annotations

import io
import logging
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date as Date
from datetime import timedelta
from typing import TYPE_CHECKING

from index.briefing.view import clip_words, human_day
from index.briefing.window import local_day, time_zone
from index.messages import say
from index.models import Briefing
from index.store.articles import Store

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text

log = logging.getLogger(__name__)

DAYS = 7  # the briefing's day and the six before it
MAX_OUTLETS = 7  # outlets named in the legend (most articles first); the rest share one grey
WIDTH_IN, DPI = 8.0, 100  # 800 px wide: Discord previews it at about half that
PANEL_IN, LEGEND_IN = 2.1, 1.6  # height of one row of panels, and of the title and legend
FONT = {"title": 19, "panel": 16, "ticks": 14, "legend": 14}
LEGEND_CHARS = 24  # an outlet's name in the legend, cut at a word beyond this
MAX_TITLE_CHARS = {1: 72, 2: 36}  # more than ever fits a panel, by number of columns: the first, rough cut
MIN_TITLE_CHARS = 8  # a panel title is never cut shorter than this (its number still says which story)
COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]
OTHER_COLOUR = "#9e9e9e"
TODAY_SHADE = "#fff1c1"


@dataclass
class StorySeries:
    """One story's bars: articles per day (oldest first, ``DAYS`` values) for each outlet."""

    number: int  # the story's number in the briefing
    headline: str
    today: int  # articles in the briefing's window (the story's ``articles``)
    by_outlet: dict[str, list[int]] = field(default_factory=dict)

    @property
    def week(self) -> int:
        return sum(sum(v) for v in self.by_outlet.values())

    @property
    def outlets(self) -> int:
        return sum(1 for v in self.by_outlet.values() if sum(v))

    def per_day(self) -> list[int]:
        return [sum(v[i] for v in self.by_outlet.values()) for i in range(DAYS)]


@dataclass
class BriefingChart:
    """The PNG, its text alternative (one line per story) and the counts it was drawn from."""

    png: bytes
    alt_lines: list[str]
    days: list[str]  # ISO days, oldest first; the last is the briefing's day
    series: list[StorySeries]

    @property
    def alt(self) -> str:
        return "\n".join(self.alt_lines)

    @property
    def filename(self) -> str:
        return f"briefing-chart-{self.days[-1]}.png"


def briefing_chart(store: Store, b: Briefing) -> BriefingChart | None:
    """The chart of a briefing; None when it has no stories (nothing to draw, and no error)."""
    if b.empty:
        return None
    days, series = chart_data(store, b)
    return BriefingChart(render_png(days, series), alt_lines(b, series), days, series)


def chart_days(b: Briefing) -> list[Date]:
    last = Date.fromisoformat(b.date[:10])
    return [last - timedelta(days=DAYS - 1 - i) for i in range(DAYS)]


def chart_data(store: Store, b: Briefing) -> tuple[list[str], list[StorySeries]]:
    """Per story and outlet, articles per local day over the ``DAYS`` ending on the briefing's day."""
    tz = time_zone(b.timezone)
    days = chart_days(b)
    slot = {d: i for i, d in enumerate(days)}
    wanted = [aid for s in b.stories for aid in (*s.article_ids, *s.earlier_article_ids)]
    articles = store.articles(wanted)
    series = []
    for n, story in enumerate(b.stories, 1):
        one = StorySeries(n, story.headline, len(story.articles))
        for aid in dict.fromkeys((*story.article_ids, *story.earlier_article_ids)):
            article = articles.get(aid)
            day = local_day(article, tz)[0] if article is not None else None
            if day not in slot:
                continue  # deleted meanwhile, undated, or the eighth day back
            one.by_outlet.setdefault(article.source, [0] * DAYS)[slot[day]] += 1  # type: ignore[union-attr]
        series.append(one)
    return [d.isoformat() for d in days], series


def alt_lines(b: Briefing, series: list[StorySeries]) -> list[str]:
    """The chart in words, one line per story: what a screen reader (or a text-only client) gets instead."""
    return [
        say(
            "briefing_chart_alt",
            number=s.number,
            title=s.headline,
            today=s.today,
            when="in the last 24 hours" if b.default_window else "on " + human_day(b.date),
            week=s.week,
            days=DAYS,
            outlets=s.outlets,
        )
        for s in series
    ]


def _plain(text: str) -> str:
    """Text drawn as written: matplotlib would read ``$…$`` in a headline or outlet name as mathematics."""
    return text.replace("$", r"\$")


def outlet_colours(series: list[StorySeries]) -> dict[str, str]:
    """The outlets with most articles (all stories) get a colour each; the others share the grey."""
    totals: Counter[str] = Counter()
    for s in series:
        for outlet, counts in s.by_outlet.items():
            totals[outlet] += sum(counts)
    ranked = sorted(totals, key=lambda o: (-totals[o], o.lower()))
    return {o: COLOURS[i] if i < MAX_OUTLETS else OTHER_COLOUR for i, o in enumerate(ranked)}


def figure(days: list[str], series: list[StorySeries]) -> Figure:
    """The small multiples: one panel per story, stacked bars (one segment per outlet) per day."""
    from matplotlib.figure import Figure  # loads matplotlib on the first chart only
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    cols = 1 if len(series) <= 3 else 2
    rows = math.ceil(len(series) / cols)
    fig = Figure(figsize=(WIDTH_IN, rows * PANEL_IN + LEGEND_IN), dpi=DPI, layout="constrained")
    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False).ravel()
    colours = outlet_colours(series)
    one_outlet = len(colours) <= 1
    x = list(range(DAYS))
    top = max((max(s.per_day()) for s in series), default=0)
    titles: list[tuple[Text, Axes, StorySeries]] = []
    for n, (ax, s) in enumerate(zip(axes, series, strict=False)):
        ax.axvspan(DAYS - 1.5, DAYS - 0.5, color=TODAY_SHADE, zorder=0)
        bottom = [0] * DAYS
        for outlet in sorted(s.by_outlet, key=lambda o: (-sum(s.by_outlet[o]), o.lower())):
            counts = s.by_outlet[outlet]
            colour = COLOURS[n % len(COLOURS)] if one_outlet else colours[outlet]
            ax.bar(x, counts, bottom=bottom, color=colour, width=0.75, zorder=2)
            bottom = [a + c for a, c in zip(bottom, counts, strict=True)]
        for day, total in enumerate(bottom):
            if total:  # the count on the bar: "1" on a one-article day reads better than a y axis
                ax.annotate(
                    str(total),
                    (day, total),
                    xytext=(0, 2),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize=FONT["ticks"],
                    zorder=3,
                )
        # Cut once by a generous character count so the layout can place the panels; then fit to the drawn width.
        head = _plain(f"{s.number}. {clip_words(s.headline, MAX_TITLE_CHARS[cols])}")
        titles.append((ax.set_title(head, fontsize=FONT["panel"], loc="left"), ax, s))
        ax.tick_params(labelsize=FONT["ticks"])
        ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=3, min_n_ticks=1))
        ax.spines[["top", "right"]].set_visible(False)
    for ax in axes[len(series) :]:
        ax.set_visible(False)
    axes[0].set_xticks(x, [str(Date.fromisoformat(d).day) for d in days])
    axes[0].set_xlim(-0.6, DAYS - 0.4)
    axes[0].set_ylim(0, max(1, top) * 1.3)  # room for the counts above the highest bar
    first, last = Date.fromisoformat(days[0]), Date.fromisoformat(days[-1])
    title = "briefing_chart_title_story" if one_outlet else "briefing_chart_title"
    fig.suptitle(
        say(title, first=f"{first.day} {first:%b}", last=f"{last.day} {last:%b %Y}"),
        fontsize=FONT["title"],
    )
    if one_outlet:
        if colours:
            outlet = clip_words(next(iter(colours)), LEGEND_CHARS)
            fig.supxlabel(_plain(say("briefing_chart_one_outlet", outlet=outlet)), fontsize=FONT["legend"])
    else:
        named = [o for o, c in colours.items() if c != OTHER_COLOUR]
        handles = [Patch(color=colours[o], label=_plain(clip_words(o, LEGEND_CHARS))) for o in named]
        if len(named) < len(colours):
            handles.append(Patch(color=OTHER_COLOUR, label=say("briefing_chart_other_outlets")))
        fig.legend(
            handles=handles,
            loc="outside lower center",
            ncol=min(3, len(handles)),
            fontsize=FONT["legend"],
            frameon=False,
        )
    _fit_titles(fig, titles)
    return fig


def _fit_titles(fig: Figure, titles: list[tuple[Text, Axes, StorySeries]]) -> None:
    """Cut each panel's headline at a word, with "…", until its title ends within the panel's right edge (measured
    as drawn, so wide letters and narrow ones are both right)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()  # the constrained layout places the panels; titles only add height, not width
    renderer = canvas.get_renderer()
    for text, ax, s in titles:
        right = ax.get_window_extent(renderer).x1
        limit = len(text.get_text())
        while text.get_window_extent(renderer).x1 > right and limit > MIN_TITLE_CHARS:
            limit -= 2
            text.set_text(_plain(f"{s.number}. {clip_words(s.headline, limit)}"))


def render_png(days: list[str], series: list[StorySeries]) -> bytes:
    """The figure as PNG bytes through the Agg canvas (no metadata: the same data gives the same bytes)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = figure(days, series)
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


__all__ = ["BriefingChart", "StorySeries", "briefing_chart", "chart_data", "figure"]
