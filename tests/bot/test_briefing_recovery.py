"""A scheduled briefing is complete in the channel exactly once, whatever page a stop or a crash interrupts
(issue 26, items 1 and 3).

A real bot process posts a three-page briefing (two pages of stories, then the chart's page with the Markdown and
PNG files); the emulator holds one page in flight (the first, the middle or the last) past the shutdown grace, the
process is stopped with SIGTERM or killed with SIGKILL, and then the held page reaches Discord after all. Restarted
(twice), the bot must leave the channel with every page of the day present once, in order — keeping a post that
is complete, replacing one that is not — and post nothing more.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import signal
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from index.config import CoreSettings
from index.service import Newsdesk
from tests.bot.conftest import CORPUS
from tests.bot.test_shutdown import STARTUP_SECONDS, bot_process, briefing_settings, claims
from tests.discord_emulator import DiscordEmulator

PAGES = 3  # the re-dated sample gives 8 stories: two pages of stories and the chart's page


def redate_sample(data: Path, embedder: Any, day: str, folder: Path) -> None:
    """The Wikinews sample again, every article dated ``day`` (stored as syndicated copies: no embedding)."""
    path = folder / "redated.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for line in CORPUS.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            record.update(id=f"re-{record['id']}", url=f"{record['url']}?day={day}", date=day)
            out.write(json.dumps(record) + "\n")
    desk = Newsdesk.open(CoreSettings(data_dir=data), embedder=embedder)
    try:
        desk.ingest_paths([path])
    finally:
        desk.close()


def nth_post(channel: int, n: int) -> Callable[[str, str], bool]:
    """Matches the ``n``-th message posted to ``channel`` (1 = the first page)."""
    seen = [0]

    def match(method: str, path: str) -> bool:
        if method == "POST" and path == f"/channels/{channel}/messages":
            seen[0] += 1
            return seen[0] == n
        return False

    return match


def day_pages(emu: DiscordEmulator, channel: int, covered: str) -> list[dict]:
    """What the channel shows of the day's post, oldest first."""
    mark = f"Briefing for {covered}"
    return [
        m
        for m in emu.created(channel)
        if any((e.get("footer") or {}).get("text", "").startswith(mark) for e in m["embeds"])
    ]


def exactly_once(emu: DiscordEmulator, channel: int, covered: str) -> list[dict]:
    pages = day_pages(emu, channel, covered)
    assert len(pages) == PAGES, [m["embeds"][-1]["footer"]["text"] for m in pages]
    ids = [int(m["id"]) for m in pages]
    assert ids == sorted(ids)
    assert re.search(
        r"stor(y|ies)( of \d+)? from", pages[0]["embeds"][0]["description"]
    )  # the title page first …
    names = [name for name, _ in pages[-1]["_files"].values()]
    assert names == [f"briefing-{covered}.md", f"briefing-chart-{covered}.png"]  # … the files last
    assert all(not m["_files"] for m in pages[:-1])
    return pages


@pytest.fixture
def near_midnight() -> None:
    now = datetime.now(UTC)
    if now.hour == 23 and now.minute >= 40:
        pytest.skip("the day covered would change during the test (it runs across midnight UTC)")


