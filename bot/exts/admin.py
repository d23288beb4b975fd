"""Admin commands: ``/newsdesk watch|unwatch``, ``/ingest``, ``/reindex``, ``/sources``, ``/stats``.

Hidden from non-admins with ``default_permissions(manage_guild=True)`` and enforced again at run time (server
admins can override a command's default permissions): Manage Server, Administrator, or a configured admin role.
Every admin action is audited: who, where, what, result. What a server ingests is scoped to that server.
"""

from __future__ import annotations

import asyncio
import logging

import discord
from discord import app_commands
from discord.ext import commands

from index import IngestReport, ingest_urls, say

from .. import render
from ..app import NewsdeskBot
from ..checks import ADMIN_PERMISSIONS, require_admin
from ..converters import check_attachment, check_url, scopes
from ..errors import UserError
from ..views import send_pages

log = logging.getLogger(__name__)


async def ingest_url(bot: NewsdeskBot, url: str, scope: str) -> IngestReport:
    return await ingest_urls(bot.desk, [check_url(url)], scope=scope)


class Admin(commands.Cog):
    newsdesk = app_commands.Group(
        name="newsdesk",
        description="Newsdesk settings for this server",
        default_permissions=ADMIN_PERMISSIONS,
        guild_only=True,
    )

    def __init__(self, bot: NewsdeskBot):
        self.bot = bot
        self.reindex_lock = asyncio.Lock()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:  # every command of this cog
        return await require_admin(interaction)

    # ------------------------------------------------------------------------------------------ watch
    @newsdesk.command(name="watch", description="Answer every question posted in this channel")
    async def watch(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        assert interaction.guild_id is not None
        added = await asyncio.to_thread(
            self.bot.state.watch, interaction.guild_id, channel.id, interaction.user.id
        )
        text = say("bot_watch_added" if added else "bot_watch_already", channel=channel.mention)
        await interaction.response.send_message(text, allowed_mentions=discord.AllowedMentions.none())
        await self.bot.audit(
            interaction,
            "/newsdesk watch",
            f"#{channel.name} ({channel.id})",
            "watched" if added else "already watched",
        )

    @newsdesk.command(name="unwatch", description="Stop answering questions in this channel")
    async def unwatch(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        assert interaction.guild_id is not None
        removed = await asyncio.to_thread(self.bot.state.unwatch, interaction.guild_id, channel.id)
        text = say("bot_unwatched" if removed else "bot_not_watched", channel=channel.mention)
        await interaction.response.send_message(text, allowed_mentions=discord.AllowedMentions.none())
        await self.bot.audit(
            interaction,
            "/newsdesk unwatch",
            f"#{channel.name} ({channel.id})",
            "unwatched" if removed else "was not watched",
        )

    # ------------------------------------------------------------------------------------------ ingest
    @app_commands.command(name="ingest", description="Add an article (URL or file) to this server's index")
    @app_commands.describe(
        url="An article page to fetch", file="A .txt .md .markdown .html .json or .jsonl file"
    )
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def ingest(
        self, interaction: discord.Interaction, url: str | None = None, file: discord.Attachment | None = None
    ) -> None:
        if (url is None) == (file is None):
            raise UserError(say("bot_ingest_one_of"))
        scope = str(interaction.guild_id)
        if file is not None:
            check_attachment(file.filename, file.size, self.bot.settings.max_attachment_bytes)
        else:
            check_url(url or "")
        await interaction.response.defer(thinking=True)
        what = url if url is not None else f"attachment:{file.filename}"  # type: ignore[union-attr]
        try:
            if file is not None:
                data = await file.read()
                report = await asyncio.to_thread(self.bot.desk.ingest_bytes, file.filename, data, scope)
            else:
                report = await ingest_url(self.bot, url or "", scope)
        except Exception as exc:
            await self.bot.audit(interaction, "/ingest", what, f"error: {type(exc).__name__}")
            raise
        await self.bot.audit(interaction, "/ingest", what, render.ingest_summary(report))
        await interaction.followup.send(
            render.report_text(report, "bot_ingest_done", what=render.clip(what, 200)),
            allowed_mentions=discord.AllowedMentions.none(),
        )

    # ------------------------------------------------------------------------------------------ reindex
    @app_commands.command(name="reindex", description="Rebuild the search index (re-embed every paragraph)")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def reindex(self, interaction: discord.Interaction) -> None:
        if self.reindex_lock.locked():
            raise UserError(say("bot_reindex_running"))
        async with self.reindex_lock:
            await interaction.response.send_message(
                say("bot_reindex_counting"), allowed_mentions=discord.AllowedMentions.none()
            )
            progress = {"done": 0, "total": 0}

            def on_progress(done: int, total: int) -> None:  # called from the worker thread
                progress["done"], progress["total"] = done, total

            job = asyncio.ensure_future(asyncio.to_thread(self.bot.desk.reindex, on_progress))
            show = self._progress_display(interaction)
            shown = ""
            interval = max(self.bot.settings.progress_interval_seconds, 0.01)
            while not job.done():
                await asyncio.wait({job}, timeout=interval)
                if progress["total"] and not job.done():
                    text = render.progress_line("Embedding", progress["done"], progress["total"])
                    if text != shown:
                        await show(text)
                        shown = text
            try:
                report = job.result()
            except Exception as exc:
                await self.bot.audit(interaction, "/reindex", "", f"error: {type(exc).__name__}")
                raise
            total = progress["total"]
            done_line = render.progress_line("Embedded", total, total) + "\n" if total else ""
            await self.bot.audit(
                interaction, "/reindex", "", f"{total} paragraphs; failed {len(report.failed)}"
            )
            await show(done_line + render.report_text(report, "bot_reindex_done"))

    def _progress_display(self, interaction: discord.Interaction):
        """An async ``show(text)`` that edits the command's reply while its token is valid (15 minutes), then
        moves to a channel message of its own, so a long rebuild still ends with its report."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        limit = self.bot.settings.interaction_edit_seconds
        none = discord.AllowedMentions.none()
        moved: discord.Message | None = None

        async def show(text: str) -> None:
            nonlocal moved
            if moved is not None:
                await moved.edit(content=text, allowed_mentions=none)
            elif loop.time() - started >= limit and interaction.channel is not None:
                moved = await interaction.channel.send(text, allowed_mentions=none)
                await interaction.edit_original_response(
                    content=say("bot_reindex_moved", link=moved.jump_url)
                )
            else:
                await interaction.edit_original_response(content=text)

        return show

    # ------------------------------------------------------------------------------------------ sources, stats
    @app_commands.command(name="sources", description="Outlets in the index, with article counts and dates")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def sources(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        stats = await asyncio.to_thread(self.bot.desk.sources, scopes(interaction.guild_id))
        await send_pages(interaction.followup.send, render.render_sources(stats), wait=True)
        await self.bot.audit(interaction, "/sources", "", f"{len(stats)} outlets")

    @app_commands.command(name="stats", description="Index size, model and bot state")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def stats(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        stats = await asyncio.to_thread(self.bot.desk.stats)
        watched = await asyncio.to_thread(self.bot.state.watched, interaction.guild_id or 0)
        feedback = await asyncio.to_thread(self.bot.state.feedback)
        extra = {
            "Watched channels here": len(watched) or "none",
            "Feedback votes": f"{sum(f['vote'] > 0 for f in feedback)} 👍 / {sum(f['vote'] < 0 for f in feedback)} 👎",
        }
        await interaction.followup.send(
            embed=render.render_stats(stats, extra), allowed_mentions=discord.AllowedMentions.none()
        )
        await self.bot.audit(interaction, "/stats", "", "ok")


async def setup(bot: NewsdeskBot) -> None:
    await bot.add_cog(Admin(bot))
