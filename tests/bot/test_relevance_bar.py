"""Issue 21 on Discord, end to end (the real client against the loopback Discord, the real model and index, the
bundled Wikinews sample): the page that shows the last passage passing the relevance bar says so and disables More
(the terminal's rule, ``Answer.last_page``); More past the last passage says so too; each quote carries its
calibrated label, never the raw score; a Russian question's English quotes say "in English", as in the terminal.

What the core returns for each question is read from the bot's own desk first, so the tests follow the bar and
the model rather than fixed counts."""

from __future__ import annotations

import re
from typing import Any

from bot.converters import make_filters
from index import Answer, render, say
from tests.bot.helpers import component, replies, text_of
from tests.discord_emulator import displayed

SOPHOS = "Which country sends the most spam according to Sophos?"  # a few passages pass the bar
ELECTION = "Who won the Ukrainian presidential election?"  # more than one page of passages pass it
RUSSIAN = "Кто победил на выборах президента Украины?"  # the sample is English
LAST = say("answer_last_page")
QUOTE_LINE = re.compile(r"^\*\*\d+\.\*\* “")


def opt(name: str, value: object, type_: int = 3) -> dict:
    return {"name": name, "type": type_, "value": value}


async def core(w, question: str, k: int, offset: int = 0) -> Answer:
    """What the core answers to the question /ask asks in server Alpha (its filters and scopes)."""
    return await w.bot.ask(question, k=k, filters=make_filters(w.alpha.id), offset=offset)


def more_disabled(msg: dict[str, Any]) -> bool:
    return bool(component(msg, label="More passages").get("disabled"))


def description(msg: dict[str, Any]) -> str:
    return displayed("\n".join(e.get("description") or "" for e in msg.get("embeds") or []))


def quotes_on(msg: dict[str, Any]) -> int:
    return sum(
        1 for line in (msg["embeds"][0].get("description") or "").split("\n") if QUOTE_LINE.match(line)
    )


async def ask(w, question: str, k: int) -> dict[str, Any]:
    token = await w.emu.slash("ask", w.alpha, w.user, options=[opt("question", question), opt("k", k, 4)])
    (msg,) = await replies(w.emu, token)
    return msg


async def more(w, msg: dict[str, Any]) -> dict[str, Any]:
    press = await w.emu.click(msg, component(msg, label="More passages")["custom_id"], w.alpha, w.user)
    (page,) = await replies(w.emu, press, timeout=60)
    return page


async def test_fewer_quotes_than_the_page_size_end_with_the_sentence_and_more_is_disabled(world) -> None:
    w, start = world
    await start()
    answer = await core(w, SOPHOS, 5)
    assert 0 < len(answer.quotes) < 5 and answer.last_page(5)  # the bar stopped it: the terminal says so
    assert LAST in render("answer.md.j2", answer=answer, offset=0, k=5)
    msg = await ask(w, SOPHOS, 5)
    assert quotes_on(msg) == len(answer.quotes)
    assert description(msg).rstrip().endswith(LAST)  # the last thing on the page
    assert more_disabled(msg)


async def test_only_the_page_with_the_last_passing_passage_says_so(world) -> None:
    """A full page neither says it nor disables More; More brings the rest, which ends with the sentence."""
    w, start = world
    await start()
    k = 5
    passing = len((await core(w, ELECTION, 10)).quotes)
    assert k < passing < 2 * k, passing  # one full page, then a short one
    msg = await ask(w, ELECTION, k)
    assert LAST not in text_of(msg) and not more_disabled(msg)
    pages = [msg]
    while not more_disabled(pages[-1]):  # a phone page may show fewer than k: More goes on from there
        assert LAST not in text_of(pages[-1])
        pages.append(await more(w, pages[-1]))
        assert len(pages) <= passing
    assert description(pages[-1]).rstrip().endswith(LAST)
    assert sum(quotes_on(p) for p in pages) == passing  # every passing passage once, then the sentence
    assert f"**{passing}.**" in text_of(pages[-1])


async def test_more_past_the_last_passing_passage_says_none_passes(world) -> None:
    """A page of exactly as many passages as pass the bar cannot know it is the last (nor can the terminal's):
    More stays on, and pressing it says that no more passages pass the bar."""
    w, start = world
    await start()
    passing = len((await core(w, SOPHOS, 10)).quotes)
    after = await core(w, SOPHOS, passing, offset=passing)
    assert passing and not after.quotes and not after.no_answer  # the core: nothing more passes
    msg = await ask(w, SOPHOS, passing)
    assert quotes_on(msg) == passing and LAST not in text_of(msg) and not more_disabled(msg)
    reply = await more(w, msg)
    assert reply["content"] == say("bot_no_more")


async def test_quotes_carry_their_label_and_never_the_raw_score(world) -> None:
    w, start = world
    await start()
    answer = await core(w, SOPHOS, 5)
    labels = {q.confidence for q in answer.quotes}
    assert labels and labels <= {"strong match", "related"}
    msg = await ask(w, SOPHOS, 5)
    lines = [line for line in text_of(msg).split("\n") if not QUOTE_LINE.match(line)]  # all but the quotes
    source_lines = [line for line in lines if line.startswith("— ")]
    assert len(source_lines) == len(answer.quotes)
    for line, q in zip(source_lines, answer.quotes, strict=True):
        assert line.endswith(q.confidence or "?") or line.endswith(f"**{q.confidence}**"), line
    rest = "\n".join(lines)
    for q in answer.quotes:
        for number in (q.score, q.evidence):
            if number is None:
                continue
            for shown in (repr(number), f"{number:.1f}", f"{number:.2f}", f"{number:.3f}", f"{number:.4f}"):
                assert shown not in rest, (shown, rest)
    assert not re.search(r"\d\.\d{2,}", "\n".join(source_lines + lines[-1:])), rest


async def test_a_russian_questions_english_quotes_say_in_english_as_in_the_terminal(world) -> None:
    w, start = world
    await start()
    answer = await core(w, RUSSIAN, 5)
    assert answer.language == "ru" and answer.quotes and {q.language for q in answer.quotes} == {"en"}
    terminal = render("answer.md.j2", answer=answer, offset=0, k=5)
    assert terminal.count("in English") == len(answer.quotes)
    msg = await ask(w, RUSSIAN, 5)
    source_lines = [line for line in text_of(msg).split("\n") if line.startswith("— ")]
    assert source_lines and all(" · in English · " in line for line in source_lines), source_lines
    english = await ask(w, SOPHOS, 5)  # an English question's English quotes: no label
    assert "in English" not in text_of(english)
