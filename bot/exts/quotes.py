"""``/quotes speaker:… [about:…] [since:…]``: what a person or body said, newest first, verbatim (index.speakers.who_said).

``speaker`` autocompletes from the speakers seen in the index (one query on the small speakers table per keystroke,
only names quoted in articles this server can see). The speakers table is kept caught up in the background, a
worker thread at start and then every ``REFRESH_SECONDS``, so a keystroke never waits for the corpus to be read;
the command itself catches up before it answers.
"""

from __future__ import annotations

import asyncio
import logging

import discord
from discord import app_commands
from discord.ext import commands, tasks

from index import Filters, SpeakerQuotes

from .. import render
from ..app import NewsdeskBot, resilient
from ..checks import question_cooldown
from ..converters import make_filters, scopes
from ..errors import followup, think
from ..views import send_pages

log = logging.getLogger(__name__)

REFRESH_SECONDS = 60.0
MAX_STATEMENTS = 15
CHOICES = 25  # Discord's cap on autocomplete choices


class Quotes(commands.Cog):
    def __init__(self, bot: NewsdeskBot):
        self.bot = bot
        self.refresher = tasks.loop(seconds=REFRESH_SECONDS)(resilient(self.catch_up, "speakers catch-up"))
        self.refresher.before_loop(self.bot.wait_until_ready)

    async def cog_load(self) -> None:
        self.refresher.start()

    async def cog_unload(self) -> None:
        self.refresher.cancel()

    async def catch_up(self) -> int:
        """Read newly stored articles for speakers in a worker thread (a stop waits for it to finish)."""
        if self.bot.stopping:
            return 0
        async with self.bot.busy():
            return await asyncio.to_thread(self.bot.desk.speakers_catch_up)

    @app_commands.command(name="quotes", description="What a person or body said, newest first, verbatim")
    @app_commands.describe(
        speaker="Who (a person or body, e.g. Kishida)",
        about="Only statements about this topic",
        since="Published on or after (YYYY-MM-DD)",
        source="Only this outlet",
    )
    @app_commands.guild_only()
    @question_cooldown()
    async def quotes(
        self,
        interaction: discord.Interaction,
        speaker: app_commands.Range[str, 1, 200],
        about: app_commands.Range[str, 1, 300] | None = None,
        since: str | None = None,
        source: str | None = None,
    ) -> None:
        filters = make_filters(interaction.guild_id, source, since)
        await think(interaction)
        result = await self.statements(speaker, about, filters)
        await send_pages(followup(interaction), render.render_speaker_quotes(result))
        log.info("/quotes in guild %s: %d statements", interaction.guild_id, len(result.statements))

    async def statements(self, speaker: str, about: str | None, filters: Filters) -> SpeakerQuotes:
        async with self.bot.search_slots:
            return await asyncio.to_thread(self.bot.desk.quotes_by, speaker, about, filters, MAX_STATEMENTS)

    @quotes.autocomplete("speaker")
    async def speaker_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        names = await asyncio.to_thread(
            self.bot.desk.speaker_names, current.strip(), scopes(interaction.guild_id), CHOICES
        )
        return [app_commands.Choice(name=render.clip(n, 100), value=n[:100]) for n in names]


async def setup(bot: NewsdeskBot) -> None:
    await bot.add_cog(Quotes(bot))
