"""/briefing on demand and the scheduled daily post, driven by an injected clock (no sleeping)."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

from tests.bot.helpers import assert_no_pings, replies, text_of

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


async def wait_posted(bot, day: str) -> None:
    """The post is recorded right after its last message is sent."""

    async def posted() -> None:
        while (day, "posted") not in [(b["day"], b["status"]) for b in bot.state.posted_briefings()]:
            await asyncio.sleep(0.02)

    await asyncio.wait_for(posted(), 30)


async def test_briefing_on_demand_embeds_and_markdown(world) -> None:
    w, start = world
    await start()
    emu = w.emu
    token = await emu.slash(
        "briefing", w.alpha, w.user, options=[{"name": "date", "type": 3, "value": "2004-12-22"}]
    )
    msgs = await replies(emu, token, n=2)  # the stories' page(s), then the chart's page with the files
    text = text_of(msgs[0])
    assert "Briefing for 2004-12-22" in text and "✓ verbatim" in text
    files = msgs[-1]["_files"]
    ((name, data), (chart_name, png)) = files.values()
    assert name == "briefing-2004-12-22.md" and data.decode().startswith(
        "# Briefing for Wednesday 22 December 2004, UTC"
    )
    assert chart_name == "briefing-chart-2004-12-22.png" and png.startswith(PNG_MAGIC)
    (chart,) = msgs[-1]["embeds"]  # the chart's own page, last: the image and its text alternative
    assert chart["image"]["url"] == "attachment://briefing-chart-2004-12-22.png"
    lines = chart["description"].splitlines()
    stories = int(re.search(r"(\d+) stories from", text).group(1))
    numbers = [re.match(r"(\d+)\\?\.", line).group(1) for line in lines]  # "1\." : no Markdown list
    assert numbers == [str(n) for n in range(1, stories + 1)]  # one line per story
    assert all(" in 7 days, " in line and line.endswith("outlet") for line in lines)
    assert chart["footer"]["text"].startswith("Briefing for 2004-12-22")
    assert_no_pings(emu)
    print("BRIEFING EMBED:\n" + text + "\n---- MARKDOWN FILE ----\n" + data.decode()[:1500])


async def test_briefing_bad_date_is_ephemeral(world) -> None:
    w, start = world
    await start()
    token = await w.emu.slash(
        "briefing", w.alpha, w.user, options=[{"name": "date", "type": 3, "value": "22/12/2004"}]
    )
    (msg,) = await replies(w.emu, token)
    assert msg["flags"] & 64 and "2022-02-05" in msg["content"]


async def test_scheduled_briefing_posts_once_per_day_across_restarts(world) -> None:
    w, start = world
    emu = w.emu
    news = emu.channel(w.alpha, "news")
    now = [datetime(2004, 12, 23, 6, 0, tzinfo=UTC)]  # before the 07:30 Berlin time: no catch-up at start
    settings = {
        "NEWSDESK_BRIEFING_CHANNEL_ID": news,
        "NEWSDESK_BRIEFING_TIME": "07:30",
        "NEWSDESK_BRIEFING_TIMEZONE": "Europe/Berlin",
    }
    bot = await start(clock=lambda: now[0], **settings)
    cog = bot.get_cog("Briefing")
    assert cog.daily.is_running() and cog.daily.next_iteration is not None
    assert cog.daily.time[0].tzinfo.key == "Europe/Berlin"
    assert emu.created(news) == []
    now[0] = datetime(2004, 12, 23, 6, 30, tzinfo=UTC)  # 07:30 in Berlin: the loop fires
    assert await cog.daily.coro() is True
    posted = emu.created(news)
    assert posted and "Briefing for 2004-12-22" in text_of(posted[0])
    names = [name for name, _ in posted[-1]["_files"].values()]
    assert names == ["briefing-2004-12-22.md", "briefing-chart-2004-12-22.png"]
    assert posted[-1]["embeds"][-1]["image"]["url"] == "attachment://briefing-chart-2004-12-22.png"
    assert await cog.daily.coro() is False  # same day: never twice
    await bot.close()
    # restart later the same day: the catch-up at ready must not post again
    now[0] += timedelta(hours=3)
    bot = await start(clock=lambda: now[0], **settings)
    assert len(emu.created(news)) == len(posted)
    # next day after the time: a restarted bot catches up once, the loop then does nothing
    await bot.close()
    now[0] = datetime(2004, 12, 24, 9, 0, tzinfo=UTC)
    n = len(emu.created(news))
    bot = await start(clock=lambda: now[0], **settings)
    await emu.wait_for(lambda: len(emu.created(news)) > n)
    assert "Briefing for 2004-12-23" in text_of(emu.created(news)[n])
    await wait_posted(bot, "2004-12-24")
    assert await bot.get_cog("Briefing").daily.coro() is False
    days = [(b["day"], b["status"]) for b in bot.state.posted_briefings()]
    assert days == [("2004-12-23", "posted"), ("2004-12-24", "posted")]
    assert_no_pings(emu)


async def test_failed_scheduled_briefing_is_retried_the_same_day(world, allow_errors) -> None:
    w, start = world
    emu = w.emu
    news = emu.channel(w.alpha, "news")
    now = [datetime(2004, 12, 23, 6, 0, tzinfo=UTC)]  # before 07:30 Berlin: nothing due at start
    bot = await start(
        clock=lambda: now[0],
        NEWSDESK_BRIEFING_CHANNEL_ID=news,
        NEWSDESK_BRIEFING_TIME="07:30",
        NEWSDESK_BRIEFING_TIMEZONE="Europe/Berlin",
    )
    cog = bot.get_cog("Briefing")
    assert cog.retry.is_running()
    assert await cog.retry.coro() is False  # not due yet
    now[0] = datetime(2004, 12, 23, 6, 30, tzinfo=UTC)
    emu.fail_once(lambda m, p: m == "POST" and p == f"/channels/{news}/messages")
    assert await cog.daily.coro() is False  # Discord refused the post: the day's claim is released
    assert emu.created(news) == [] and allow_errors.records
    now[0] += timedelta(minutes=10)
    assert await cog.retry.coro() is True  # the retry posts it
    assert "Briefing for 2004-12-22" in text_of(emu.created(news)[0])
    n = len(emu.created(news))
    assert await cog.retry.coro() is False and await cog.daily.coro() is False  # and never twice
    assert len(emu.created(news)) == n
    assert [(b["day"], b["status"]) for b in bot.state.posted_briefings()] == [("2004-12-23", "posted")]


async def test_a_briefing_without_stories_has_no_chart(world) -> None:
    w, start = world
    await start()
    emu = w.emu
    token = await emu.slash(
        "briefing", w.alpha, w.user, options=[{"name": "date", "type": 3, "value": "2004-12-25"}]
    )
    (msg,) = await replies(emu, token)
    assert "No articles published on 2004-12-25" in text_of(msg)
    assert [name for name, _ in msg["_files"].values()] == ["briefing-2004-12-25.md"]
    assert not any(e.get("image") for e in msg["embeds"])
