"""Start-up: settings errors in one sentence, a bad token, the sync policy, the token never logged."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from collections.abc import AsyncIterator

import pytest

from bot.app import NewsdeskBot, configure_endpoints, run_bot
from bot.settings import SettingsError, load_settings
from index import language
from tests.bot.conftest import bot_settings


def test_missing_token_is_one_clear_sentence(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    with pytest.raises(SettingsError) as exc:
        load_settings()
    assert (
        str(exc.value) == "DISCORD_TOKEN is not set: put it in the environment or in .env (see .env.example)."
    )


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("NEWSDESK_BRIEFING_TIMEZONE", "Mars/Olympus", "NEWSDESK_BRIEFING_TIMEZONE is invalid"),
        ("NEWSDESK_BRIEFING_TIME", "25:99", "NEWSDESK_BRIEFING_TIME is invalid"),
        ("NEWSDESK_ADMIN_ROLE_IDS", "admins", "NEWSDESK_ADMIN_ROLE_IDS is invalid"),
        ("DISCORD_TOKEN", "Bot abc", "DISCORD_TOKEN is invalid"),
    ],
)
def test_bad_setting_is_one_clear_sentence(monkeypatch, tmp_path, name, value, fragment) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_TOKEN", "abc")
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as exc:
        load_settings()
    msg = str(exc.value)
    assert fragment in msg and msg.count("\n") == 0 and msg.endswith(".")


async def test_bad_token_fails_start_up_clearly(emu, tmp_path, capsys) -> None:
    settings = bot_settings(emu, tmp_path / "data", DISCORD_TOKEN="wrong-token-123")
    code = await asyncio.to_thread(run_bot, settings)
    assert code == 2
    err = capsys.readouterr().err
    assert "Discord rejected DISCORD_TOKEN" in err and "wrong-token-123" not in err
    assert emu.requests[0].path == "/users/@me" and emu.requests[0].status == 401


async def test_sync_only_when_commands_changed_and_token_never_logged(world, caplog) -> None:
    w, start = world
    caplog.set_level(logging.DEBUG)
    bot = await start()
    emu = w.emu
    puts = emu.requests_to("PUT", "/commands")
    assert len(puts) == 1
    names = {c["name"] for c in puts[0].json}
    assert names == {
        "ask",
        "briefing",
        "ingest",
        "reindex",
        "sources",
        "stats",
        "newsdesk",
        "feeds",
        "timeline",
        "quotes",
        "track",
    }
    admin = {c["name"]: c.get("default_member_permissions") for c in puts[0].json}
    assert all(str(admin[n]) == "32" for n in ("ingest", "reindex", "sources", "stats", "newsdesk", "feeds"))
    assert admin["ask"] is None and admin["briefing"] is None and admin["track"] is None
    await bot.close()
    bot = await start()  # same command set: no sync on restart
    assert len(emu.requests_to("PUT", "/commands")) == 1
    assert await bot.maybe_sync(force=True) is True  # `newsdesk sync`
    assert len(emu.requests_to("PUT", "/commands")) == 2
    assert emu.token not in caplog.text
    assert emu.has_content_intent


@contextlib.asynccontextmanager
async def own_desk_bot(emu, template_dir, tmp_path, **extra) -> AsyncIterator[NewsdeskBot]:
    """A bot that opens a copy of the template data dir itself, as ``newsdesk run``'s does, started against the
    emulator and closed after."""
    data = tmp_path / "data"
    shutil.copytree(template_dir, data)
    settings = bot_settings(emu, data, **extra)
    configure_endpoints(settings)
    bot = NewsdeskBot(settings, guild_ready_timeout=0.1)
    task = asyncio.create_task(bot.start(emu.token))
    try:
        await emu.wait_ready(timeout=60)
        await asyncio.wait_for(bot.wait_until_ready(), 60)
        yield bot
    finally:
        await bot.close()
        await asyncio.wait_for(task, 10)


async def test_a_bot_that_opens_its_own_index_warms_it_in_the_background(
    emu, template_dir, tmp_path, monkeypatch
) -> None:
    """``newsdesk run``'s bot opens the data dir itself: once started, a worker thread loads the model, the vector
    cache, the lexical engine and the language identifier, so the first question waits for none of them."""
    monkeypatch.setattr(language, "_identifier", None)  # as in a new process
    async with own_desk_bot(emu, template_dir, tmp_path) as bot:
        assert bot.warming is not None
        await asyncio.wait_for(bot.warming, 120)
        desk = bot.desk
        assert desk is not None and desk._embedder is not None and desk._vectors is not None
        assert len(desk._vectors) == desk.store.paragraph_count() > 0  # caught up with the store
        assert language._identifier is not None
    assert bot.desk is None  # the warm-up had ended: the bot closed the index it opened


async def test_no_warm_up_when_switched_off(emu, template_dir, tmp_path) -> None:
    async with own_desk_bot(emu, template_dir, tmp_path, NEWSDESK_WARM=False) as bot:
        assert bot.warming is None and bot.desk is not None and bot.desk._vectors is None
