"""The chart says something with one outlet (articles per day of each story, counts on the bars) and its panel
titles fit, cut at a word."""

from __future__ import annotations

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from matplotlib.text import Text

from index.briefing.chart import DAYS, StorySeries, figure

DAYS_SHOWN = [f"2004-12-{d}" for d in range(23, 30)]


def bars(ax) -> list:
    return [p for p in ax.patches if p.get_height() and p.get_width() < 1]


def test_one_outlet_gives_each_story_its_colour_and_counts_on_the_bars(wiki) -> None:
    chart = wiki.briefing_chart(wiki.briefing(date="2004-12-29"))
    fig = figure(chart.days, chart.series)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    colours = [{to_hex(p.get_facecolor()) for p in bars(ax)} for ax in panels]
    assert all(len(c) == 1 for c in colours) and len(set.union(*colours)) == len(panels)
    assert not fig.legends  # a one-entry legend says nothing ...
    assert fig.get_supxlabel() == "All articles from Wikinews"  # ... one line names the outlet
    assert fig.get_suptitle().startswith("Articles per day of each story, 23 Dec")
    for ax, s in zip(panels, chart.series, strict=True):
        assert [t.get_text() for t in ax.texts] == [str(n) for n in s.per_day() if n]


def test_several_outlets_keep_the_legend() -> None:
    series = [StorySeries(1, "A", 2, {"CNN": [0] * (DAYS - 1) + [1], "USA Today": [0] * (DAYS - 1) + [1]})]
    fig = figure(DAYS_SHOWN, series)
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["CNN", "USA Today"]
    assert fig.get_suptitle().startswith("Articles per day by outlet")
    assert [t.get_text() for t in fig.axes[0].texts] == ["2"]


def test_long_headlines_are_cut_at_a_word_until_they_fit() -> None:
    long = (
        "Security firm identifies United States as world's top spamming country, ahead of South Korea and "
        "China, in a report on the origin of junk mail"
    )
    for n in (1, 4):  # one column, and two columns (narrower panels)
        series = [StorySeries(i, long, 1, {"Wikinews": [0] * (DAYS - 1) + [1]}) for i in range(1, n + 1)]
        fig = figure(DAYS_SHOWN, series)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        renderer = canvas.get_renderer()
        for ax in (a for a in fig.axes if a.get_visible()):
            title = ax.get_title(loc="left")
            assert title.endswith("…")
            shown = title.split(". ", 1)[1][:-1]
            assert long.startswith(shown) and long[len(shown)] in " ,", title  # cut between two words
            text = next(t for t in ax.get_children() if isinstance(t, Text) and t.get_text() == title)
            assert text.get_window_extent(renderer).x1 <= ax.get_window_extent(renderer).x1 + 1
