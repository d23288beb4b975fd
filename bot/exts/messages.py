"""Questions without a slash command: a mention, any message in a watched channel, a follow-up in a thread.

A message question is answered in a thread started on it; a follow-up in that thread is a new question with the
thread's filters. Filters can be written inline: ``source:Kyodo since:2022-01-01 until:2022-03-01 k:3``.
Discord's 5xx answers (503 included) and dropped connections are retried under the same outage policy as slash
commands (``bot.retry``): one deadline for the whole answer, a notice in the thread that Discord is slow (removed
once the answer is in), and one sentence saying Discord was the problem if it never accepts the answer. Every page
carries a nonce Discord enforces, so a retried page that had in fact been posted is not posted twice. No exception
leaves the listener.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord.ext import commands

from index import say

from .. import render
from ..app import NewsdeskBot
from ..converters import make_filters, page_size, parse_message
from ..errors import DiscordUnavailable, UserError
from ..retry import Policy, deliver
from ..views import answer_view, ask_and_remember, send_pages, sent

log = logging.getLogger(__name__)

FILTER_KEYS = ("source", "since", "until")
THREAD_EXISTS = 160004  # Discord: "A thread has already been created for this message"
THREAD_ARCHIVE_MINUTES = 1440


class Messages(commands.Cog):
    def __init__(self, bot: NewsdeskBot):
        self.bot = bot

    async def _discord(
        self,
        call: Callable[[], Awaitable[Any]],
        what: str,
        policy: Policy | None = None,
        on_slow: Callable[[], Awaitable[Any]] | None = None,
    ) -> Any:
        policy = policy or Policy.for_message(self.bot.settings)
        # every call here is idempotent: pages and replies carry a nonce, a thread is made once per message
        return await deliver(call, what=what, policy=policy, on_slow=on_slow, idempotent=True)

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
        nonce = secrets.randbits(63)  # every try of this reply is the same message to Discord
        try:
            await self._discord(
                lambda: message.reply(text, mention_author=False, allowed_mentions=none, nonce=nonce),
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
        notice = SlowNotice(message)
        try:
            await self._write_answer(message, question, inline, thread_filters, notice)
        finally:  # answered or given up: the "retrying" notice has said all it had to
            await notice.remove()

    async def _write_answer(
        self,
        message: discord.Message,
        question: str,
        inline: dict[str, str],
        thread_filters: dict | None,
        notice: SlowNotice,
    ) -> None:
        assert message.guild is not None
        base = dict(thread_filters or {})
        base.update({k: v for k, v in inline.items() if k in FILTER_KEYS})
        filters = make_filters(message.guild.id, base.get("source"), base.get("since"), base.get("until"))
        k = page_size(inline.get("k"), page_size(base.get("k")))
        policy = Policy.for_message(self.bot.settings)  # one deadline for the whole answer
        if thread_filters is not None:
            target: discord.abc.Messageable = message.channel
            notice.target = target
        else:
            target = await self._thread(message, question, policy, notice)
            notice.target = target
            stored = {key: base[key] for key in FILTER_KEYS if base.get(key)} | {"k": k}
            await asyncio.to_thread(
                self.bot.state.remember_thread, target.id, message.guild.id, stored, question
            )
        _, pages, record = await ask_and_remember(
            self.bot, question, filters=filters, k=k, guild_id=message.guild.id, user_id=message.author.id
        )

        async def send(**kwargs: Any) -> discord.Message:
            nonce = secrets.randbits(63)  # the same for every try of this page: Discord posts it once
            return await self._discord(
                lambda: target.send(nonce=nonce, **kwargs), "posting an answer", policy, notice.show
            )

        await sent(self.bot, record, await send_pages(send, pages, answer_view(record)))

    async def _thread(
        self, message: discord.Message, question: str, policy: Policy, notice: SlowNotice
    ) -> discord.Thread:
        """The thread on the question (created once: after a 5xx Discord may have created it all the same)."""
        name = render.clip(question, 100)
        try:
            return await self._discord(
                lambda: message.create_thread(name=name, auto_archive_duration=THREAD_ARCHIVE_MINUTES),
                "starting a thread",
                policy,
                notice.show,
            )
        except discord.HTTPException as exc:
            if exc.code != THREAD_EXISTS:
                raise
        thread = await self._discord(lambda: self.bot.fetch_channel(message.id), "finding the thread", policy)
        assert isinstance(thread, discord.Thread)
        return thread


class SlowNotice:
    """ "Discord is slow to accept the answer; retrying", posted once (one try: Discord is failing) where the
    answer goes (the thread, else as a reply to the question), and deleted once the answer is in."""

    def __init__(self, question: discord.Message):
        self.question = question
        self.target: discord.abc.Messageable | None = None
        self.message: discord.Message | None = None

    async def show(self) -> None:
        none = discord.AllowedMentions.none()
        text = say("bot_discord_slow")
        if self.target is not None:
            self.message = await self.target.send(text, allowed_mentions=none)
        else:
            self.message = await self.question.reply(text, mention_author=False, allowed_mentions=none)

    async def remove(self) -> None:
        if self.message is not None:
            with contextlib.suppress(discord.HTTPException):
                await self.message.delete()


async def setup(bot: NewsdeskBot) -> None:
    await bot.add_cog(Messages(bot))
