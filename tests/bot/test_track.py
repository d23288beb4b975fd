"""/track against the emulator with the real bot: a question tracked in a channel, articles stored by another
process (the real ``newsdesk ingest``) and by the bot's own desk, and each alert posted in that channel once."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from index import track
from tests.bot.helpers import assert_no_pings, replies, text_of
from tests.index.track.conftest import FERRY, QUESTION, article

ROOT = Path(__file__).resolve().parents[2]


def sub(name: str, **options: str) -> list[dict]:
    return [
        {"name": name, "type": 1, "options": [{"name": k, "type": 3, "value": v} for k, v in options.items()]}
    ]


def ingest_in_another_process(data: Path, tmp: Path) -> subprocess.CompletedProcess:
    record = {
        "title": "Battery ferry starts Gull Island service",
        "source": "Coast Post",
        "date": "2026-11-20",
    }
    record.update(url="https://coastpost.example/ferry", text="\n\n".join(FERRY))
    path = tmp / "ferry.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "cli", "ingest", str(path), "--data-dir", str(data)]
    return subprocess.run(
        [*argv, "--alerts", str(tmp / "alerts.jsonl")], capture_output=True, text=True, env=env, timeout=600
    )


async def rounds(cog, n: int) -> None:
    """Wait until the tracking loop has run ``n`` more rounds."""
    start = cog.rounds
    while cog.rounds < start + n:
        await asyncio.sleep(0.05)


async def test_track_add_then_another_process_ingests_and_the_alert_is_posted_once(world, tmp_path) -> None:
    w, start = world
    bot = await start(NEWSDESK_TRACK_CHECK_SECONDS=0.2)
    emu, cog = w.emu, bot.get_cog("Track")
    token = await emu.slash("track", w.alpha, w.user, channel="news", options=sub("add", question=QUESTION))
    (added,) = await replies(emu, token)
    assert added["content"].startswith("Tracking #1 in this channel") and not added["flags"] & 64
    news = emu.channel(w.alpha, "news")

    done = await asyncio.to_thread(ingest_in_another_process, bot.settings.data_dir, tmp_path)
    assert done.returncode == 0, done.stderr
    # Whichever process checked first fired it (the CLI right after its ingest, or the bot's loop): once.
    (logged,) = [a.to_dict() for a in await asyncio.to_thread(track.alerts, bot.desk)]
    assert (
        logged["tracked_id"] == 1 and logged["source"] == "Coast Post" and logged["channel_id"] == str(news)
    )
    lines = (tmp_path / "alerts.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x) for x in lines] in ([], [logged])
    assert ("nineteen minutes" in done.stdout) == bool(lines)

    def posted() -> list[dict]:
        return [m for m in emu.created(news) if "nineteen minutes" in text_of(m)]

    (alert,) = await emu.wait_for(posted, timeout=120)
    assert QUESTION in text_of(alert) and "Coast Post" in text_of(alert) and "✓ verbatim" in text_of(alert)
    assert f"Alert #{logged['id']} ·" in text_of(alert)
    await asyncio.wait_for(rounds(cog, 3), 60)
    assert len(posted()) == 1  # the bot's own checks and later rounds do not post it again

    # an article stored by the bot's own desk (a feed poll, /ingest): the loop's own check fires it
    other = article(
        "Island News",
        "quiet-ferry",
        "Islanders praise the quiet Gull Island ferry",
        "The ferry crossing to Gull Island takes nineteen minutes, Captain Mary Quinn said, and the new ferry "
        "makes the crossing to Gull Island without a sound.",
    )
    await asyncio.to_thread(bot.desk.ingest_articles, [other])
    await emu.wait_for(lambda: len(posted()) == 2, timeout=60)
    await asyncio.wait_for(rounds(cog, 3), 60)
    assert len(posted()) == 2 and "Island News" in text_of(posted()[1])
    assert not [m for m in emu.created() if m["channel_id"] != str(news) and "nineteen" in text_of(m)]
    assert_no_pings(emu)


async def test_track_list_remove_are_per_server_and_capped(world) -> None:
    w, start = world
    await start(NEWSDESK_TRACK_MAX_PER_SERVER=1, NEWSDESK_TRACK_CHECK_SECONDS=30)
    emu = w.emu
    token = await emu.slash("track", w.alpha, w.user, options=sub("add", question=QUESTION))
    await replies(emu, token)
    token = await emu.slash("track", w.alpha, w.user, options=sub("add", question="Who runs the ferry?"))
    (capped,) = await replies(emu, token)
    assert capped["flags"] & 64 and "already tracks 1" in capped["content"]
    token = await emu.slash("track", w.beta, w.beta_user, options=sub("list"))
    (beta,) = await replies(emu, token)
    assert "Nothing is tracked" in text_of(beta) and QUESTION not in text_of(beta)
    token = await emu.slash("track", w.beta, w.beta_user, options=sub("remove", number="#1"))
    (refused,) = await replies(emu, token)
    assert refused["flags"] & 64 and "No tracked question #1" in refused["content"]
    token = await emu.slash("track", w.alpha, w.admin, options=sub("list"))
    (listed,) = await replies(emu, token)
    assert "**#1**" in text_of(listed) and "Gull Island" in text_of(listed)
    token = await emu.slash("track", w.alpha, w.admin, options=sub("remove", number="1"))  # an admin may
    (removed,) = await replies(emu, token)
    assert removed["content"].startswith("Stopped tracking #1")
