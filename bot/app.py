"""The Discord client: construction, ``setup_hook``, the command-sync policy, and the entry points for the CLI.

``run_bot(settings)`` (blocking, returns an exit code) is what ``newsdesk run`` calls when ``DISCORD_TOKEN`` is set;
``sync_commands(settings)`` is ``newsdesk sync``. Commands are synced deliberately: at start only when the command
tree's hash differs from the one stored in the bot's state, or on request; never on every ``on_ready``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import pkgutil
import signal
import socket
import sqlite3
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import discord
import yarl
from discord import app_commands
from discord.ext import commands

from index import Answer, Filters, Newsdesk, StoreProblem, say, store_error

from .cooldown import QuestionCooldown
from .errors import tell
from .settings import BotSettings
from .state import BotState

log = logging.getLogger(__name__)
# Admin actions (who, where, what, result) have a logger of their own, shown by default (see configure_logging).
audit_log = logging.getLogger("bot.audit")
T = TypeVar("T")

STATE_FILE = "bot-state.db"
# After the grace: how long cancelled work may take to clean up (delete a half-sent post).
CLEANUP_WAIT_SECONDS = 30.0


EXTENSIONS_DIR = Path(__file__).resolve().parent / "exts"


def extension_names() -> list[str]:
    """Every module in ``bot/exts`` (sorted, so the load order is the same everywhere): adding a feature is
    adding a file; switching one off is a setting its ``setup`` reads. Found on disk, not imported here, so the
    extensions (which import this module) and this module never import each other."""
    found = pkgutil.iter_modules([str(EXTENSIONS_DIR)])
    return sorted(f"{__package__}.exts.{m.name}" for m in found if not m.ispkg)


class RedactToken(logging.Filter):
    """Belt and braces: the token never reaches a log line, whatever logs it."""

    def __init__(self, token: str):
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.token:
            return True
        msg = record.getMessage()
        if self.token in msg:
            record.msg, record.args = msg.replace(self.token, "[redacted token]"), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self.token in record.exc_text:
            record.exc_text = record.exc_text.replace(self.token, "[redacted token]")
        return True


def resilient(body: Callable[[], Awaitable[T]], what: str) -> Callable[[], Awaitable[T | None]]:
    """A ``tasks.loop`` body that logs its failure and returns, so the loop runs again at its next time
    (a loop whose body raises is stopped for good by discord.py)."""

    async def run() -> T | None:
        try:
            return await body()
        except Exception as exc:  # noqa: BLE001 - the loop must survive anything; the traceback goes to the log
            problem = exc if isinstance(exc, StoreProblem) else _store_problem(body, exc)
            if problem is not None:  # a full disk, a damaged store: its one sentence, no traceback
                log.error("%s stopped: %s", what, problem)
            else:
                log.exception("%s failed; it runs again at its next time", what)
            return None

    run.__qualname__ = run.__name__ = f"resilient_{getattr(body, '__name__', 'task')}"
    return run


def _store_problem(body: Callable[..., Any], exc: BaseException) -> StoreProblem | None:
    """A loop body's storage failure as its sentence (the body is a cog's method: its bot knows the data dir)."""
    settings = getattr(getattr(getattr(body, "__self__", None), "bot", None), "settings", None)
    if settings is None or not isinstance(exc, sqlite3.Error | OSError):
        return None
    return store_error(exc, Path(settings.data_dir))


def configure_endpoints(settings: BotSettings) -> None:
    """Point discord.py at another REST base / gateway (rate-limit proxies, the loopback tests)."""
    if settings.discord_api_base:
        discord.http.Route.BASE = settings.discord_api_base.rstrip("/")
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


class NewsdeskTree(app_commands.CommandTree):
    """Every command is for servers; ``guild_only`` only hides commands, so a DM is refused here at run time.

    Every command runs as work a stop waits for (``NewsdeskBot.busy``): a SIGTERM lets an answer being written
    finish, within the grace, instead of closing the state under it."""

    async def _call(self, interaction: discord.Interaction) -> None:
        """discord.py's entry point for each command interaction, run inside ``busy``."""
        client = self.client
        if not isinstance(client, NewsdeskBot):
            await super()._call(interaction)
            return
        async with client.busy():
            await super()._call(interaction)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.guild_id is not None:
            return True
        if interaction.type == discord.InteractionType.application_command:
            name = interaction.command.qualified_name if interaction.command else "ask"
            await tell(interaction, say("bot_guild_only", command=name))
        return False


