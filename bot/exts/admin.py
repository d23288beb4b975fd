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

from .. import render, render_admin
from ..app import NewsdeskBot
from ..checks import ADMIN_PERMISSIONS, is_owner, require_admin
from ..converters import check_attachment, check_url, scopes
from ..errors import UserError, followup, think
from ..views import send_pages

log = logging.getLogger(__name__)


async def read_attachment(file: discord.Attachment) -> bytes:
    try:
        return await file.read()
    except discord.HTTPException as exc:  # expired or deleted on Discord's side
        raise UserError(say("bot_attachment_unreadable", name=file.filename)) from exc


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
        await think(interaction)
        what = url if url is not None else f"attachment:{file.filename}"  # type: ignore[union-attr]
        try:
            if file is not None:
                data = await read_attachment(file)
                report = await asyncio.to_thread(self.bot.desk.ingest_bytes, file.filename, data, scope)
            else:
                report = await ingest_url(self.bot, url or "", scope)
        except Exception as exc:
            await self.bot.audit(interaction, "/ingest", what, f"error: {type(exc).__name__}")
            raise
        await self.bot.audit(interaction, "/ingest", what, render_admin.ingest_summary(report))
        await followup(interaction)(
            render_admin.report_text(report, "bot_ingest_done", what=render.clip(what, 200)),
            allowed_mentions=discord.AllowedMentions.none(),
        )

    # ------------------------------------------------------------------------------------------ sources, stats
    @app_commands.command(name="sources", description="Outlets in the index, with article counts and dates")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def sources(self, interaction: discord.Interaction) -> None:
        await think(interaction)
        stats = await asyncio.to_thread(self.bot.desk.sources, scopes(interaction.guild_id))
        await send_pages(followup(interaction), render_admin.render_sources(stats), wait=True)
        await self.bot.audit(interaction, "/sources", "", f"{len(stats)} outlets")

    @app_commands.command(name="stats", description="Index size, model and bot state")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def stats(self, interaction: discord.Interaction) -> None:
        """What this server can search (its uploads and the shared corpus: articles, paragraphs, outlets), never
        other servers' uploads; the figures for the whole index only for the owner."""
        await think(interaction)
        guild_id = interaction.guild_id or 0
        visible = await asyncio.to_thread(self.bot.desk.sources, scopes(guild_id))
        here = await asyncio.to_thread(self.bot.desk.stats, scopes(guild_id))
        own = await asyncio.to_thread(self.bot.desk.stats, (str(guild_id),))
        whole = await asyncio.to_thread(self.bot.desk.stats)
        watched = await asyncio.to_thread(self.bot.state.watched, guild_id)
        votes = [
            f["vote"] for f in await asyncio.to_thread(self.bot.state.feedback) if f["guild_id"] == guild_id
        ]
        rows = [
            ("Articles searchable here", f"{sum(s.articles for s in visible):,}"),
            ("Paragraphs searchable here", f"{here.paragraphs:,} ({here.vectors:,} embedded)"),
            ("Outlets searchable here", f"{len(visible):,}"),
            ("This server's own uploads", f"{own.articles:,} articles · {own.paragraphs:,} paragraphs"),
            ("Model", f"{whole.model} ({whole.dimension}-d)"),
            ("Watched channels here", f"{len(watched)}" if watched else "none"),
            ("Feedback votes here", f"{sum(v > 0 for v in votes)} 👍 / {sum(v < 0 for v in votes)} 👎"),
        ]
        if is_owner(self.bot.settings, interaction):
            rows.append(
                (
                    "Whole index (all servers)",
                    f"{whole.articles:,} articles · {whole.paragraphs:,} paragraphs · {whole.vectors:,} vectors · "
                    f"{whole.duplicates:,} duplicates",
                )
            )
        await followup(interaction)(
            embed=render_admin.render_stats(rows), allowed_mentions=discord.AllowedMentions.none()
        )
        await self.bot.audit(interaction, "/stats", "", "ok")


async def setup(bot: NewsdeskBot) -> None:
    await bot.add_cog(Admin(bot))
