"""/ask end to end: the real client against the loopback Discord, the real model and index."""

from __future__ import annotations

from index import say
from tests.bot.helpers import assert_no_pings, component, replies, text_of


def opt(name: str, value: object, type_: int = 3) -> dict:
    return {"name": name, "type": type_, "value": value}


async def test_ask_seed_quote_reaches_followup(world, need_seed) -> None:
    w, start = world
    await start()
    emu = w.emu
    token = await emu.slash(
        "ask", w.alpha, w.user, options=[opt("question", "What did Japan say it would do if Russia invades?")]
    )
    # defers at once ("thinking")
    cb = await emu.wait_for(lambda: [r for r in emu.requests_to("POST", "/callback") if token in r.path])
    assert cb[0].json["type"] == 5
    (msg,) = await replies(emu, token)
    text = text_of(msg)
    assert "would be compelled to take an appropriate measure in case of an invasion" in text
    assert "Kyodo News" in text and "✓ verbatim" in text and "¶10" in text
    assert "https://english.kyodonews.net/" in text
    assert component(msg, label="More passages")
    assert_no_pings(emu)
    print("RENDERED ANSWER:\n" + text)


async def test_ask_no_answer_is_honest(world) -> None:
    w, start = world
    await start()
    emu = w.emu
    token = await emu.slash(
        "ask",
        w.alpha,
        w.user,
        options=[
            opt("question", "What did the minister say about the price of tea?"),
            opt("since", "1990-01-01"),
            opt("until", "1990-12-31"),
        ],
    )
    (msg,) = await replies(emu, token)
    text = text_of(msg)
    # the same sentence as the CLI's, from the one catalogue
    assert say("no_answer", question="What did the minister say about the price of tea?") in text
    assert "Searched" in text and "paragraph" in text
    assert component(msg, label="More passages")["disabled"] is True


async def test_a_direct_message_cannot_run_server_commands(world) -> None:
    w, start = world
    await start()
    emu = w.emu
    assert await emu.slash_dm("ask", w.user, options=[opt("question", "Who issued a flood warning?")]) is None
    # a client with a stale command list sends it anyway: refused at run time, before any search
    token = await emu.slash_dm(
        "ask", w.user, options=[opt("question", "Who issued a flood warning?")], force=True
    )
    (msg,) = await replies(emu, token)
    assert msg["flags"] & 64 and msg["content"] == say("bot_guild_only", command="ask")
