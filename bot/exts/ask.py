"""``/ask``: a question with optional filters, answered with verbatim, cited quotes and persistent buttons.

Questions asked in messages (a mention, a watched channel, a thread) are in ``bot/exts/messages.py``.
"""

from __future__ import annotations

import asyncio
import logging
import time

import discord
from discord import app_commands
from discord.ext import commands

from .. import render
from ..app import NewsdeskBot
from ..checks import question_cooldown
from ..converters import FILTER_DESCRIPTIONS, MAX_PAGE_K, PageK, Question, make_filters, scopes
from ..errors import followup, think
from ..views import answer_view, ask_and_remember, send_pages, sent

log = logging.getLogger(__name__)

SOURCES_CACHE_SECONDS = 60.0


class Ask(commands.Cog):
    def __init__(self, bot: NewsdeskBot):
        self.bot = bot
        self._sources: dict[int | None, tuple[float, list[str]]] = {}

    # ----------------------------------------------------------------------------------------------- /ask
    @app_commands.command(
        name="ask", description="Answer a question with verbatim, cited quotes from the news"
    )
    @app_commands.describe(
        question="What do you want to know?",
        **FILTER_DESCRIPTIONS,
        k=f"How many passages (1-{MAX_PAGE_K})",
    )
    @app_commands.guild_only()
    @question_cooldown()
    async def ask(
        self,
        interaction: discord.Interaction,
        question: Question,
        source: str | None = None,
        since: str | None = None,
        until: str | None = None,
        k: PageK = 5,
    ) -> None:
        filters = make_filters(interaction.guild_id, source, since, until)
        await think(interaction)
        answer, pages, record = await ask_and_remember(
            self.bot,
            question,
            filters=filters,
            k=k,
            guild_id=interaction.guild_id,
            user_id=interaction.user.id,
        )
        messages = await send_pages(followup(interaction), pages, answer_view(record), wait=True)
        await sent(self.bot, record, messages)
        log.info(
            "/ask in guild %s: %d quotes%s",
            interaction.guild_id,
            len(answer.quotes),
            " (no answer)" if answer.no_answer else "",
        )

    @ask.autocomplete("source")
    async def source_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        names = await self.source_names(interaction.guild_id)
        cur = current.lower()
        hits = [n for n in names if cur in n.lower()]
        return [app_commands.Choice(name=render.clip(n, 100), value=n[:100]) for n in hits[:25]]

    async def source_names(self, guild_id: int | None) -> list[str]:
        now = time.monotonic()
        cached = self._sources.get(guild_id)
        if cached and now - cached[0] < SOURCES_CACHE_SECONDS:
            return cached[1]
        stats = await asyncio.to_thread(self.bot.desk.sources, scopes(guild_id))
        names = [s.source for s in sorted(stats, key=lambda s: -s.articles)]
        self._sources[guild_id] = (now, names)
        return names


async def setup(bot: NewsdeskBot) -> None:
    await bot.add_cog(Ask(bot))