@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
@pytest.mark.parametrize("page", [1, 2, 3], ids=["first", "middle", "last"])
async def test_a_page_held_past_the_grace_then_exactly_one_complete_post(
    world, embedder, tmp_path: Path, page: int, how: str, near_midnight
) -> None:
    w, start = world
    emu = w.emu
    news = emu.channel(w.alpha, "news")
    data = tmp_path / "data"
    covered = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()  # 00:00 UTC has passed: yesterday
    await asyncio.to_thread(redate_sample, data, embedder, covered, tmp_path)
    held = emu.hold(nth_post(news, page))
    proc = await bot_process(emu, data, tmp_path, **briefing_settings(news))
    try:
        await asyncio.wait_for(held.arrived.wait(), STARTUP_SECONDS)  # page `page` is in flight …
        if how == "SIGTERM":
            proc.send_signal(signal.SIGTERM)  # … past the 0.5 s grace: the bot deletes what it sent
        else:
            proc.kill()  # … and the bot dies without cleaning anything up
        _, err = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        if proc.returncode is None:
            proc.kill()
    sent_before = len(emu.requests_to("POST", f"/channels/{news}/messages"))
    held.release(store=True)  # Discord creates the held page after all, after the stop
    await emu.wait_for(lambda: emu.requests_to("POST", f"/channels/{news}/messages")[-1].status)
    assert sent_before == page
    ((day, status),) = claims(data)
    assert status == ("abandoned" if how == "SIGTERM" else "posting"), err.decode()[-2000:]
    before = [int(m["id"]) for m in day_pages(emu, news, covered)]

    now = [datetime.now(UTC)]
    bot = await start(clock=lambda: now[0], **briefing_settings(news))
    cog = bot.get_cog("Briefing")
    if (
        how == "SIGKILL"
    ):  # the dead process's claim lives on for 15 minutes, then the retry loop takes it over
        assert await cog.retry.coro() is False
        now[0] += timedelta(minutes=16)
        assert await cog.retry.coro() is True

    async def posted() -> None:
        while [(b["day"], b["status"]) for b in bot.state.posted_briefings()] != [(day, "posted")]:
            await asyncio.sleep(0.05)

    await asyncio.wait_for(posted(), 120)
    pages = exactly_once(emu, news, covered)
    if how == "SIGKILL" and page == PAGES:
        # every page but the last was recorded and the last one arrived: complete, kept, not posted again
        assert [int(m["id"]) for m in pages] == before
    else:  # anything less was deleted and the whole briefing posted again
        assert not set(before) & {int(m["id"]) for m in pages}
    await bot.close()

    bot = await start(clock=lambda: now[0], **briefing_settings(news))  # any number of restarts: nothing more
    assert await bot.get_cog("Briefing").retry.coro() is False
    assert [m["id"] for m in exactly_once(emu, news, covered)] == [m["id"] for m in pages]


async def test_a_stop_ends_as_soon_as_the_post_in_flight_finishes(world, caplog) -> None:
    """The grace is an upper bound, not a wait: a stop during a post ends when the post does (the post runs
    inside the retry loop's task, which never ends by itself)."""
    w, start = world
    emu = w.emu
    news = emu.channel(w.alpha, "news")
    now = [datetime(2004, 12, 23, 6, 0, tzinfo=UTC)]  # before 07:30 Berlin: nothing posted at start
    bot = await start(
        clock=lambda: now[0],
        NEWSDESK_BRIEFING_CHANNEL_ID=news,
        NEWSDESK_BRIEFING_TIME="07:30",
        NEWSDESK_BRIEFING_TIMEZONE="Europe/Berlin",
        NEWSDESK_BRIEFING_RETRY_MINUTES=0.005,  # the retry loop runs every 0.3 s
        NEWSDESK_SHUTDOWN_GRACE_SECONDS=3600,
    )
    held = emu.hold(nth_post(news, 2))
    now[0] = datetime(2004, 12, 23, 6, 40, tzinfo=UTC)  # due: the retry loop's own task starts posting
    await asyncio.wait_for(held.arrived.wait(), 60)
    with caplog.at_level(logging.INFO):
        bot.stop_soon("SIGTERM")  # what the signal handler calls
        while not bot.stopping:
            await asyncio.sleep(0.01)
        held.release(store=True)  # the post finishes a moment later …
        await asyncio.wait_for(bot._stop_task, 60)  # … and so does the stop, long before the hour of grace
    assert claims(Path(bot.settings.data_dir)) == [("2004-12-23", "posted")]
    messages = [r.getMessage() for r in caplog.records]
    assert "the work in flight finished; stopping" in messages
    assert not any("abandoned" in m for m in messages)
    assert len(day_pages(emu, news, "2004-12-22")) == 2  # the whole post, not deleted
