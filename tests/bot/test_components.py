"""Persistent components: the buttons under an answer keep working across a restart, for as long as the answer is
kept; after that they are disabled (on a press, and by the hourly prune), never left failing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from index import say
from tests.bot.helpers import component, replies, text_of
from tests.discord_emulator import displayed

QUESTION = "What did Japan say it would do if Russia invades?"


def opt(name: str, value: object, type_: int = 3) -> dict:
    return {"name": name, "type": type_, "value": value}


def all_disabled(msg: dict) -> bool:
    comps = [c for row in msg.get("components") or [] for c in row["components"]]
    return bool(comps) and all(c.get("disabled") for c in comps)


async def test_buttons_work_after_a_restart(world, need_seed) -> None:
    w, start = world
    bot = await start()
    emu = w.emu
    token = await emu.slash("ask", w.alpha, w.user, options=[opt("question", QUESTION), opt("k", 2, 4)])
    (msg,) = await replies(emu, token)
    assert component(msg, label="More passages")["custom_id"].startswith("nd:more:")
    await bot.close()  # a deploy: the process that sent the answer is gone
    bot = await start()

    more = await emu.click(msg, component(msg, label="More passages")["custom_id"], w.alpha, w.user)
    (page2,) = await replies(emu, more, timeout=30)
    assert "**3.**" in text_of(page2) and "passages from #3" in text_of(page2)
    up = await emu.click(msg, component(msg, emoji="👍")["custom_id"], w.alpha, w.user)
    (ack,) = await replies(emu, up, timeout=30)
    assert ack["flags"] & 64 and "feedback recorded" in ack["content"]
    again = await emu.click(msg, component(msg, emoji="👎")["custom_id"], w.alpha, w.user)
    (ack2,) = await replies(emu, again, timeout=30)
    assert "(updated)" in ack2["content"]  # one vote per person and answer, even across the restart
    assert [f["vote"] for f in bot.state.feedback()] == [-1]
    select = component(msg, ctype=3)
    full = await emu.click(msg, select["custom_id"], w.alpha, w.user, values=["0"])
    (ctx,) = await replies(emu, full, timeout=30)
    # "Full passage" (was "Full paragraph" with its neighbours): the quoted paragraph whole, only to the presser
    record = bot.state.answer(int(select["custom_id"].rsplit(":", 1)[1]), bot.clock())
    _, (paragraph,) = bot.desk.context(record.quotes[0]["paragraph_id"], 0, 0)
    assert ctx["flags"] & 64 and paragraph.text in displayed(ctx["embeds"][0]["description"])
    # page 2's own buttons are persistent too
    more2 = await emu.click(page2, component(page2, label="More passages")["custom_id"], w.alpha, w.user)
    (page3,) = await replies(emu, more2, timeout=30)
    assert "**5.**" in text_of(page3)


async def test_expired_answers_have_their_buttons_disabled(world, need_seed) -> None:
    w, start = world
    now = [datetime.now(UTC)]
    bot = await start(clock=lambda: now[0], NEWSDESK_ANSWER_RETENTION_DAYS=30)
    emu = w.emu
    token = await emu.slash("ask", w.alpha, w.user, options=[opt("question", QUESTION), opt("k", 2, 4)])
    (first,) = await replies(emu, token)
    token = await emu.slash("ask", w.alpha, w.admin, options=[opt("question", "Why is Tokyo reluctant?")])
    (second,) = await replies(emu, token)
    now[0] += timedelta(days=29)
    up = await emu.click(first, component(first, emoji="👍")["custom_id"], w.alpha, w.user)
    assert "feedback recorded" in (await replies(emu, up, timeout=30))[0]["content"]

    now[0] += timedelta(days=2)  # past the retention: a press greys the components out and says why
    more = await emu.click(first, component(first, label="More passages")["custom_id"], w.alpha, w.user)
    (note,) = await replies(emu, more, timeout=30)
    assert note["flags"] & 64 and "older than 30 days" in note["content"]
    assert all_disabled(emu.messages[int(first["id"])])
    # the prune disables the others on the message itself and forgets the answers
    assert not all_disabled(emu.messages[int(second["id"])])
    assert await bot.get_cog("Answers").prune() == 2
    assert all_disabled(emu.messages[int(second["id"])])
    assert bot.state.expired_answers(now[0]) == []
    assert text_of(emu.messages[int(second["id"])]) == text_of(second)  # the answer itself stays as it was


def public(emu) -> list[dict]:
    return [
        m
        for m in emu.messages.values()
        if not m["flags"] & 64 and m["_via"] != "deferred" and not m.get("_deleted")
    ]


async def test_more_passages_answers_the_person_who_pressed_it(world, need_seed) -> None:
    w, start = world
    await start()
    emu = w.emu
    token = await emu.slash("ask", w.alpha, w.user, options=[opt("question", QUESTION), opt("k", 2, 4)])
    (msg,) = await replies(emu, token)
    more = component(msg, label="More passages")["custom_id"]
    shown = len(public(emu))
    for _ in range(3):  # another member, three presses: three copies only they see, none in the channel
        press = await emu.click(msg, more, w.alpha, w.admin)
        (page,) = await replies(emu, press, timeout=30)
        assert page["flags"] & 64 and "**3.**" in text_of(page)
    assert len(public(emu)) == shown
    press = await emu.click(msg, more, w.alpha, w.user)  # the asker: the next page, for everyone, once
    (page,) = await replies(emu, press, timeout=30)
    assert not page["flags"] & 64 and "**3.**" in text_of(page) and len(public(emu)) == shown + 1
    press = await emu.click(msg, more, w.alpha, w.user)  # it is posted already: a second press is private
    (again,) = await replies(emu, press, timeout=30)
    assert again["flags"] & 64 and len(public(emu)) == shown + 1


async def test_a_forged_select_value_gets_a_sentence(world, need_seed) -> None:
    w, start = world
    await start()
    emu = w.emu
    token = await emu.slash("ask", w.alpha, w.user, options=[opt("question", QUESTION), opt("k", 2, 4)])
    (msg,) = await replies(emu, token)
    select = component(msg, ctype=3)["custom_id"]
    for value in ("99", "-1", "x"):
        press = await emu.click(msg, select, w.alpha, w.user, values=[value])
        (reply,) = await replies(emu, press, timeout=30)
        assert reply["flags"] & 64 and reply["content"] == say("bot_not_in_answer")
    # and a button of one server's answer pressed from another server's forged message
    press = await emu.click(msg, component(msg, emoji="👍")["custom_id"], w.beta, w.beta_user)
    (reply,) = await replies(emu, press, timeout=30)
    assert reply["flags"] & 64 and reply["content"] == say("bot_other_server")
