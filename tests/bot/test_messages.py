"""Buttons under an answer, questions in messages (mention, watched channel, thread follow-up), no pings, 429s."""

from __future__ import annotations

import asyncio

from index import say
from tests.bot.helpers import assert_no_pings, component, replies, text_of


def opt(name: str, value: object, type_: int = 3) -> dict:
    return {"name": name, "type": type_, "value": value}


async def test_more_passages_full_paragraph_and_feedback(world, need_seed, tmp_path) -> None:
    w, start = world
    bot = await start()
    emu = w.emu
    token = await emu.slash(
        "ask",
        w.alpha,
        w.user,
        options=[opt("question", "What did Japan say it would do if Russia invades?"), opt("k", 2, 4)],
    )
    (msg,) = await replies(emu, token)
    assert "**1.**" in text_of(msg) and "**3.**" not in text_of(msg)

    more = await emu.click(msg, component(msg, label="More passages")["custom_id"], w.alpha, w.user)
    (page2,) = await replies(emu, more)
    assert "**3.**" in text_of(page2) and "passages from #3" in text_of(page2)

    select = component(msg, ctype=3)
    full = await emu.click(msg, select["custom_id"], w.alpha, w.user, values=[select["options"][0]["value"]])
    (ctx,) = await replies(emu, full)
    assert ctx["flags"] & 64, "the full passage is ephemeral"
    assert "¶" in text_of(ctx) and "✓ verbatim" in text_of(ctx)  # the paragraph whole, with its source line

    up = await emu.click(msg, component(msg, emoji="👍")["custom_id"], w.alpha, w.user)
    (ack,) = await replies(emu, up)
    assert ack["flags"] & 64 and "feedback recorded" in ack["content"]
    down = await emu.click(msg, component(msg, emoji="👎")["custom_id"], w.alpha, w.admin)
    await replies(emu, down)
    fb = bot.state.feedback()
    assert [f["vote"] for f in fb] == [1, -1]
    assert fb[0]["question"] == "What did Japan say it would do if Russia invades?"
    assert all(":" in q["id"] for q in fb[0]["quotes"]) and len(fb[0]["quotes"]) == 2
    out = tmp_path / "eval.jsonl"
    assert bot.state.export_eval_set(out) == 2
    assert '"label": "good"' in out.read_text()
    assert_no_pings(emu)


async def test_mention_answers_in_thread_and_followup_keeps_filters(world, need_seed) -> None:
    w, start = world
    await start()
    emu = w.emu
    await emu.say(
        w.alpha,
        w.user,
        'what did the Russian ambassador warn Japan about? source:"Kyodo News"',
        mention_bot=True,
    )
    (thread_id,) = await emu.wait_for(lambda: list(emu.threads))
    answer = await emu.wait_for(lambda: emu.created(thread_id))
    assert "counterproductive" in text_of(answer[0])
    assert "source: Kyodo News" in text_of(answer[0])
    # a follow-up in the thread is a new question with the thread's filters
    await emu.say(
        w.alpha, w.user, "What measures did Japan take after Russia annexed Crimea?", channel=thread_id
    )
    second = await emu.wait_for(lambda: emu.created(thread_id)[1:])
    assert "source: Kyodo News" in text_of(second[0])
    assert "Crimea" in text_of(second[0])
    assert len(emu.threads) == 1
    assert_no_pings(emu)


async def test_watched_channel(world, need_seed) -> None:
    w, start = world
    await start()
    emu = w.emu
    news = emu.channel(w.alpha, "news")
    await emu.say(w.alpha, w.user, "Why is Tokyo reluctant to announce sanctions?", channel="news")
    token = await emu.slash(
        "newsdesk",
        w.alpha,
        w.admin,
        options=[{"name": "watch", "type": 1, "options": [opt("channel", str(news), 7)]}],
        resolved={"channels": {str(news): {"id": str(news), "name": "news", "type": 0, "permissions": "0"}}},
    )
    (ok,) = await replies(emu, token)
    assert "Watching" in ok["content"]
    await emu.say(w.alpha, w.user, "Why is Tokyo reluctant to announce sanctions?", channel="news")
    (tid,) = await emu.wait_for(lambda: list(emu.threads))
    assert emu.threads[tid]["parent_id"] == str(news)
    answer = await emu.wait_for(lambda: emu.created(tid))
    assert "Kyodo News" in text_of(answer[0])
    # unwatch: no more answers there
    token = await emu.slash(
        "newsdesk",
        w.alpha,
        w.admin,
        options=[{"name": "unwatch", "type": 1, "options": [opt("channel", str(news), 7)]}],
        resolved={"channels": {str(news): {"id": str(news), "name": "news", "type": 0, "permissions": "0"}}},
    )
    await replies(emu, token)
    n = len(emu.requests)
    await emu.say(w.alpha, w.user, "Another question?", channel="news")
    await asyncio.sleep(0.5)
    assert not [r for r in emu.requests[n:] if "threads" in r.path]


