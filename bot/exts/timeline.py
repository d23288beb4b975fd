"""``/timeline question``: the passages answering a question in date order, oldest first (index.answer.timeline).

Scoped to the server like ``/ask`` (the global corpus plus what the server ingested), deferred at once, the search
run in a worker thread under the bot's cap on concurrent searches, and laid out like the answer for a phone: pages
that each fit a screen, each passage its best sentences with the full passage one click away (``bot.passage``).
"""

from __future__ import annotations

import asyncio
import logging

import discord
from discord import app_commands
from discord.ext import commands

from index import Filters, Timeline

from .. import render_compact
from ..app import NewsdeskBot
from ..checks import question_cooldown
from ..converters import FILTER_DESCRIPTIONS, Question, make_filters
from ..errors import followup, think
from ..passage import passage_view

log = logging.getLogger(__name__)

MAX_TIMELINE = 25  # passages on one timeline in Discord (the CLI allows up to 50)


class TimelineCog(commands.Cog, name="Timeline"):
    def __init__(self, bot: NewsdeskBot):
        self.bot = bot

    @app_commands.command(
        name="timeline", description="How did it develop? Verbatim passages in date order, oldest first"
    )
    @app_commands.describe(
        question="What do you want to follow over time?",
        **FILTER_DESCRIPTIONS,
        k=f"How many passages (1-{MAX_TIMELINE})",
    )
    @app_commands.guild_only()
    @question_cooldown()
    async def timeline(
        self,
        interaction: discord.Interaction,
        question: Question,
        source: str | None = None,
        since: str | None = None,
        until: str | None = None,
        k: app_commands.Range[int, 1, MAX_TIMELINE] = 15,
    ) -> None:
        filters = make_filters(interaction.guild_id, source, since, until)
        await think(interaction)
        result = await self.build(question, k, filters)
        send = followup(interaction)
        for page in await asyncio.to_thread(render_compact.timeline_pages, result):
            # each page fits a phone and has its own Full passage menu for the passages it numbers
            view = passage_view(page.quotes)
            extra = {"view": view} if view is not None else {}
            await send(embeds=page.page, allowed_mentions=discord.AllowedMentions.none(), **extra)
        log.info(
            "/timeline in guild %s: %d dated, %d undated passages",
            interaction.guild_id,
            len(result.entries),
            len(result.undated),
        )

    async def build(self, question: str, k: int, filters: Filters) -> Timeline:
        async with self.bot.search_slots:  # the same global cap on concurrent searches as /ask
            return await asyncio.to_thread(self.bot.desk.timeline, question, k, filters)


async def setup(bot: NewsdeskBot) -> None:
    await bot.add_cog(TimelineCog(bot))
