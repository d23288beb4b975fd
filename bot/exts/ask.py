"""``/ask`` and questions without a slash command (a mention, or any message in a watched channel).

A message question is answered in a thread started on it; a follow-up in that thread is a new question with the
thread's filters. Filters can be written inline: ``source:Kyodo since:2022-01-01 until:2022-03-01``.
"""

from __future__ import annotations

import asyncio
import logging
import time

import discord
from discord import app_commands
from discord.ext import commands

from index import say

from .. import render
from ..app import NewsdeskBot
from ..converters import make_filters, page_size, parse_message, scopes
from ..errors import UserError
from ..views import answer_view, remember, send_pages, sent

log = logging.getLogger(__name__)

SOURCES_CACHE_SECONDS = 60.0
FILTER_KEYS = ("source", "since", "until")


def ask_cooldown(interaction: discord.Interaction) -> app_commands.Cooldown | None:
    seconds = interaction.client.settings.ask_cooldown_seconds  # type: ignore[attr-defined]
    return app_commands.Cooldown(1, seconds) if seconds > 0 else None


class Ask(commands.Cog):
    def __init__(self, bot: NewsdeskBot):
        self.bot = bot
        self._sources: dict[int | None, tuple[float, list[str]]] = {}
        seconds = bot.settings.ask_cooldown_seconds
        # The same per-user cooldown as /ask, for questions asked in messages (one question per `seconds`).
        self.cooldown = (
            commands.CooldownMapping.from_cooldown(1, seconds, commands.BucketType.user)
            if seconds > 0
            else None
        )

    # ----------------------------------------------------------------------------------------------- /ask
    @app_commands.command(
        name="ask", description="Answer a question with verbatim, cited quotes from the news"
    )
    @app_commands.describe(
        question="What do you want to know?",
        source="Only this outlet",
        since="Published on or after (YYYY-MM-DD)",
        until="Published on or before (YYYY-MM-DD)",
        k="How many passages (1-10)",
    )
    @app_commands.guild_only()
    @app_commands.checks.dynamic_cooldown(ask_cooldown)
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, 1000],
        source: str | None = None,
        since: str | None = None,
        until: str | None = None,
        k: app_commands.Range[int, 1, 10] = 5,
    ) -> None:
        filters = make_filters(interaction.guild_id, source, since, until)
        await interaction.response.defer(thinking=True)
        answer = await self.bot.ask(question, k=k, filters=filters)
        record = await remember(
            self.bot,
            answer,
            filters=filters,
            k=k,
            offset=0,
            guild_id=interaction.guild_id,
            user_id=interaction.user.id,
        )
        messages = await send_pages(
            interaction.followup.send, render.render_answer(answer), answer_view(record), wait=True
        )
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

    # ----------------------------------------------------------------------------------------------- messages
    def _cooling(self, message: discord.Message) -> float:
        """Seconds left of the author's cooldown for message questions (0 = may ask now; counts this one)."""
        if self.cooldown is None:
            return 0.0
        bucket = self.cooldown.get_bucket(message)
        return (bucket.update_rate_limit() if bucket is not None else None) or 0.0

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.guild is None or self.bot.user is None or self.bot.stopping:
            return
        async with self.bot.busy():  # a stop lets the answer be written first
            await self._on_message(message)

    async def _on_message(self, message: discord.Message) -> None:
        assert message.guild is not None and self.bot.user is not None
        guild_id, channel_id = message.guild.id, message.channel.id
        thread_filters = await asyncio.to_thread(self.bot.state.thread_filters, channel_id)
        mentioned = self.bot.user in message.mentions
        watched = await asyncio.to_thread(self.bot.state.is_watched, guild_id, channel_id)
        if thread_filters is None and not mentioned and not watched:
            return
        question, inline = parse_message(message.content, self.bot.user.id)
        if not question:
            if mentioned:  # without the message-content intent Discord sends us empty content
                await message.reply(
                    say("bot_mention_hint"),
                    mention_author=False,
                    allowed_mentions=discord.AllowedMentions.none(),
                )
            return
        try:
            await self._answer_message(message, question, inline, thread_filters)
        except UserError as exc:
            await message.reply(
                str(exc), mention_author=False, allowed_mentions=discord.AllowedMentions.none()
            )
        except Exception:
            log.exception("message question in guild %s channel %s failed", guild_id, channel_id)
            await message.reply(
                say("bot_internal_error"),
                mention_author=False,
                allowed_mentions=discord.AllowedMentions.none(),
            )

    async def _answer_message(
        self, message: discord.Message, question: str, inline: dict[str, str], thread_filters: dict | None
    ) -> None:
        assert message.guild is not None
        if self._cooling(message):
            await message.add_reaction("⏳")
            return
        base = dict(thread_filters or {})
        base.update({k: v for k, v in inline.items() if k in FILTER_KEYS})
        filters = make_filters(message.guild.id, base.get("source"), base.get("since"), base.get("until"))
        k = page_size(inline.get("k"), page_size(base.get("k")))
        if thread_filters is not None:
            target: discord.abc.Messageable = message.channel
        else:
            thread = await message.create_thread(name=render.clip(question, 100), auto_archive_duration=1440)
            stored = {key: base[key] for key in FILTER_KEYS if base.get(key)}
            stored["k"] = k
            await asyncio.to_thread(
                self.bot.state.remember_thread, thread.id, message.guild.id, stored, question
            )
            target = thread
        answer = await self.bot.ask(question, k=k, filters=filters)
        record = await remember(
            self.bot,
            answer,
            filters=filters,
            k=k,
            offset=0,
            guild_id=message.guild.id,
            user_id=message.author.id,
        )
        messages = await send_pages(target.send, render.render_answer(answer), answer_view(record))
        await sent(self.bot, record, messages)


async def setup(bot: NewsdeskBot) -> None:
    await bot.add_cog(Ask(bot))
