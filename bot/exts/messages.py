"""Questions without a slash command: a mention, any message in a watched channel, a follow-up in a thread.

A message question is answered in a thread started on it; a follow-up in that thread is a new question with the
thread's filters. Filters can be written inline: ``source:Kyodo since:2022-01-01 until:2022-03-01 k:3``.
There is no interaction to fall back on here, so Discord's 5xx answers (503 included) are retried with backoff
(``bot.retry``); when Discord stays down the user is told once. No exception leaves the listener.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord.ext import commands

from index import say

from .. import render
from ..app import NewsdeskBot
from ..converters import make_filters, page_size, parse_message
from ..errors import DiscordUnavailable, UserError
from ..retry import retry_5xx
from ..views import answer_view, ask_and_remember, send_pages, sent

log = logging.getLogger(__name__)

FILTER_KEYS = ("source", "since", "until")
THREAD_EXISTS = 160004  # Discord: "A thread has already been created for this message"
THREAD_ARCHIVE_MINUTES = 1440


class Messages(commands.Cog):
    def __init__(self, bot: NewsdeskBot):
        self.bot = bot

    async def _discord(self, call: Callable[[], Awaitable[Any]], what: str) -> Any:
        return await retry_5xx(call, what=what, budget=self.bot.settings.discord_retry_seconds)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.guild is None or self.bot.user is None or self.bot.stopping:
            return
        async with self.bot.busy():  # a stop lets the answer be written first
            try:
                await self._on_message(message)
            except UserError as exc:
                await self._tell(message, str(exc))
            except DiscordUnavailable:
                await self._tell(message, say("bot_discord_unavailable"))
            except Exception:  # noqa: BLE001 - nothing escapes a listener; the traceback goes to the log
                log.exception(
                    "message question in guild %s channel %s failed", message.guild.id, message.channel.id
                )
                await self._tell(message, say("bot_internal_error"))

    async def _tell(self, message: discord.Message, text: str) -> None:
        """One reply to the asker (retried like any other post); if even that fails, the log says so."""
        none = discord.AllowedMentions.none()
        try:
            await self._discord(
                lambda: message.reply(text, mention_author=False, allowed_mentions=none),
                "replying to a question",
            )
        except (DiscordUnavailable, discord.HTTPException) as exc:
            log.warning("could not tell %s in channel %s: %s", message.author.id, message.channel.id, exc)

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
                await self._tell(message, say("bot_mention_hint"))
            return
        if self.bot.questions.hit(message.author.id):  # the one question cooldown (bot/cooldown.py)
            with contextlib.suppress(discord.HTTPException):
                await message.add_reaction("⏳")
            return
        await self._answer(message, question, inline, thread_filters)

    async def _answer(
        self, message: discord.Message, question: str, inline: dict[str, str], thread_filters: dict | None
    ) -> None:
        assert message.guild is not None
        base = dict(thread_filters or {})
        base.update({k: v for k, v in inline.items() if k in FILTER_KEYS})
        filters = make_filters(message.guild.id, base.get("source"), base.get("since"), base.get("until"))
        k = page_size(inline.get("k"), page_size(base.get("k")))
        if thread_filters is not None:
            target: discord.abc.Messageable = message.channel
        else:
            target = await self._thread(message, question)
            stored = {key: base[key] for key in FILTER_KEYS if base.get(key)} | {"k": k}
            await asyncio.to_thread(
                self.bot.state.remember_thread, target.id, message.guild.id, stored, question
            )
        answer, record = await ask_and_remember(
            self.bot, question, filters=filters, k=k, guild_id=message.guild.id, user_id=message.author.id
        )

        async def send(**kwargs: Any) -> discord.Message:
            return await self._discord(lambda: target.send(**kwargs), "posting an answer")

        await sent(
            self.bot, record, await send_pages(send, render.render_answer(answer), answer_view(record))
        )

    async def _thread(self, message: discord.Message, question: str) -> discord.Thread:
        """The thread on the question (created once: after a 5xx Discord may have created it all the same)."""
        name = render.clip(question, 100)
        try:
            return await self._discord(
                lambda: message.create_thread(name=name, auto_archive_duration=THREAD_ARCHIVE_MINUTES),
                "starting a thread",
            )
        except discord.HTTPException as exc:
            if exc.code != THREAD_EXISTS:
                raise
        thread = await self._discord(lambda: self.bot.fetch_channel(message.id), "finding the thread")
        assert isinstance(thread, discord.Thread)
        return thread


async def setup(bot: NewsdeskBot) -> None:
    await bot.add_cog(Messages(bot))
