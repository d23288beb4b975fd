"""One outage policy for every path that answers (issue 26, item 2): a slash command, a button, a mention and a
watched channel, all during the same Discord outage.

* A 40 s outage, real time, default settings (retry for up to 240 s, pauses up to 15 s): every answer arrives
  once Discord is back; meanwhile each placeholder says Discord is slow and the answer is being retried.
* A 5-minute outage, **simulated at a tenth of the scale** (30 s of outage against a 24 s bound and 1.5 s pauses,
  standing for 300 s against the default 240 s and 15 s): Discord never accepts the answers within the bound, so
  every asker is told that Discord was the problem — never "something went wrong on my side" — and nothing is
  posted late.
* Failures after the fact (the request was carried out, the proxy answered 503): the retried answer is posted once.

The outage fails what creates an answer (follow-ups and the placeholder's answer edit, threads, pages in threads);
short text messages and the placeholder's own notice edits get through, as they did in the outages probed.
"""

from __future__ import annotations

import asyncio
from typing import Any

from index import say
from tests.bot.helpers import component, replies, text_of
from tests.discord_emulator import DiscordEmulator

QUESTION = "What did Japan say it would do if Russia invades?"
SLOW = say("bot_discord_slow")
GAVE_UP = say("bot_discord_unavailable")
OURS = say("bot_internal_error")


def opt(name: str, value: object, type_: int = 3) -> dict:
    return {"name": name, "type": type_, "value": value}


def answers_in(emu: DiscordEmulator, channel: int) -> list[dict]:
    return [m for m in emu.created(channel) if m["embeds"]]


def answer_requests(emu: DiscordEmulator):
    """Requests that may carry an answer: follow-ups and placeholder edits, and messages posted in threads."""

    def match(method: str, path: str) -> bool:
        if path.startswith("/webhooks/"):
            return method in ("POST", "PATCH")
        return method == "POST" and any(path == f"/channels/{t}/messages" for t in emu.threads)

    return match


def thread_creation(method: str, path: str) -> bool:
    return method == "POST" and path.endswith("/threads")


def with_embeds(body: Any) -> bool:
    """An answer's page (embeds); a notice or a one-sentence reply is plain text."""
    return bool(isinstance(body, dict) and body.get("embeds"))


def outage(emu: DiscordEmulator, seconds: float, after: bool = False) -> None:
    """Discord fails every answer (and every thread creation) for ``seconds``; short text gets through."""
    emu.outage(answer_requests(emu), seconds, after=after, body=with_embeds)
    emu.outage(thread_creation, seconds, after=after)


async def ask_everywhere(w, bot) -> dict[str, Any]:
    """The four ways to be answered, started during the outage: /ask, More passages, a mention, a watched
    channel. Returns what to look at."""
    emu = w.emu
    news = emu.channel(w.alpha, "news")
    general = emu.channel(w.alpha, "general")
    await asyncio.to_thread(bot.state.watch, w.alpha.id, news, w.admin.id)
    token = await emu.slash("ask", w.alpha, w.user, options=[opt("question", QUESTION), opt("k", 2, 4)])
    (first,) = await replies(emu, token)  # before the outage: an answer whose button is pressed during it
    return {"first": first, "news": news, "general": general}


async def start_questions(w, first: dict) -> dict[str, Any]:
    emu = w.emu
    slash = await emu.slash("ask", w.alpha, w.admin, options=[opt("question", QUESTION)])
    more = await emu.click(first, component(first, label="More passages")["custom_id"], w.alpha, w.user)
    mention = await emu.say(w.alpha, w.user, QUESTION, mention_bot=True)
    watched = await emu.say(w.alpha, w.admin, QUESTION, channel="news")
    return {"slash": slash, "more": more, "mention": mention, "watched": watched}


async def until_over(emu: DiscordEmulator) -> None:
    """The outage has ended (a clock, not a request, ends it: checked every 0.2 s)."""
    await asyncio.wait_for(_poll(emu.outage_over), 120)


async def _poll(done) -> None:
    while not done():
        await asyncio.sleep(0.2)


def original(emu: DiscordEmulator, token: str) -> dict:
    """The interaction's placeholder ("thinking…", then the answer); empty before the bot deferred."""
    return emu.messages.get(emu.interactions[token]["original"] or 0) or {"embeds": [], "content": None}


def nothing_of_ours(emu: DiscordEmulator) -> None:
    shown = [text_of(m) for m in emu.messages.values() if not m.get("_deleted")]
    assert not any(OURS in t for t in shown), shown