async def test_everyone_in_article_never_pings(world) -> None:
    w, start = world
    await start()
    emu = w.emu
    article = (
        "---\ntitle: Flood warning\nsource: Local Gazette\ndate: 2024-03-02\n---\n\n"
        "@everyone The river authority issued a flood warning for the lower valley on Saturday.\n\n"
        "Residents were told to move cars from the riverside car park by noon.\n"
    )
    att = emu.attachment("flood.md", article.encode())
    token = await emu.slash(
        "ingest",
        w.alpha,
        w.admin,
        options=[opt("file", att["id"], 11)],
        resolved={"attachments": {att["id"]: att}},
    )
    await replies(emu, token)
    token = await emu.slash("ask", w.alpha, w.user, options=[opt("question", "Who issued a flood warning?")])
    (msg,) = await replies(emu, token)
    assert "everyone The river authority issued a flood warning" in text_of(msg)
    assert_no_pings(emu)


async def test_rate_limit_429_is_survived(world, need_seed) -> None:
    w, start = world
    await start()
    emu = w.emu
    # the answer fills its placeholder by an edit (idempotent under retries, bot/delivery.py)
    emu.rate_limit_once(lambda m, p: m == "PATCH" and p.startswith("/webhooks/"), retry_after=0.3)
    emu.rate_limit_once(lambda m, p: m == "PATCH" and p.startswith("/webhooks/"), retry_after=0.2)
    token = await emu.slash(
        "ask", w.alpha, w.user, options=[opt("question", "What did the Russian ambassador warn?")]
    )
    (msg,) = await replies(emu, token)
    assert "counterproductive" in text_of(msg)
    assert [r.status for r in emu.requests if r.path.startswith("/webhooks/")][:3] == [429, 429, 200]


async def test_message_questions_have_a_per_user_cooldown(world) -> None:
    w, start = world
    await start(NEWSDESK_ASK_COOLDOWN=60)
    emu = w.emu
    await emu.say(w.alpha, w.user, "Who issued a flood warning?", mention_bot=True)
    await emu.wait_for(lambda: list(emu.threads))
    second = await emu.say(w.alpha, w.user, "And who else?", mention_bot=True)
    await emu.wait_for(lambda: emu.reactions)
    assert emu.reactions == [(int(second["channel_id"]), int(second["id"]), "⏳")]
    # another member is not slowed down by bob's cooldown
    await emu.say(w.alpha, w.admin, "Who issued a flood warning?", mention_bot=True)
    await emu.wait_for(lambda: len(emu.threads) == 2 and all(emu.created(t) for t in emu.threads))
    assert len(emu.reactions) == 1


def thread_route(m: str, p: str) -> bool:
    return m == "POST" and p.endswith("/threads")


async def test_503_on_thread_creation_for_a_few_seconds_still_answers(world) -> None:
    w, start = world
    await start()
    emu = w.emu
    emu.outage(thread_route, seconds=3)  # discord.py does not retry 503 itself
    await emu.say(w.alpha, w.user, "Who issued a flood warning?", mention_bot=True)
    answer = await emu.wait_for(lambda: [m for t in emu.threads for m in emu.created(t)], 60)
    assert answer[0]["components"]
    statuses = [r.status for r in emu.requests if thread_route(r.method, r.path)]
    assert statuses[0] == 503 and statuses[-1] == 200 and len(emu.threads) == 1


async def test_a_thread_created_despite_a_503_is_used_not_duplicated(world) -> None:
    w, start = world
    await start()
    emu = w.emu
    emu.fail_once(thread_route, status=503, code=0, after=True)  # Discord made the thread, the proxy said 503
    question = await emu.say(w.alpha, w.user, "Who issued a flood warning?", mention_bot=True)
    answer = await emu.wait_for(lambda: emu.created(int(question["id"])), 60)
    assert answer and list(emu.threads) == [int(question["id"])]
    assert [r.status for r in emu.requests if thread_route(r.method, r.path)] == [503, 400]


async def test_discord_down_the_user_is_told_once_and_nothing_escapes(world) -> None:
    w, start = world
    await start(NEWSDESK_DISCORD_RETRY_SECONDS=3)
    emu = w.emu
    general = emu.channel(w.alpha, "general")
    emu.outage(thread_route, seconds=600)
    emu.outage(lambda m, p: m == "POST" and p == f"/channels/{general}/messages", seconds=4)
    question = await emu.say(w.alpha, w.user, "Who issued a flood warning?", mention_bot=True)
    (reply,) = await emu.wait_for(lambda: emu.created(general), 60)
    assert reply["content"] == say("bot_discord_unavailable")
    assert str(reply["message_reference"]["message_id"]) == question["id"]
    await asyncio.sleep(0.5)
    assert len(emu.created(general)) == 1 and not emu.threads  # told once; the error log fixture saw no ERROR


async def test_one_cooldown_for_every_way_of_asking(world) -> None:
    """/ask and a question by mention share one per-user cooldown (bot/cooldown.py): not one per path."""
    w, start = world
    await start(NEWSDESK_ASK_COOLDOWN=60)
    emu = w.emu
    token = await emu.slash("ask", w.alpha, w.user, options=[opt("question", "Who issued a flood warning?")])
    (msg,) = await replies(emu, token)
    assert "flood" in text_of(msg).lower()
    second = await emu.say(w.alpha, w.user, "And who else?", mention_bot=True)
    await emu.wait_for(lambda: emu.reactions)
    assert emu.reactions == [(int(second["channel_id"]), int(second["id"]), "⏳")]
    again = await emu.slash("timeline", w.alpha, w.user, options=[opt("question", "flood warning")])
    (wait,) = await replies(emu, again)
    assert wait["flags"] & 64 and "again in" in wait["content"].lower()
