"""Several real processes on one data dir and one collection of a real Milvus server: the bot (``newsdesk run``
against the Discord emulator), a ``newsdesk poll`` and a ``newsdesk ingest`` at once, with a long-running Newsdesk
asking meanwhile. Every paragraph is searchable by every process after its writer committed it, nothing is
re-embedded, and the collection holds each stored paragraph exactly once with exactly its stored vector."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from index.sources.feeds import add_feed
from tests.bot.helpers import replies, text_of
from tests.discord_emulator import DiscordEmulator
from tests.index.sources.loopback_news import Item, NewsSite

from .conftest import (
    Asker,
    assert_collection_mirrors_store,
    found_by,
    newsdesk,
    newsdesk_argv,
    subprocess_env,
    write_articles,
)
from .stories import stories

pytestmark = pytest.mark.milvus_server

STARTUP_SECONDS = 240  # a fresh bot process loads the model and opens the collection before it connects


async def run_bot(emu: DiscordEmulator, env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    settings = {
        "DISCORD_TOKEN": emu.token,
        "DISCORD_API_BASE": emu.api_base,
        "DISCORD_GATEWAY_URL": emu.gateway_url,
        "NEWSDESK_ASK_COOLDOWN": "0",
        "NEWSDESK_FEEDS": "false",  # the poll here is the cron `newsdesk poll`'s, so its report is exact
        **env,
    }
    return await asyncio.create_subprocess_exec(
        *newsdesk_argv("run"),
        cwd=cwd,
        env=subprocess_env(settings),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def run_cli(env: dict[str, str], cwd: Path, *argv: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        *newsdesk_argv(*argv),
        cwd=cwd,
        env=subprocess_env(env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 600)
    return proc.returncode or 0, out.decode(), err.decode()


async def bot_asks(emu: DiscordEmulator, guild, member, question: str) -> str:
    token = await emu.slash(
        "ask", guild, member, options=[{"name": "question", "type": 3, "value": question}]
    )
    (msg,) = await replies(emu, token)
    return text_of(msg)


async def test_the_bot_a_poll_and_an_ingest_at_once_on_one_collection(
    env, data, open_desk, server, collection, tmp_path, embedder, monkeypatch
):
    by_ingest, by_poll = stories(0, 4, "Coast Post"), stories(4, 3, "Valley Herald")
    articles = write_articles(tmp_path / "new.jsonl", [s.record(i) for i, s in enumerate(by_ingest)])
    site = NewsSite()
    await site.start()
    emu = DiscordEmulator()
    await emu.start()
    guild = emu.add_guild("Alpha")
    member = emu.add_member(guild, "bob")
    bot = None
    try:
        items = [Item(f"/valley/{s.place.lower()}", s.title, s.outlet, s.date, s.paragraphs) for s in by_poll]
        site.feed("/valley.rss", "Valley Herald", items)

        desk = open_desk()
        await asyncio.to_thread(add_feed, desk, site.url("/valley.rss"))
        wiki_question = "How many people died in the tsunami?"
        first = await asyncio.to_thread(desk.ask, wiki_question)  # fills the collection from the store
        assert first.quotes
        before = assert_collection_mirrors_store(server.uri, collection, data)

        embedded: list[str] = []  # passages this process embeds (questions go through encode_query)
        real_encode = embedder.encode
        monkeypatch.setattr(
            embedder, "encode", lambda texts, *a, **k: embedded.extend(texts) or real_encode(texts, *a, **k)
        )

        bot = await run_bot(emu, env, tmp_path)
        await emu.wait_ready(timeout=STARTUP_SECONDS)
        assert first.quotes[0].title in await bot_asks(emu, guild, member, wiki_question)

        asker = Asker(desk, wiki_question, first.quotes[0].title)
        asker.start()
        try:
            # the cron poll and an admin's ingest, at once, while the bot and this process answer questions
            ingest_run = asyncio.create_task(run_cli(env, tmp_path, "ingest", str(articles), "--json"))
            poll_run = asyncio.create_task(run_cli(env, tmp_path, "poll", "--json"))
            while not (ingest_run.done() and poll_run.done()):
                assert first.quotes[0].title in await bot_asks(emu, guild, member, wiki_question)
                await asyncio.sleep(0.2)
            (code_i, out_i, err_i), (code_p, out_p, err_p) = ingest_run.result(), poll_run.result()
        finally:
            asker.stop.set()
            await asyncio.to_thread(asker.join, 60)
        assert code_i == 0, err_i
        assert code_p == 0, err_p
        assert json.loads(out_i)["added"] == len(by_ingest)
        assert json.loads(out_p)["added"] == len(by_poll)
        assert asker.asked > 0 and asker.wrong == []

        # every new article, found by every process: the bot, this process, and a process started afterwards
        for story in by_ingest + by_poll:
            assert found_by(await asyncio.to_thread(desk.ask, story.question), story), story.title
            assert story.title in await bot_asks(emu, guild, member, story.question), story.title
        for story in (by_ingest[0], by_poll[0]):
            code, out, err = await run_cli(env, tmp_path, "ask", story.question, "--json")
            assert code == 0, err
            assert json.loads(out)["quotes"][0]["title"] == story.title

        added = sum(len(s.paragraphs) for s in by_ingest + by_poll)
        assert assert_collection_mirrors_store(server.uri, collection, data) == before + added
        assert embedded == []  # this process embedded no passage: it took every vector from the store
    finally:
        if bot is not None and bot.returncode is None:
            bot.terminate()  # the bot stops cleanly on SIGTERM (tests/bot/test_shutdown.py)
            try:
                await asyncio.wait_for(bot.wait(), 30)
            except TimeoutError:
                bot.kill()
                await bot.wait()
        await emu.stop()
        await site.stop()
    err = (await bot.stderr.read()).decode() if bot is not None and bot.stderr else ""
    assert "Traceback" not in err, err[-3000:]


@pytest.mark.parametrize("level", ["Strong", "Session"])
def test_a_question_right_after_another_process_ingests_finds_its_article(
    level, env, data, open_desk, server, collection, tmp_path
):
    env = {**env, "NEWSDESK_MILVUS_CONSISTENCY": level}
    desk = open_desk(milvus_consistency=level)
    assert desk.ask("Who won the election?").quotes  # warm: its collection position is the store's
    theirs, ours = stories(7, 2)

    # B (this process) asks right after A (another process) committed
    done = newsdesk(env, "ingest", str(write_articles(tmp_path / "a.jsonl", [theirs.record(0)])))
    assert done.returncode == 0, done.stderr
    assert found_by(desk.ask(theirs.question), theirs)

    # and the other way: this process ingests and catches up (so the position it records covers the new rows),
    # then a new process, which upserts nothing itself, asks at once
    report = desk.ingest_paths([write_articles(tmp_path / "b.jsonl", [ours.record(1)])])
    assert report.added == 1
    assert found_by(desk.ask(ours.question), ours)
    asked = newsdesk(env, "ask", ours.question, "--json")
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)["quotes"][0]["title"] == ours.title
    assert_collection_mirrors_store(server.uri, collection, data)
