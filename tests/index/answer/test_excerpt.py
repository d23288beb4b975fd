"""A quote's best sentences for a phone (``index.excerpt``) and the Full passage's re-check (``Newsdesk.passage``)."""

from __future__ import annotations

import sqlite3

from index import Quote, excerpt, quote_digest

LEAD = "Relief agencies met in Geneva on Thursday to plan the next steps of the operation. "
EGELAND = (
    "On Monday of this week, Jan Egeland, the UN's chief of emergency relief, said that rich nations like the U.S. "
    'were being "stingy" by making small contributions. Egeland later recanted his statement, adding that '
    "America's contributions to Asia's tsunami relief was \"one of the most generous pledges so far.\""
)
TOLL = (
    "Rescue teams reached the northern coast on Tuesday after two days of heavy rain. "
    "The death toll has risen to nearly 60,000 people, officials said. "
    "Aid flights are expected to resume once the airport reopens."
)


def quote(text: str, start: int = 0, language: str | None = "en") -> Quote:
    return Quote(
        text=text,
        article_id="a",
        title="T",
        source="S",
        date=None,
        url=None,
        paragraph=1,
        paragraph_id=1,
        start=start,
        end=start + len(text),
        score=1.0,
        language=language,
    )


def test_a_quote_that_fits_is_shown_whole() -> None:
    q = quote(TOLL, start=10)
    ex = excerpt(q, "How many people died?", len(TOLL))
    assert ex.whole and ex.text == TOLL and (ex.start, ex.end) == (10, 10 + len(TOLL))


def test_the_sentence_that_answers_is_chosen_and_stays_a_verbatim_span() -> None:
    paragraph = LEAD + TOLL
    q = quote(TOLL, start=len(LEAD))
    ex = excerpt(q, "How many people died in the floods?", 120)
    assert ex.text == "The death toll has risen to nearly 60,000 people, officials said."
    assert paragraph[ex.start : ex.end] == ex.text  # offsets in the stored paragraph
    assert ex.cut_before and ex.cut_after


def test_a_statement_is_never_shown_without_the_sentence_that_recants_it() -> None:
    q = quote(EGELAND)
    first_sentence = EGELAND.index(" Egeland later")
    for room in (0, 80, first_sentence, len(EGELAND) - 1):
        ex = excerpt(q, "Who called rich nations stingy?", room)
        if "stingy" in ex.text:
            assert "recanted" in ex.text, room
    # the run that answers is chosen whole, over the room, rather than the qualifier alone
    assert excerpt(q, "Who called rich nations stingy?", first_sentence).text == EGELAND


def test_without_matching_terms_the_leading_sentence_is_shown() -> None:
    ex = excerpt(quote(TOLL), "What about the weather in Peru?", 100)
    assert ex.text.startswith("Rescue teams") and not ex.cut_before and ex.cut_after


def test_a_sentence_longer_than_the_limit_is_cut_at_a_word_break() -> None:
    long = "The committee said " + " ".join(f"item{i}" for i in range(300)) + "."
    ex = excerpt(quote(long), "What did the committee say?", 100, limit=100)
    assert len(ex.text) <= 100 and long.startswith(ex.text) and ex.cut_after
    assert long[len(ex.text)] == " "  # never inside a word
    no_spaces = "港湾" * 400
    ex = excerpt(quote(no_spaces, language="ja"), "港湾", 50, limit=50)
    assert ex.text == no_spaces[:50] and ex.cut_after


def test_passage_is_verified_again_against_the_store(wikinews_desk) -> None:
    answer = wikinews_desk.ask("How many people died in the tsunami?", k=1)
    (q,) = answer.quotes
    found = wikinews_desk.passage(q.paragraph_id, q.start, q.end, quote_digest(q.text))
    assert found is not None
    article, paragraph = found
    assert paragraph.text[q.start : q.end] == q.text and article.id == q.article_id
    assert wikinews_desk.passage(q.paragraph_id, q.start, q.end, quote_digest(q.text + "x")) is None
    assert wikinews_desk.passage(q.paragraph_id, q.start, 10**6, quote_digest(q.text)) is None
    assert wikinews_desk.passage(10**9, q.start, q.end, quote_digest(q.text)) is None
    # the stored paragraph changed after it was indexed (its checksum no longer matches): not shown
    path = wikinews_desk.data_dir / "newsdesk.db"
    with sqlite3.connect(path) as db:
        changed = paragraph.text[: q.end] + " (edited)" + paragraph.text[q.end :]
        db.execute("UPDATE paragraphs SET text = ? WHERE id = ?", (changed, q.paragraph_id))
    assert wikinews_desk.passage(q.paragraph_id, q.start, q.end, quote_digest(q.text)) is None
