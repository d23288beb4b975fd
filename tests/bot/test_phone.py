"""Pages that fit a phone, end to end: the real client against the loopback Discord, the real model and index.

The first /ask page, every /timeline page and an alert show at most 1,500 characters (everything a reader sees:
title, text, source lines, footer), each quote's number on its quote's line, only whole sentences cut from the
stored paragraph, and the whole paragraph one click away ("Full passage"), also after a restart.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from bot.render_compact import PHONE_PAGE
from tests.bot.helpers import assert_no_pings, component, replies, text_of
from tests.discord_emulator import displayed
from tests.index.track.conftest import FERRY, QUESTION, article

QUESTIONS = (
    "How many people died in the tsunami?",
    "Who called rich nations stingy?",
    "Who won the Ukrainian presidential election re-run?",
    "Is the asteroid MN4 going to hit Earth?",
    "Which country sends the most spam according to Sophos?",
)
QUOTE_LINE = re.compile(r"^(?:(\d+)\. )?“(.*)”$")


def opt(name: str, value: object, type_: int = 3) -> dict:
    return {"name": name, "type": type_, "value": value}


def seen(msg: dict[str, Any]) -> str:
    """Every character a reader sees in a message: content, and each embed's title, text, fields and footer."""
    parts = [msg.get("content") or ""]
    for e in msg.get("embeds") or []:
        parts += [e.get("title") or "", displayed(e.get("description") or "")]
        parts += [f"{f['name']}{f['value']}" for f in e.get("fields") or []]
        parts.append((e.get("footer") or {}).get("text") or "")
    return "".join(parts)


def quote_lines(msg: dict[str, Any]) -> dict[int | None, str]:
    """The quotes a page shows, by the number on their line: the excerpt without its quotation marks and "…"."""
    out: dict[int | None, str] = {}
    for e in msg.get("embeds") or []:
        for line in displayed(e.get("description") or "").split("\n"):
            if m := QUOTE_LINE.match(line):
                out[int(m[1]) if m[1] else None] = m[2].removeprefix("… ").removesuffix(" …")
    return out


def no_lone_numbers(msg: dict[str, Any]) -> bool:
    lines = "\n".join(e.get("description") or "" for e in msg.get("embeds") or []).split("\n")
    return not any(re.fullmatch(r"(\*\*)?\d+\.(\*\*)?", line.strip()) for line in lines)


def paragraph_text(bot, paragraph_id: int) -> str:
    _, (paragraph,) = bot.desk.context(paragraph_id, 0, 0)
    return paragraph.text


def assert_sentences_of(excerpt: str, paragraph: str) -> None:
    """Verbatim, and cut only where a sentence ends (or the paragraph does)."""
    assert excerpt and excerpt in paragraph, (excerpt, paragraph)
    end = paragraph.index(excerpt) + len(excerpt)
    assert end == len(paragraph) or excerpt[-1] in ".!?\"”)'", excerpt


async def full_passage(emu, msg: dict[str, Any], value: str | None, guild, member) -> dict[str, Any]:
    """Press the page's Full passage (its menu with ``value``, or its button) and return the reply."""
    if value is None:
        press = await emu.click(msg, component(msg, label="Full passage")["custom_id"], guild, member)
    else:
        press = await emu.click(msg, component(msg, ctype=3)["custom_id"], guild, member, values=[value])
    (reply,) = await replies(emu, press, timeout=60)
    assert reply["flags"] & 64  # only the presser sees it
    return reply


async def test_the_first_ask_page_fits_a_phone(world) -> None:
    w, start = world
    bot = await start()
    emu = w.emu
    for question in QUESTIONS:
        token = await emu.slash("ask", w.alpha, w.user, options=[opt("question", question)])
        (msg,) = await replies(emu, token)
        size = len(seen(msg))
        assert size <= PHONE_PAGE, (question, size)
        record = bot.state.answer(
            int(component(msg, label="More passages")["custom_id"].split(":")[2]), bot.clock()
        )
        assert record is not None and record.quotes
        shown = quote_lines(msg)
        assert sorted(shown) == list(range(1, len(record.quotes) + 1)), (
            question
        )  # each number on its quote's line
        assert no_lone_numbers(msg)
        for n, q in enumerate(record.quotes, 1):
            assert_sentences_of(shown[n], paragraph_text(bot, q["paragraph_id"]))
            assert f"— Wikinews · {q['title'][:20]}" in displayed(
                msg["embeds"][0]["description"]
            )  # source line
        if question == QUESTIONS[0]:
            print(f"CAPTURED /ask EMBED ({size} characters seen):")
            print(
                json.dumps(
                    {"embeds": msg["embeds"], "components": msg["components"]}, ensure_ascii=False, indent=1
                )
            )
            tsunami, tsunami_record = msg, record

    # the whole paragraph one click away, checked against the store
    reply = await full_passage(emu, tsunami, "0", w.alpha, w.user)
    whole = paragraph_text(bot, tsunami_record.quotes[0]["paragraph_id"])
    assert whole in displayed(reply["embeds"][0]["description"]) and "✓ verbatim" in text_of(reply)
    # the quotes the page left out are the next page's: it starts after the last one shown
    more = await emu.click(tsunami, component(tsunami, label="More passages")["custom_id"], w.alpha, w.user)
    (page2,) = await replies(emu, more, timeout=60)
    if page2["embeds"]:
        first = len(tsunami_record.quotes) + 1
        assert min(quote_lines(page2)) == first and f"passages from #{first}" in text_of(page2)
        assert len(seen(page2)) <= PHONE_PAGE
    assert_no_pings(emu)


