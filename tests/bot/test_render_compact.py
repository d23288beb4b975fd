"""Pages for a phone without Discord: timelines over several pages, an alert, the Full passage components."""

from __future__ import annotations

import re
from dataclasses import replace

from bot import passage, render_compact
from index import Quote, Timeline, TimelineEntry, quote_digest, say, track
from tests.discord_emulator import displayed, validate_components, validate_message

SENTENCE = (
    "Officials in the province of {n} said on the day that the number of people confirmed dead had risen again, "
    "as rescue teams reached villages along the coast that had been cut off since the wave struck. "
)


def quote(n: int, date: str | None = "2004-12-28") -> Quote:
    text = (SENTENCE.format(n=f"P{n}") * 3).strip()
    return Quote(
        text=text,
        article_id=f"a{n}",
        title=f"Toll rises in province {n}",
        source="Wire",
        date=date,
        url=f"https://example.org/{n}",
        paragraph=2,
        paragraph_id=100 + n,
        start=40,
        end=40 + len(text),
        score=1.0,
        confidence="related",
    )


def seen(page) -> str:
    return "".join((e.title or "") + displayed(e.description or "") + (e.footer.text or "") for e in page)


def test_a_long_timeline_is_pages_that_each_fit_a_phone() -> None:
    days = ["2004-12-27", "2004-12-28", "2004-12-29"]
    entries = [TimelineEntry(days[i // 4], quote(i, days[i // 4])) for i in range(12)]
    t = Timeline("How many died?", entries, undated=[quote(99, None)], searched={"paragraphs": 500})
    pages = render_compact.timeline_pages(t)
    assert len(pages) > 1
    numbers = []
    for p in pages:
        assert validate_message({"embeds": [e.to_dict() for e in p.page]}) is None
        assert len(seen(p.page)) <= render_compact.PHONE_PAGE
        text = displayed(p.page[0].description or "")
        assert re.search(r"📅 \d{4}-\d{2}-\d{2}|Undated", text.split("\n\n")[0 if p is not pages[0] else 1])
        shown = [int(m) for m in re.findall(r"^(\d+)\. “", text, re.MULTILINE)]
        assert shown == [s.number for s in p.quotes]  # the menu numbers what the page shows
        numbers += shown
        view = passage.passage_view(p.quotes)
        assert view is not None
        assert validate_components(view.to_components()) is None
    assert numbers == list(range(1, 14))
    assert "dated passage" in (pages[0].page[0].description or "")  # the span, once, on the first page


def test_an_alert_fits_a_phone_and_names_every_outlet() -> None:
    alert = track.Alert(
        tracked_id=3,
        question="How many died in the province?",
        quote=quote(1),
        outlets=["Wire", "Coast Post", "Harbour Times"],
        story_key="s",
        day="2004-12-28",
        fired_at="2004-12-28T09:00:00+00:00",
        id=7,
    )
    page, shown = render_compact.alert_page(alert)
    text = seen(page)
    assert len(text) <= render_compact.PHONE_PAGE and "carried by 3 outlets" in text
    assert page[-1].footer.text.startswith("Alert #7 ·")  # how a restarted bot finds an alert it posted
    assert shown.excerpt.text in alert.quote.text and not shown.excerpt.whole  # its best sentences only


def test_full_passage_components_carry_the_quote_and_fit_discord() -> None:
    one = passage.passage_view([render_compact.Shown(1, quote(1), None)])  # type: ignore[arg-type]
    (button,) = one.children
    q = quote(1)
    assert button.custom_id == f"nd:psg:{q.paragraph_id}:{q.start}-{q.end}:{quote_digest(q.text)}"
    assert re.fullmatch(passage.PassageButton.__discord_ui_compiled_template__, button.custom_id)
    many = passage.passage_view([render_compact.Shown(n, quote(n), None) for n in range(1, 31)])  # type: ignore[arg-type]
    (menu,) = many.children
    options = menu.item.options
    assert len(options) == 25 and len({o.value for o in options}) == 25
    assert all(passage._KEY.fullmatch(o.value) for o in options)
    assert passage.passage_view([]) is None


def test_an_alert_labels_a_quote_by_the_tracked_questions_language() -> None:
    # the answers' rule (index.shown_language): a quote in the question's own language says nothing, another says its
    french = replace(quote(1), language="fr")

    def labelled(question_language: str | None) -> bool:
        alert = track.Alert(
            tracked_id=3,
            question="Combien de morts dans la province ?",
            quote=french,
            outlets=["Wire"],
            story_key="s",
            day="2004-12-28",
            fired_at="2004-12-28T09:00:00+00:00",
            id=7,
            language=question_language,
        )
        page, _ = render_compact.alert_page(alert)
        return say("quote_language", code="fr") in seen(page)

    assert not labelled("fr") and labelled("en") and labelled(None)
