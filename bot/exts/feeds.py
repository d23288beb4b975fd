"""``/feeds add|list|remove|status|poll`` (admin) and the background poll of due feeds.

Wraps ``index.sources.feeds`` (the live-ingestion issue). Feeds a server adds are scoped to that server. When the module
is not installed the commands answer that feeds are unavailable and the poll task does not start.
"""

from __future__ import annotations

import asyncio
import logging
from types import ModuleType
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands, tasks

from .. import render
from ..app import NewsdeskBot
from ..views import send_pages
from .admin import ADMIN_PERMISSIONS, require_admin
from .errors import UserError

log = logging.getLogger(__name__)


def feeds_module() -> ModuleType | None:
    try:
        from index.sources import feeds
    except ImportError:
        return None
    return feeds


def need_feeds() -> ModuleType:
    mod = feeds_module()
    if mod is None:
        raise UserError("Feeds are not available on this server yet.")
    return mod


def feed_line(info: Any) -> str:
    health = "✅" if info.healthy else f"⚠️ {render.esc(info.last_error or 'failing')}"
    every = need_feeds().describe_every(info.every_seconds)
    title = f" — {render.esc(info.title)}" if info.title else ""
    return (
        f"**#{info.id}** {render.esc(info.url)}{title}\nevery {every} · last poll {info.last_polled or 'never'} · "
        f"added {info.added} · skipped {info.skipped} · failed {info.failed} · {health}"
    )


class Feeds(commands.Cog):
    feeds = app_commands.Group(
        name="feeds",
        description="RSS/Atom feeds this server polls",
        default_permissions=ADMIN_PERMISSIONS,
        guild_only=True,
    )

    def __init__(self, bot: NewsdeskBot):
        self.bot = bot
        self.poller = tasks.loop(minutes=bot.settings.feeds_poll_minutes)(self.poll_due)
        self.poller.before_loop(self.bot.wait_until_ready)

    async def cog_load(self) -> None:
        if feeds_module() is not None and not self.bot.sync_only:
            self.poller.start()

    async def cog_unload(self) -> None:
        self.poller.cancel()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await require_admin(interaction)

    async def poll_due(self) -> None:
        mod = feeds_module()
        if mod is None:
            return
        try:
            report = await mod.poll(self.bot.desk)
        except Exception:
            log.exception("feed poll failed")
            return
        if report.feeds:
            log.info("feed poll: %d feeds, %d added", len(report.feeds), report.added)

    @feeds.command(name="add", description="Poll a feed for this server")
    @app_commands.describe(url="RSS or Atom feed URL", every="How often, e.g. 15m, 1h (default 15m)")
    async def add(self, interaction: discord.Interaction, url: str, every: str = "15m") -> None:
        mod = need_feeds()
        try:
            info = await asyncio.to_thread(mod.add_feed, self.bot.desk, url, every, str(interaction.guild_id))
        except mod.FeedError as exc:
            await self.bot.audit(interaction, "/feeds add", url, f"refused: {exc}")
            raise UserError(str(exc)) from exc
        await self.bot.audit(interaction, "/feeds add", url, f"feed #{info.id}")
        await interaction.response.send_message(
            f"Added feed #{info.id}: {url} (every {mod.describe_every(info.every_seconds)}).",
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @feeds.command(name="list", description="Feeds this server polls")
    async def list_(self, interaction: discord.Interaction) -> None:
        mod = need_feeds()
        infos = await asyncio.to_thread(mod.list_feeds, self.bot.desk, str(interaction.guild_id))
        await interaction.response.defer(thinking=True)
        pages = render.pack(
            [feed_line(i) for i in infos] or ["No feeds yet: `/feeds add url:…`"],
            title="Feeds",
            color=render.COLOR_ANSWER,
        )
        await send_pages(interaction.followup.send, pages, wait=True)
        await self.bot.audit(interaction, "/feeds list", "", f"{len(infos)} feeds")

    @feeds.command(name="remove", description="Stop polling a feed (its articles stay indexed)")
    @app_commands.describe(feed="Feed number (#3) or URL")
    async def remove(self, interaction: discord.Interaction, feed: str) -> None:
        mod = need_feeds()
        try:
            info = await asyncio.to_thread(mod.remove_feed, self.bot.desk, feed, str(interaction.guild_id))
        except mod.FeedError as exc:
            await self.bot.audit(interaction, "/feeds remove", feed, f"refused: {exc}")
            raise UserError(str(exc)) from exc
        await self.bot.audit(interaction, "/feeds remove", feed, f"removed #{info.id}")
        await interaction.response.send_message(
            f"Removed feed #{info.id} ({info.url}).", allowed_mentions=discord.AllowedMentions.none()
        )

    @feeds.command(name="status", description="What a feed added recently, and why items were skipped")
    @app_commands.describe(feed="Feed number (#3) or URL; default: all")
    async def status(self, interaction: discord.Interaction, feed: str | None = None) -> None:
        mod = need_feeds()
        try:
            rows = await asyncio.to_thread(
                mod.feed_status, self.bot.desk, feed, str(interaction.guild_id), 10
            )
        except mod.FeedError as exc:
            raise UserError(str(exc)) from exc
        await interaction.response.defer(thinking=True)
        blocks = []
        for st in rows:
            lines = [feed_line(st.feed)]
            for item in st.items:
                why = f" — {render.esc(item.reason)}" if getattr(item, "reason", None) else ""
                lines.append(
                    f"• {item.status}: {render.esc(render.clip(item.title or item.link or '?', 150))}{why}"
                )
            blocks.append("\n".join(lines))
        await send_pages(
            interaction.followup.send,
            render.pack(blocks or ["No feeds yet."], title="Feed status", color=render.COLOR_ANSWER),
            wait=True,
        )
        await self.bot.audit(interaction, "/feeds status", feed or "all", f"{len(rows)} feeds")

    @feeds.command(name="poll", description="Poll this server's feeds now")
    async def poll_now(self, interaction: discord.Interaction) -> None:
        mod = need_feeds()
        await interaction.response.defer(thinking=True)
        report = await mod.poll(self.bot.desk, force=True, scope=str(interaction.guild_id))
        errors = "".join(f"\n• #{f.feed_id}: {render.esc(f.error or '')}" for f in report.errors[:10])
        text = (
            f"Polled {len(report.feeds)} feed(s): added {report.added}, skipped {report.skipped}, "
            f"failed {report.failed}.{errors}"
        )
        await interaction.followup.send(
            render.clip(text, render.CONTENT_LIMIT), allowed_mentions=discord.AllowedMentions.none()
        )
        await self.bot.audit(interaction, "/feeds poll", "", f"added {report.added}, failed {report.failed}")


async def setup(bot: NewsdeskBot) -> None:
    await bot.add_cog(Feeds(bot))