class NewsdeskBot(commands.Bot):
    def __init__(
        self,
        settings: BotSettings,
        *,
        desk: Newsdesk | None = None,
        state: BotState | None = None,
        clock: Callable[[], datetime] | None = None,
        intents: discord.Intents | None = None,
        sync_only: bool = False,
        **options: Any,
    ):
        if intents is None:
            intents = discord.Intents.default()
            intents.message_content = True  # questions without a slash command (see README)
        options.setdefault("chunk_guilds_at_startup", False)
        if settings.shard_count is not None:  # one of several bot processes (NEWSDESK_SHARD_ID/_COUNT)
            options.setdefault("shard_id", settings.shard_id)
            options.setdefault("shard_count", settings.shard_count)
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            tree_cls=NewsdeskTree,
            **options,
        )
        self.settings = settings
        self.desk = desk
        self._own_desk = desk is None
        self._own_state = state is None
        self.state = state or BotState(Path(settings.data_dir) / STATE_FILE)
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.sync_only = sync_only
        self.search_slots = asyncio.Semaphore(settings.max_concurrent_searches)
        self.questions = QuestionCooldown(settings.ask_cooldown_seconds)  # every way of asking shares it
        self.synced: bool | None = None
        # Who holds a briefing claim: this process (host, pid and a random part, for the logs).
        self.instance_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.stopping = False
        # Work a stop waits for: one future per ``busy()`` region (resolved when the region ends), and the task
        # running it (cancelled if the grace runs out). The region, not the task: a loop task outlives its post.
        self._in_flight: dict[asyncio.Future[None], asyncio.Task[Any]] = {}
        self._stop_task: asyncio.Task[None] | None = None
        self.warming: asyncio.Task[None] | None = None  # Newsdesk.warm, when the bot opened the desk itself

    # -- lifecycle ----------------------------------------------------------------------------------------------
    async def setup_hook(self) -> None:
        if self.desk is None and not self.sync_only:
            log.info("opening the index in %s", self.settings.data_dir)
            self.desk = await asyncio.to_thread(Newsdesk.open, self.settings)
        for ext in extension_names():
            await self.load_extension(ext)
        self.synced = await self.maybe_sync(force=self.sync_only)
        if self.desk is not None and self._own_desk and self.settings.warm_at_start:
            self.warming = asyncio.get_running_loop().create_task(self._warm(self.desk))

    async def _warm(self, desk: Newsdesk) -> None:
        """``Newsdesk.warm`` in a worker thread: the event loop goes on serving while the model loads."""
        started = self.clock()
        await asyncio.to_thread(desk.warm)
        log.info("index warm in %.1f s", (self.clock() - started).total_seconds())

    async def on_message(self, message: discord.Message) -> None:
        # No prefix commands: questions in messages are handled by the ask extension's listener.
        return

    @contextlib.asynccontextmanager
    async def busy(self) -> AsyncIterator[None]:
        """Mark what runs inside as work a stop waits for (a post, an answer being written): the stop ends as
        soon as every such region has ended, and waits at most the grace for them."""
        task = asyncio.current_task()
        assert task is not None
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._in_flight[done] = task
        try:
            yield
        finally:
            del self._in_flight[done]
            done.set_result(None)

    def stop_soon(self, reason: str) -> None:
        """What SIGTERM and SIGINT do: start a clean stop (a second signal while stopping is ignored)."""
        if self._stop_task is None:
            log.warning("%s received: stopping", reason)
            self._stop_task = asyncio.get_running_loop().create_task(self.close())

    async def close(self) -> None:
        """Stop cleanly: take no new work, let work in flight finish (or abandon it, cleaning up) within
        ``NEWSDESK_SHUTDOWN_GRACE_SECONDS``, then close the gateway, the index and the state database."""
        if not self.stopping:
            self.stopping = True
            await self._drain(self.settings.shutdown_grace_seconds)
        await super().close()  # unloads the extensions (their loops stop), closes the gateway
        if self.warming is not None and not self.warming.done():
            # A worker thread cannot be cancelled: wait for the warm-up a little, and otherwise leave the desk open
            # (the process is ending; the lexical cache it may be writing is rebuilt from the store if cut short).
            await asyncio.wait({self.warming}, timeout=self.settings.shutdown_grace_seconds)
        if self._own_desk and self.desk is not None and (self.warming is None or self.warming.done()):
            desk, self.desk = self.desk, None
            await asyncio.to_thread(desk.close)
        if self._own_state:
            self.state.close()

    async def _drain(self, grace: float) -> None:
        """Wait for the work in flight (not for the tasks around it: a loop task never ends by itself), at most
        ``grace`` seconds; then cancel what is left, each piece cleaning up after itself."""
        current = asyncio.current_task()
        pending = {f: t for f, t in self._in_flight.items() if t is not current and not f.done()}
        if not pending:
            return
        log.warning("waiting up to %.0f s for %d piece(s) of work in flight", grace, len(pending))
        _, late = await asyncio.wait(pending, timeout=grace)
        for region in late:
            pending[region].cancel()  # a briefing post deletes its partial messages and frees its claim
        if late:
            log.warning("abandoned %d piece(s) of work still running after %.0f s", len(late), grace)
            await asyncio.wait(late, timeout=CLEANUP_WAIT_SECONDS)
        else:
            log.warning("the work in flight finished; stopping")

    # -- command sync -------------------------------------------------------------------------------------------
    def command_payload(self) -> list[dict[str, Any]]:
        guild = discord.Object(self.settings.dev_guild_id) if self.settings.dev_guild_id else None
        cmds = self.tree.get_commands(guild=guild) if guild else self.tree.get_commands()
        return sorted((c.to_dict(self.tree) for c in cmds), key=lambda d: d["name"])

    def command_hash(self) -> str:
        return hashlib.sha256(json.dumps(self.command_payload(), sort_keys=True).encode()).hexdigest()

    async def maybe_sync(self, force: bool = False) -> bool:
        """Sync the command tree when it changed since the last sync (or when forced); returns True if synced."""
        target = f"guild:{self.settings.dev_guild_id}" if self.settings.dev_guild_id else "global"
        key = f"commands:{self.application_id}:{target}"
        digest = self.command_hash()
        if not force and await asyncio.to_thread(self.state.get_meta, key) == digest:
            log.info("command tree unchanged (%s); not syncing", target)
            return False
        if self.settings.dev_guild_id:
            guild = discord.Object(self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
        else:
            synced = await self.tree.sync()
        await asyncio.to_thread(self.state.set_meta, key, digest)
        log.info("synced %d commands (%s)", len(synced), target)
        return True

    # -- helpers the extensions share ---------------------------------------------------------------------------
    async def ask(self, question: str, *, k: int, filters: Filters, offset: int = 0) -> Answer:
        async with self.search_slots:  # a global cap on concurrent searches
            return await asyncio.to_thread(self.desk.ask, question, k, filters, offset)

    async def audit(self, interaction: discord.Interaction, action: str, detail: str, result: str) -> None:
        """Every admin action: who, where, what, result (log line + the bot's state database)."""
        user = interaction.user
        audit_log.info(
            "admin action by %s (%s) in guild %s channel %s: %s %s -> %s",
            user,
            user.id,
            interaction.guild_id,
            interaction.channel_id,
            action,
            detail,
            result,
        )
        await asyncio.to_thread(
            self.state.audit,
            user_id=user.id,
            user_name=str(user),
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            action=action,
            detail=detail,
            result=result,
        )


def configure_logging(token: str) -> None:
    """Where the bot process starts: a log line format if none is set, the audit log shown at any log level, and
    the token redacted from every line."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    audit_log.setLevel(logging.INFO)
    for handler in root.handlers:
        handler.addFilter(RedactToken(token))


async def start(bot: NewsdeskBot) -> None:
    """Run until closed; SIGTERM (a deploy, ``docker stop``) and SIGINT (Ctrl-C) stop it cleanly."""
    loop = asyncio.get_running_loop()
    handled = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        # Only the main thread of a Unix process gets signals (a bot run from a thread keeps the defaults).
        with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):
            loop.add_signal_handler(sig, bot.stop_soon, sig.name)
            handled.append(sig)
    try:
        async with bot:
            await bot.start(bot.settings.discord_token.get_secret_value())
            if bot._stop_task is not None:
                await bot._stop_task
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)


def _fail(sentence: str) -> int:
    print(f"newsdesk: {sentence}", file=sys.stderr)
    return 2


def run_bot(settings: BotSettings, **options: Any) -> int:
    """Run the bot until it is stopped; returns the process exit code."""
    token = settings.discord_token.get_secret_value()
    configure_logging(token)
    configure_endpoints(settings)
    try:
        asyncio.run(start(NewsdeskBot(settings, **options)))
    except StoreProblem as exc:  # a damaged or unwritable store at start: its one sentence
        return _fail(str(exc))
    except discord.LoginFailure:
        return _fail(
            "Discord rejected DISCORD_TOKEN: copy the bot token again from the developer portal "
            "(Bot → Reset Token) into .env."
        )
    except discord.PrivilegedIntentsRequired:
        return _fail(
            "The message-content intent is not enabled for this bot: turn on 'Message Content Intent' "
            "under Bot → Privileged Gateway Intents in the developer portal (see README)."
        )
    except (OSError, discord.GatewayNotFound, discord.HTTPException) as exc:
        return _fail(
            f"Cannot reach Discord ({type(exc).__name__}: {exc}); check the network or "
            "DISCORD_API_BASE / DISCORD_GATEWAY_URL."
        )
    except KeyboardInterrupt:
        return 0
    return 0


async def _sync(bot: NewsdeskBot) -> None:
    async with bot:
        await bot.login(bot.settings.discord_token.get_secret_value())  # login runs setup_hook, which syncs


def sync_commands(settings: BotSettings, **options: Any) -> int:
    """``newsdesk sync``: push the command tree to Discord now (globally, or to the dev guild)."""
    token = settings.discord_token.get_secret_value()
    configure_logging(token)
    configure_endpoints(settings)
    bot = NewsdeskBot(settings, sync_only=True, **options)
    try:
        asyncio.run(_sync(bot))
    except discord.LoginFailure:
        return _fail("Discord rejected DISCORD_TOKEN: copy the bot token again from the developer portal.")
    except (OSError, discord.HTTPException) as exc:
        return _fail(f"Cannot sync commands ({type(exc).__name__}: {exc}).")
    target = f"guild {settings.dev_guild_id}" if settings.dev_guild_id else "all servers (global)"
    print(f"Synced {len(bot.command_payload())} commands to {target}.")
    return 0
