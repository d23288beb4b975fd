"""/timeline end to end: the real client against the loopback Discord, the real model and index."""

from __future__ import annotations

import re

from tests.bot.helpers import assert_no_pings, replies, text_of


def opt(name: str, value: object, type_: int = 3) -> dict:
    return {"name": name, "type": type_, "value": value}


async def test_timeline_posts_days_oldest_first(world) -> None:
    w, start = world
    await start()
    emu = w.emu
    token = await emu.slash(
        "timeline",
        w.alpha,
        w.user,
        options=[opt("question", "How many people died in the tsunami? death toll")],
    )
    cb = await emu.wait_for(lambda: [r for r in emu.requests_to("POST", "/callback") if token in r.path])
    assert cb[0].json["type"] == 5  # deferred at once ("thinking…"), the search runs in a thread
    msgs = await replies(emu, token)
    text = "\n".join(text_of(m) for m in msgs)
    days = re.findall(r"📅 \*\*(\d{4}-\d{2}-\d{2})\*\*", text)
    assert days and days == sorted(days) and len(set(days)) == len(days)
    print("RENDERED TIMELINE:\n" + text)
    assert text.index("nearly 60,000 people reported dead") < text.index("passing 80,000 people")
    assert "✓ verbatim" in text and "Wikinews" in text and "oldest first" in text
    assert_no_pings(emu)


async def test_timeline_bad_date_is_one_sentence(world) -> None:
    w, start = world
    await start()
    emu = w.emu
    token = await emu.slash(
        "timeline", w.alpha, w.user, options=[opt("question", "tsunami"), opt("since", "yesterday")]
    )
    (msg,) = await replies(emu, token)
    assert msg["flags"] & 64 and "must be a date like 2022-02-05" in msg["content"]
