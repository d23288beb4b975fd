"""What changed since the days before: figures of today's articles next to the same figure earlier, both verbatim."""

from __future__ import annotations

import numpy as np

from index.briefing import build_briefing
from index.briefing.changes import figures, same_kind
from index.briefing.types import ArticleContent
from index.briefing.view import briefing_markdown
from index.models import ArticleIn, Paragraph

from .wikinews import TSUNAMI, story_of


def content(*texts: str, cid: str = "a") -> ArticleContent:
    paragraphs = [Paragraph(n, cid, n, t, []) for n, t in enumerate(texts, 1)]  # one sentence per paragraph
    vectors = np.zeros((len(texts), 4), dtype=np.float32)
    return ArticleContent(cid, paragraphs, vectors, [False] * len(texts), vectors[0], len(texts))


def test_figures_are_numbers_with_a_unit_not_years_dates_or_names():
    c = content(
        "December 29 United States - 2004 MN4's risk was upgraded to Level 4 Dec. 24, giving it a 1 in 37 chance.",
        "The toll has risen to nearly 60,000 people reported dead, and the Bush administration pledged "
        "$350 million in aid; 42% of all spam comes from the US, officials said in 2004.",
        "The death toll might eventually approach 80,000 in Indonesia alone.",
    )
    found = {(f.value, f.unit, f.paragraph.text[f.start : f.end]) for f in figures(c)}
    assert (60_000, "peopl", "risen to nearly 60,000 people reported dead") in found
    assert (350e6, "$", "Bush administration pledged $350 million") in found
    assert any(v == 42 and u == "%" for v, u, _ in found)
    assert any(v == 37 and u == "chanc" for v, u, _ in found)
    values = {v for v, _, _ in found}
    assert not values & {29, 2004, 4, 24, 1, 80_000}  # dates, a year, a name, "1 in", no unit for 80,000


def test_durations_clock_times_and_grades_are_not_figures():
    c = content(
        "The queen, reigning for 70 years, will lie in state until a hearing at 8 p.m. ET, after a minute's "
        "silence of 15 minutes, as a Category 3 storm with sustained winds of 115 mph nears."
    )
    assert [(f.value, f.unit) for f in figures(c)] == [(115, "mph")]


def test_a_figure_many_times_another_is_another_figure():
    c = content(
        "President Biden will forgive $10,000 of student debt per borrower, the White House said on Wednesday.",
        "President Biden will forgive part of the $1.6 trillion in student debt, the White House said.",
        "President Biden will forgive up to $20,000 of student debt for Pell Grant recipients, the White House said.",
    )
    ten, trillion, twenty = figures(c)
    assert not same_kind(ten, trillion)  # a factor of 160 million: not the same figure moving
    assert same_kind(ten, twenty)


def test_figures_of_another_kind_are_not_compared():
    c = content(  # the sample's own sentences (28 and 29 December)
        "Health experts, such as Dr. David Nabarro, head of crisis operations at the World Health Organization "
        "(WHO), are predicting that as many as an additional 60,000 people could perish if disease spreads due "
        "to lack of safe drinking water, overcrowding in camps, and potential leaks of deadly toxins.",
        "The World Health Organization (WHO) estimates that 5 million people lack food, water or basic "
        "sanitation necessary for survival.",
    )
    perish, lack = figures(c)
    assert (
        perish.unit == lack.unit and len(perish.sentence & lack.sentence) >= 2
    )  # same WHO sentence words ...
    assert not same_kind(perish, lack)  # ... but nothing in common around the numbers


def test_the_tsunami_toll_changed_from_60000_to_80000(wiki):
    b = build_briefing(wiki, date="2004-12-29")
    story = story_of(b, TSUNAMI["2004-12-29"])
    (change,) = story.changes
    assert change.today.text == "passing 80,000 people"
    assert change.today.article_id == TSUNAMI["2004-12-29"] and change.today.date == "2004-12-29"
    assert change.before.text == "risen to nearly 60,000 people reported dead"
    assert change.before.article_id == TSUNAMI["2004-12-28"] and change.before.date == "2004-12-28"
    stored = wiki.store.paragraphs([change.today.paragraph_id, change.before.paragraph_id])
    for q in (change.today, change.before):  # verbatim: the stored paragraph's characters at the offsets
        assert stored[q.paragraph_id].text[q.start : q.end] == q.text
    md = briefing_markdown(b)
    assert (
        "What changed: “risen to nearly 60,000 people reported dead” on Tuesday 28 December → "
        "“passing 80,000 people” (Wikinews)"
    ) in md
    assert b.to_dict()["stories"][0]["changes"][0]["today"]["text"] == "passing 80,000 people"


def test_no_line_when_nothing_changed(wiki):
    for day in ("2004-12-28", "2004-12-31", "2005-01-03"):
        b = build_briefing(wiki, date=day)
        assert all(not s.changes for s in b.stories), day
        assert "What changed" not in briefing_markdown(b)


def test_the_same_figure_again_is_no_change_and_copies_are_named(make_desk):
    desk = make_desk()
    lead = "The wildfire north of the city has destroyed {n} homes, fire officials said on {day}."
    more = {
        "d1": "Firefighters from three counties worked through the night to protect the valley's vineyards.",
        "d2": "Evacuation orders were extended to two more villages as dry winds picked up in the afternoon.",
        "d3": "Aircraft dropped retardant along the ridge while schools in the valley stayed closed.",
    }

    def article(aid: str, day: str, n: str, source: str = "Daily", text: str = "") -> ArticleIn:
        weekday = {"2024-08-05": "Monday", "2024-08-06": "Tuesday", "2024-08-07": "Wednesday"}[day]
        return ArticleIn(
            paragraphs=[lead.format(n=n, day=weekday), more[text or aid]],
            title=f"Wildfire destroys {n} homes",
            source=source,
            date=day,
            external_id=aid,
        )

    desk.ingest_articles([article("d1", "2024-08-05", "120"), article("d2", "2024-08-06", "120")])
    same = build_briefing(desk, date="2024-08-06")
    assert same.stories[0].developing and same.stories[0].changes == []
    desk.ingest_articles(
        [article("d3", "2024-08-07", "150"), article("w3", "2024-08-07", "150", "Wire", "d3")]
    )
    b = build_briefing(desk, date="2024-08-07")
    (change,) = b.stories[0].changes
    assert change.before.text.endswith("120 homes") and change.today.text.endswith("150 homes")
    assert change.before.date == "2024-08-06"  # the latest day that gave the figure
    assert [r.source for r in change.also_today] == ["Wire"]
    assert "(Daily, Wire)" in briefing_markdown(b)
