"""The morning briefing is posted exactly once and never lost: a stop (SIGTERM) or a crash (SIGKILL) of a real bot
process in the middle of the post, then a restart; and background loops that survive a failing iteration."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.state import BotState
from tests.bot.helpers import replies, text_of
from tests.discord_emulator import DiscordEmulator

STARTUP_SECONDS = 240  # a fresh process loads the model and the index before it connects


async def bot_process(emu: DiscordEmulator, data: Path, cwd: Path, **env: str) -> asyncio.subprocess.Process:
    """``newsdesk run`` in a process of its own, against the emulator (no .env in ``cwd``)."""
    settings = {
        "DISCORD_TOKEN": emu.token,
        "DISCORD_API_BASE": emu.api_base,
        "DISCORD_GATEWAY_URL": emu.gateway_url,
        "NEWSDESK_DATA_DIR": str(data),
        "HF_HUB_OFFLINE": "1",
        "NEWSDESK_ASK_COOLDOWN": "0",
        **env,
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli",
        "run",
        cwd=cwd,
        env={**os.environ, **settings},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


def briefing_settings(channel: int) -> dict[str, str]:
    # 00:00 UTC has always passed: the bot posts (covering yesterday) as soon as it is ready
    return {
        "NEWSDESK_BRIEFING_CHANNEL_ID": str(channel),
        "NEWSDESK_BRIEFING_TIME": "00:00",
        "NEWSDESK_BRIEFING_TIMEZONE": "UTC",
        "NEWSDESK_SHUTDOWN_GRACE_SECONDS": "0.5",
    }


def claims(data: Path) -> list[tuple[str, str]]:
    state = BotState(data / "bot-state.db")
    try:
        return [(b["day"], b["status"]) for b in state.posted_briefings()]
    finally:
        state.close()


def posts(emu: DiscordEmulator, channel: int) -> list[dict]:
    """Complete scheduled posts in the channel (a post's last page carries the Markdown file)."""
    return [m for m in emu.created(channel) if m["_files"]]


async def test_sigterm_mid_post_then_exactly_one_post_after_restart(world, tmp_path) -> None:
    w, start = world
    emu = w.emu
    news = emu.channel(w.alpha, "news")
    held = emu.hold(lambda m, p: m == "POST" and p == f"/channels/{news}/messages")
    proc = await bot_process(emu, tmp_path / "data", tmp_path, **briefing_settings(news))
    try:
        await asyncio.wait_for(held.arrived.wait(), STARTUP_SECONDS)  # the post is in flight ...
        token = await emu.slash("stats", w.alpha, w.admin)  # (an admin action: audited in the log by default)
        await replies(emu, token)
        proc.send_signal(signal.SIGTERM)  # ... when the deploy stops the bot
        _, err = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        if proc.returncode is None:
            proc.kill()
    held.release(store=False)  # the request never reached Discord
    assert proc.returncode == 0, err.decode()[-2000:]
    assert "SIGTERM received: stopping" in err.decode()
    assert (
        f"admin action by alice-admin ({w.admin.id}) in guild {w.alpha.id}" in err.decode()
    )  # shown at the default log level (WARNING)
    assert emu.created(news) == []
    ((day, status),) = claims(tmp_path / "data")
    assert status == "abandoned"  # not "posting" forever: the restart may post it

    now = datetime.now(UTC)
    bot = await start(clock=lambda: now, **briefing_settings(news))
    await emu.wait_for(lambda: posts(emu, news))
    await bot.close()
    assert len(posts(emu, news)) == 1 and len(emu.created(news)) == 1
    yesterday = (datetime.fromisoformat(day) - timedelta(days=1)).date().isoformat()
    assert f"Briefing for {yesterday}" in text_of(emu.created(news)[0])
    assert claims(tmp_path / "data") == [(day, "posted")]


async def test_crash_mid_post_is_recovered_without_a_second_post(world, tmp_path) -> None:
    """SIGKILL (no clean-up) while Discord is creating the message: after the claim expires, the restarted bot
    finds the message in the channel and records it instead of posting the briefing twice."""
    w, start = world
    emu = w.emu
    news = emu.channel(w.alpha, "news")
    held = emu.hold(lambda m, p: m == "POST" and p == f"/channels/{news}/messages")
    proc = await bot_process(emu, tmp_path / "data", tmp_path, **briefing_settings(news))
    try:
        await asyncio.wait_for(held.arrived.wait(), STARTUP_SECONDS)
        proc.kill()
        await asyncio.wait_for(proc.communicate(), 60)
    finally:
        if proc.returncode is None:
            proc.kill()
    held.release(store=True)  # Discord created the message; the bot died before it heard back
    await emu.wait_for(lambda: posts(emu, news))
    ((day, status),) = claims(tmp_path / "data")
    assert status == "posting"

    now = [datetime.now(UTC)]
    bot = await start(clock=lambda: now[0], **briefing_settings(news))
    cog = bot.get_cog("Briefing")
    assert await cog.retry.coro() is False  # the claim has not expired: the owner may still be posting
    now[0] += timedelta(minutes=16)
    assert await cog.retry.coro() is True  # taken over: the complete post found in the channel is recorded
    assert len(posts(emu, news)) == 1 and len(emu.created(news)) == 1
    assert [(b["day"], b["status"]) for b in bot.state.posted_briefings()] == [(day, "posted")]
    assert await cog.retry.coro() is False


async def test_an_interrupted_partial_post_is_replaced_by_one_complete_post(world) -> None:
    """A post refused half-way deletes its pages; one left behind by a crash is deleted by the next attempt."""
    w, start = world
    emu = w.emu
    news = emu.channel(w.alpha, "news")
    now = [datetime(2004, 12, 23, 6, 30, tzinfo=UTC)]
    bot = await start(
        clock=lambda: now[0],
        NEWSDESK_BRIEFING_CHANNEL_ID=news,
        NEWSDESK_BRIEFING_TIME="07:30",
        NEWSDESK_BRIEFING_TIMEZONE="Europe/Berlin",
    )
    cog = bot.get_cog("Briefing")
    await emu.wait_for(lambda: posts(emu, news))  # the catch-up posted 2004-12-22's briefing
    first = emu.created(news)
    pages = len(first)
    for m in first:  # as if that post had been cut short by a crash: only the first page, without the file
        m["_deleted"] = m is not first[0]
    first[0]["_files"], first[0]["attachments"] = {}, []
    bot.state._exec("UPDATE briefings SET status = 'posting', expires_at = '2004-12-23T06:00:00+00:00'")
    now[0] += timedelta(minutes=20)
    assert await cog.retry.coro() is True
    shown = emu.created(news)
    assert len(shown) == pages and len(posts(emu, news)) == 1 and shown[0]["id"] != first[0]["id"]
    assert first[0]["_deleted"]  # the orphaned first page was removed, not left above the new post
    assert "Briefing for 2004-12-22" in text_of(shown[0])


async def test_background_loops_survive_a_failing_iteration(world, allow_errors) -> None:
    w, start = world
    emu = w.emu
    news = emu.channel(w.alpha, "news")
    now = [datetime(2004, 12, 23, 6, 0, tzinfo=UTC)]  # before 07:30 Berlin
    bot = await start(
        clock=lambda: now[0],
        NEWSDESK_BRIEFING_CHANNEL_ID=news,
        NEWSDESK_BRIEFING_TIME="07:30",
        NEWSDESK_BRIEFING_TIMEZONE="Europe/Berlin",
        NEWSDESK_BRIEFING_RETRY_MINUTES=0.005,  # the retry loop runs every 0.3 s
    )
    cog = bot.get_cog("Briefing")
    path = bot.state.path
    bot.state.close()  # the state database is unusable for a while: every iteration fails
    now[0] = datetime(2004, 12, 23, 6, 40, tzinfo=UTC)

    async def failed() -> None:
        while not any("briefing retry failed" in r.getMessage() for r in allow_errors.records):
            await asyncio.sleep(0.05)

    await asyncio.wait_for(failed(), 30)
    assert cog.retry.is_running()
    bot.state = BotState(path)  # back again: the next iteration posts
    await emu.wait_for(lambda: posts(emu, news), 60)
    assert cog.retry.is_running() and "Briefing for 2004-12-22" in text_of(emu.created(news)[0])
