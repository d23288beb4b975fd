"""``/feeds add|list|remove|status|poll`` (admin) and the background poll of due feeds.

Wraps ``index.feeds`` (live ingestion). Feeds a server adds are scoped to that server. ``NEWSDESK_FEEDS=false``
switches the feature off: the commands are not registered and nothing is polled.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands, tasks

from index import feeds, say

from .. import render
from ..app import NewsdeskBot, resilient
from ..checks import ADMIN_PERMISSIONS, require_admin
from ..errors import UserError, followup, think
from ..views import send_pages

log = logging.getLogger(__name__)
SHOWN_ITEMS = 10  # recent items per feed in /feeds status (the CLI shows more)
SHOWN_ERRORS = 10  # failing feeds listed after /feeds poll


def feed_line(info: Any) -> str:
    health = "✅" if info.healthy else f"⚠️ {render.esc(info.last_error or 'failing')}"
    every = feeds.describe_every(info.every_seconds)
    title = f" — {render.esc(info.title)}" if info.title else ""
    return (
        f"**#{info.id}** {render.esc(info.url)}{title}\nevery {every} · last poll {info.last_polled or 'never'} · "
        f"added {info.added} · skipped {info.skipped} · failed {info.failed} · {health}"
    )


def status_block(st: Any) -> str:
    lines = [feed_line(st.feed)]
    for item in st.items:
        why = f" — {render.esc(item.reason)}" if item.reason else ""
        lines.append(f"• {item.status}: {render.esc(render.clip(item.title or item.link or '?', 150))}{why}")
    return "\n".join(lines)


class Feeds(commands.Cog):
    group = app_commands.Group(
        name="feeds",
        description="RSS/Atom feeds this server polls",
        default_permissions=ADMIN_PERMISSIONS,
        guild_only=True,
    )

    def __init__(self, bot: NewsdeskBot):
        self.bot = bot
        self.poller = tasks.loop(minutes=bot.settings.feeds_poll_minutes)(
            resilient(self.poll_due, "feed poll")
        )
        self.poller.before_loop(self.bot.wait_until_ready)
        self.background_polls = 0  # finished background polls (the first runs right after start)

    async def cog_load(self) -> None:
        if not self.bot.sync_only and self.bot.settings.polls_feeds:
            self.poller.start()

    async def cog_unload(self) -> None:
        self.poller.cancel()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await require_admin(interaction)

    async def poll_due(self) -> None:
        try:
            report = await feeds.poll(self.bot.desk)
        finally:
            self.background_polls += 1
        if report.feeds:
            log.info("feed poll: %d feeds, %d added", len(report.feeds), report.added)

    @group.command(name="add", description="Poll a feed for this server")
    @app_commands.describe(url="RSS or Atom feed URL", every="How often, e.g. 15m, 1h (default 15m)")
    async def add(self, interaction: discord.Interaction, url: str, every: str = "15m") -> None:
        try:
            info = await asyncio.to_thread(
                feeds.add_feed, self.bot.desk, url, every, str(interaction.guild_id)
            )
        except feeds.FeedError as exc:
            await self.bot.audit(interaction, "/feeds add", url, f"refused: {exc}")
            raise UserError(str(exc)) from exc
        await self.bot.audit(interaction, "/feeds add", url, f"feed #{info.id}")
        every = feeds.describe_every(info.every_seconds)
        await interaction.response.send_message(
            say("bot_feed_added", id=info.id, url=render.esc(info.url), every=every),
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @group.command(name="list", description="Feeds this server polls")
    async def list_(self, interaction: discord.Interaction) -> None:
        infos = await asyncio.to_thread(feeds.list_feeds, self.bot.desk, str(interaction.guild_id))
        await think(interaction)
        pages = render.pack(
            [feed_line(i) for i in infos] or [say("bot_no_feeds")],
            title="Feeds",
            color=render.COLOR_ANSWER,
        )
        await send_pages(followup(interaction), pages, wait=True)
        await self.bot.audit(interaction, "/feeds list", "", f"{len(infos)} feeds")

    @group.command(name="remove", description="Stop polling a feed (its articles stay indexed)")
    @app_commands.describe(feed="Feed number (#3) or URL")
    async def remove(self, interaction: discord.Interaction, feed: str) -> None:
        try:
            info = await asyncio.to_thread(feeds.remove_feed, self.bot.desk, feed, str(interaction.guild_id))
        except feeds.FeedError as exc:
            await self.bot.audit(interaction, "/feeds remove", feed, f"refused: {exc}")
            raise UserError(str(exc)) from exc
        await self.bot.audit(interaction, "/feeds remove", feed, f"removed #{info.id}")
        await interaction.response.send_message(
            say("bot_feed_removed", id=info.id, url=render.esc(info.url)),
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @group.command(name="status", description="What a feed added recently, and why items were skipped")
    @app_commands.describe(feed="Feed number (#3) or URL; default: all")
    async def status(self, interaction: discord.Interaction, feed: str | None = None) -> None:
        try:
            rows = await asyncio.to_thread(
                feeds.feed_status, self.bot.desk, feed, str(interaction.guild_id), SHOWN_ITEMS
            )
        except feeds.FeedError as exc:
            raise UserError(str(exc)) from exc
        await think(interaction)
        blocks = [status_block(st) for st in rows]
        await send_pages(
            followup(interaction),
            render.pack(blocks or [say("bot_no_feeds")], title="Feed status", color=render.COLOR_ANSWER),
            wait=True,
        )
        await self.bot.audit(interaction, "/feeds status", feed or "all", f"{len(rows)} feeds")

    @group.command(name="poll", description="Poll this server's feeds now")
    async def poll_now(self, interaction: discord.Interaction) -> None:
        await think(interaction)
        report = await feeds.poll(self.bot.desk, force=True, scope=str(interaction.guild_id))
        errors = "".join(
            f"\n• #{f.feed_id}: {render.esc(f.error or '')}" for f in report.errors[:SHOWN_ERRORS]
        )
        summary = say(
            "bot_feeds_polled",
            feeds=len(report.feeds),
            added=report.added,
            skipped=report.skipped,
            failed=report.failed,
        )
        text = summary + errors
        await followup(interaction)(
            render.clip(text, render.CONTENT_LIMIT), allowed_mentions=discord.AllowedMentions.none()
        )
        await self.bot.audit(interaction, "/feeds poll", "", f"added {report.added}, failed {report.failed}")


async def setup(bot: NewsdeskBot) -> None:
    if not bot.settings.feeds_enabled:
        log.info("feeds are switched off (NEWSDESK_FEEDS=false): no /feeds, no background poll")
        return
    await bot.add_cog(Feeds(bot))
