"""/quotes end to end: the real client against the loopback Discord; speaker names autocomplete."""

from __future__ import annotations

import asyncio

from tests.bot.helpers import assert_no_pings, replies, text_of


def opt(name: str, value: object, type_: int = 3, focused: bool = False) -> dict:
    return {"name": name, "type": type_, "value": value, **({"focused": True} if focused else {})}


async def test_quotes_autocomplete_offers_speakers_seen_in_the_index(world, need_seed) -> None:
    w, start = world
    bot = await start()
    emu = w.emu
    # the bot's background refresher reads the index for speakers at start (the test does not)
    for _ in range(300):
        if await asyncio.to_thread(bot.desk.speaker_names, "kish"):
            break
        await asyncio.sleep(0.1)
    token = await emu.slash(
        "quotes", w.alpha, w.user, autocomplete=True, options=[opt("speaker", "kish", focused=True)]
    )
    cb = await emu.wait_for(lambda: [r for r in emu.requests_to("POST", "/callback") if token in r.path])
    assert cb[0].json["type"] == 8
    assert [c["value"] for c in cb[0].json["data"]["choices"]] == ["Fumio Kishida"]


async def test_quotes_posts_verbatim_statements_newest_first(world, need_seed) -> None:
    w, start = world
    await start()
    emu = w.emu
    token = await emu.slash("quotes", w.alpha, w.user, options=[opt("speaker", "Fumio Kishida")])
    cb = await emu.wait_for(lambda: [r for r in emu.requests_to("POST", "/callback") if token in r.path])
    assert cb[0].json["type"] == 5  # deferred at once; the work runs in a thread
    msgs = await replies(emu, token)
    text = "\n".join(text_of(m) for m in msgs)
    print("RENDERED QUOTES:\n" + text)
    assert "What Fumio Kishida said" in text and "2 statements" in text
    assert "strong action in response to any attack" in text and "Kishida told parliament" in text
    assert "Kyodo News" in text and "✓ verbatim" in text and "(as “Kishida”)" in text
    assert_no_pings(emu)