async def test_timeline_pages_fit_a_phone_with_the_full_passage_one_click_away(world) -> None:
    w, start = world
    bot = await start()
    emu = w.emu
    token = await emu.slash(
        "timeline",
        w.alpha,
        w.user,
        options=[opt("question", "How many people died in the tsunami? death toll")],
    )
    (first,) = await replies(emu, token)
    span = re.search(r"\((\d+) dated passages?[^;)]*(?:; (\d+) undated)?", text_of(first))
    assert span is not None
    total = int(span[1]) + int(span[2] or 0)

    def pages() -> list[dict[str, Any]] | None:
        msgs = [m for m in emu.for_interaction(token) if m["_via"] != "deferred" or m["embeds"]]
        return msgs if sum(len(quote_lines(m)) for m in msgs) >= total else None

    msgs = await emu.wait_for(pages, 60)
    numbers: list[int] = []
    for msg in msgs:
        assert len(seen(msg)) <= PHONE_PAGE and no_lone_numbers(msg)
        shown = quote_lines(msg)
        numbers += sorted(shown)  # type: ignore[arg-type]
        select = component(msg, ctype=3) if len(shown) > 1 else None
        keys = (
            {int(o["label"].split(".")[0]): o["value"] for o in select["options"]}
            if select
            else {n: component(msg, label="Full passage")["custom_id"].removeprefix("nd:psg:") for n in shown}
        )
        for n, excerpt in shown.items():
            assert_sentences_of(excerpt, paragraph_text(bot, int(keys[n].split(":")[0])))
    assert numbers == list(range(1, total + 1))
    msg = msgs[0]
    shown = quote_lines(msg)
    value = component(msg, ctype=3)["options"][0]["value"] if len(shown) > 1 else None
    reply = await full_passage(emu, msg, value, w.alpha, w.user)
    pid = int(
        (value or component(msg, label="Full passage")["custom_id"].removeprefix("nd:psg:")).split(":")[0]
    )
    assert paragraph_text(bot, pid) in displayed(reply["embeds"][0]["description"])
    assert_no_pings(emu)


# Three long sentences: the quote that answers is longer than a phone page, so the alert shows the best of them.
LONG = (
    "The ferry crossing to Gull Island now takes nineteen minutes, the harbour master said on Monday, against "
    "forty minutes on the old diesel boat that served the island for thirty-one years and was retired last month "
    "after failing its final safety inspection, a decision the island council had postponed twice while it "
    "looked for the money to buy a replacement. "
    "The new vessel, built at a yard on the mainland over eighteen months, carries up to one hundred and twenty "
    "passengers and twelve cars, charges its batteries at both piers during the ten minutes it spends loading, "
    "and is the first ferry in the region to run without any diesel engine at all, even as a reserve for storms. "
    "Islanders who spoke to the Coast Post at the pier said the shorter crossing would let them commute to jobs "
    "on the mainland, visit the hospital without losing a whole day, and bring visitors back to the island's "
    "guest houses, which have struggled since the old ferry's timetable was cut to four sailings a day."
)


async def test_an_alert_fits_a_phone_and_its_full_passage_survives_a_restart(world) -> None:
    w, start = world
    bot = await start(NEWSDESK_TRACK_CHECK_SECONDS=0.2)
    emu = w.emu
    token = await emu.slash(
        "track",
        w.alpha,
        w.user,
        channel="news",
        options=[{"name": "add", "type": 1, "options": [{"name": "question", "type": 3, "value": QUESTION}]}],
    )
    await replies(emu, token)
    news = emu.channel(w.alpha, "news")
    story = article("Coast Post", "ferry", "Battery ferry starts Gull Island service", FERRY[0], LONG)
    await asyncio.to_thread(bot.desk.ingest_articles, [story])
    (alert,) = await emu.wait_for(lambda: [m for m in emu.created(news) if "Alert #" in text_of(m)], 60)
    assert len(seen(alert)) <= PHONE_PAGE and "Coast Post" in text_of(alert)
    ((number, excerpt),) = quote_lines(alert).items()
    assert number is None and "nineteen minutes" in excerpt and len(excerpt) < len(LONG)
    assert_sentences_of(excerpt, LONG)

    await bot.close()  # a deploy: the alert's button is pressed after the process that posted it is gone
    await start(NEWSDESK_TRACK_CHECK_SECONDS=30)
    reply = await full_passage(emu, alert, None, w.alpha, w.user)
    assert LONG in displayed(reply["embeds"][0]["description"]) and "Coast Post" in text_of(reply)
    assert_no_pings(emu)