async def test_a_40_second_outage_delays_every_answer_and_loses_none(world, need_seed) -> None:
    w, start = world
    bot = await start()  # the default policy: up to 240 s, pauses doubling from 1 s to 15 s
    emu = w.emu
    where = await ask_everywhere(w, bot)
    outage(emu, 40)
    asked = await start_questions(w, where["first"])

    def answered() -> bool:
        threads = [int(asked["mention"]["id"]), int(asked["watched"]["id"])]
        return all(original(emu, asked[k])["embeds"] for k in ("slash", "more")) and all(
            t in emu.threads and answers_in(emu, t) for t in threads
        )

    await emu.wait_for(answered, timeout=180)
    assert emu.outage_over()  # nothing got through before Discord was back
    for key, shown in (("slash", "would be compelled"), ("more", "**3.**")):
        placeholder = original(emu, asked[key])
        assert SLOW in [e.get("content") for e in placeholder["_edits"]]  # said while retrying …
        assert not placeholder["content"] and shown in text_of(placeholder)  # … then replaced by the answer
        assert not placeholder.get("_deleted") and len(emu.for_interaction(asked[key])) == 1  # once
    for key in ("mention", "watched"):
        (page,) = answers_in(emu, int(asked[key]["id"]))  # once
        assert "would be compelled" in text_of(page) and page["components"]

    def notices() -> list[dict]:
        return [m for m in emu.messages.values() if m["content"] == SLOW and m["_via"] == "channel"]

    assert len(notices()) == 2  # one for each question asked in a message: a reply, as its thread was failing
    await emu.wait_for(lambda: all(m.get("_deleted") for m in notices()), timeout=30)  # gone with the answer
    nothing_of_ours(emu)
    assert not any(GAVE_UP in text_of(m) for m in emu.messages.values())


async def test_a_5_minute_outage_scaled_tells_everyone_discord_was_the_problem(world, need_seed) -> None:
    w, start = world
    # 1:10 scale: a 300 s outage against the default 240 s bound and 15 s pauses, as 30 s against 24 s and 1.5 s
    bot = await start(NEWSDESK_DISCORD_RETRY_SECONDS=24, NEWSDESK_DISCORD_RETRY_MAX_PAUSE=1.5)
    emu = w.emu
    where = await ask_everywhere(w, bot)
    outage(emu, 30)
    asked = await start_questions(w, where["first"])
    general, news = where["general"], where["news"]

    def told() -> bool:
        placeholders = all(original(emu, asked[k])["content"] == GAVE_UP for k in ("slash", "more"))
        replies_ = [m["content"] for m in emu.created(general) + emu.created(news) if m["_via"] == "channel"]
        return placeholders and replies_.count(GAVE_UP) == 2

    await emu.wait_for(told, timeout=180)
    notices = [m for m in emu.messages.values() if m["content"] == SLOW]
    assert len(notices) == 2 and all(m.get("_deleted") for m in notices)  # the message paths' notices, gone
    for key in ("slash", "more"):
        placeholder = original(emu, asked[key])
        assert [e.get("content") for e in placeholder["_edits"]][-2:] == [
            SLOW,
            GAVE_UP,
        ]  # retrying, then this
        assert not placeholder["embeds"]  # no half answer left in it
    for key, channel in (("mention", general), ("watched", news)):
        (reply,) = [m for m in emu.created(channel) if m["content"] == GAVE_UP and m["_via"] == "channel"]
        assert str(reply["message_reference"]["message_id"]) == asked[key]["id"]  # a reply to the question
        assert not (int(asked[key]["id"]) in emu.threads and answers_in(emu, int(asked[key]["id"])))
    await until_over(emu)
    await asyncio.sleep(2)  # Discord is back: nothing given up on is posted late
    for key in ("mention", "watched"):
        assert not (int(asked[key]["id"]) in emu.threads and answers_in(emu, int(asked[key]["id"])))
    assert not any(original(emu, asked[k])["embeds"] for k in ("slash", "more"))
    nothing_of_ours(emu)


async def test_a_503_after_the_fact_posts_each_answer_once(world, need_seed) -> None:
    """The proxy answers 503 although Discord did the work: the retried answer must not appear twice."""
    w, start = world
    await start(NEWSDESK_DISCORD_RETRY_MAX_PAUSE=0.5)
    emu = w.emu
    emu.fail_once(thread_creation, status=503, code=0, after=True)  # the thread is made, the proxy says 503
    emu.outage(answer_requests(emu), 4, after=True, body=with_embeds)  # and so for each try of an answer
    slash = await emu.slash("ask", w.alpha, w.user, options=[opt("question", QUESTION)])
    question = await emu.say(w.alpha, w.user, QUESTION, mention_bot=True)
    thread = int(question["id"])
    await emu.wait_for(lambda: original(emu, slash)["embeds"] and thread in emu.threads, timeout=120)
    await emu.wait_for(lambda: answers_in(emu, thread), timeout=120)
    await until_over(emu)
    await asyncio.sleep(1)
    assert len([m for m in emu.for_interaction(slash) if not m.get("_deleted")]) == 1
    assert len(answers_in(emu, thread)) == 1  # the page's nonce made Discord return the first one
    tries = [r for r in emu.requests if r.method == "POST" and r.path == f"/channels/{thread}/messages"]
    assert len(tries) >= 2 and len({r.json.get("nonce") for r in tries if with_embeds(r.json)}) == 1
    nothing_of_ours(emu)
