"""Fixtures for the bot tests: the loopback Discord emulator and the real bot (real model, real index) against it.

The session-scoped ``embedder`` of tests/conftest.py is shared by every desk; the bundled Wikinews corpus plus the seed article are
ingested once into a template data dir that each test copies. Any ERROR log record fails the test (bot
exceptions are only logged), unless the test asks for ``allow_errors``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot.app import NewsdeskBot, configure_endpoints  # noqa: E402
from bot.settings import BotSettings  # noqa: E402
from index.embed.model import Embedder  # noqa: E402
from tests.discord_emulator import DiscordEmulator, Guild, Member  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus" / "wikinews" / "articles.jsonl"
# Read by path from the evaluation data beside the checkout, never copied into the repository.
SEED = ROOT.parent / "shared" / "data" / "seed" / "kyodo-japan-russia-sanctions.txt"
SEED_FRONT = (
    "---\ntitle: US urges Japan to consider sanctions on Russia over Ukraine\nsource: Kyodo News\n"
    "date: 2022-01-29\nurl: https://english.kyodonews.net/news/2022/01/us-urges-japan-sanctions.html\n---\n\n"
)


@pytest.fixture(scope="session")
def template_dir(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    from index.config import CoreSettings
    from index.service import Newsdesk

    data = tmp_path_factory.mktemp("template") / "data"
    desk = Newsdesk.open(CoreSettings(NEWSDESK_DATA_DIR=data), embedder=embedder)
    try:
        desk.ingest_paths([CORPUS])
        if SEED.exists():
            desk.ingest_bytes("kyodo-japan-russia-sanctions.txt", SEED_FRONT.encode() + SEED.read_bytes())
    finally:
        desk.close()
    return data


@pytest.fixture
def need_seed() -> None:
    if not SEED.exists():
        pytest.skip(f"seed article {SEED} is not on this machine")


class ErrorRecords(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []
        self.allowed = False

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def error_logs() -> Any:
    handler = ErrorRecords()
    root = logging.getLogger()
    root.addHandler(handler)
    old = root.level
    root.setLevel(min(old, logging.INFO))
    yield handler
    root.removeHandler(handler)
    root.setLevel(old)
    if not handler.allowed and handler.records:
        msgs = "\n".join(f"{r.name}: {r.getMessage()}" for r in handler.records)
        pytest.fail(f"ERROR log records during the test:\n{msgs}")


@pytest.fixture
def allow_errors(error_logs: ErrorRecords) -> ErrorRecords:
    error_logs.allowed = True
    return error_logs


class World:
    """The emulator with two servers (Alpha, Beta), an admin and a plain member in each, and the bot."""

    def __init__(self, emu: DiscordEmulator):
        self.emu = emu
        self.alpha: Guild = emu.add_guild("Alpha")
        self.beta: Guild = emu.add_guild("Beta")
        self.admin: Member = emu.add_member(self.alpha, "alice-admin", admin=True)
        self.user: Member = emu.add_member(self.alpha, "bob")
        self.beta_admin: Member = emu.add_member(self.beta, "carol-admin", admin=True)
        self.beta_user: Member = emu.add_member(self.beta, "dave")
        self.bot: NewsdeskBot | None = None


@pytest.fixture
async def emu() -> AsyncIterator[DiscordEmulator]:
    e = DiscordEmulator()
    await e.start()
    yield e
    await e.stop()


def bot_settings(emu: DiscordEmulator, data_dir: Path, **extra: Any) -> BotSettings:
    values: dict[str, Any] = {
        "DISCORD_TOKEN": emu.token,
        "NEWSDESK_DATA_DIR": data_dir,
        "DISCORD_API_BASE": emu.api_base,
        "DISCORD_GATEWAY_URL": emu.gateway_url,
        "NEWSDESK_ASK_COOLDOWN": 0,
        "NEWSDESK_PROGRESS_INTERVAL": 0.01,
        "NEWSDESK_ALLOW_HOSTS": "127.0.0.1",
    }
    values.update(extra)
    return BotSettings(_env_file=None, **values)


StartBot = Callable[..., Awaitable[NewsdeskBot]]


@pytest.fixture
async def world(
    emu: DiscordEmulator, template_dir: Path, embedder: Embedder, tmp_path: Path
) -> AsyncIterator[tuple[World, StartBot]]:
    """Returns (world, start): ``await start(**settings)`` runs the real bot against the emulator."""
    from index.service import Newsdesk

    w = World(emu)
    data = tmp_path / "data"
    shutil.copytree(template_dir, data)
    running: list[tuple[NewsdeskBot, asyncio.Task, Any]] = []

    async def start(clock: Callable[[], datetime] | None = None, **extra: Any) -> NewsdeskBot:
        settings = bot_settings(emu, data, **extra)
        configure_endpoints(settings)
        desk = await asyncio.to_thread(Newsdesk.open, settings, embedder)
        bot = NewsdeskBot(settings, desk=desk, clock=clock, guild_ready_timeout=0.1)
        emu._ready.clear()
        task = asyncio.create_task(bot.start(emu.token))
        await emu.wait_ready(timeout=60)
        await asyncio.wait_for(bot.wait_until_ready(), 60)
        running.append((bot, task, desk))
        w.bot = bot
        return bot

    yield w, start
    for bot, task, desk in running:
        await bot.close()
        with contextlib.suppress(Exception):  # the client task may end with a closed connection
            await asyncio.wait_for(task, 10)
        bot.state.close()
        await asyncio.to_thread(desk.close)


async def stop(bot: NewsdeskBot) -> None:
    await bot.close()
