"""The components under an answer: "More passages" (next page), "Full paragraph" (ephemeral, with the paragraphs
around it), and 👍/👎 feedback stored with the question and the quote ids (exportable as an evaluation set)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import discord

from index import Answer, Filters, Quote, say

from . import render
from .errors import report

if TYPE_CHECKING:
    from .app import NewsdeskBot

log = logging.getLogger(__name__)

VIEW_TIMEOUT = 15 * 60
Send = Callable[..., Awaitable[Any]]


def quote_id(q: Quote) -> str:
    return f"{q.paragraph_id}:{q.start}-{q.end}"


def quote_record(q: Quote) -> dict[str, Any]:
    return {
        "id": quote_id(q),
        "article_id": q.article_id,
        "paragraph_id": q.paragraph_id,
        "start": q.start,
        "end": q.end,
        "source": q.source,
        "text": q.text,
    }


class AnswerView(discord.ui.View):
    def __init__(
        self, bot: NewsdeskBot, answer: Answer, *, filters: Filters, k: int, offset: int, guild_id: int | None
    ):
        super().__init__(timeout=VIEW_TIMEOUT)
        self.bot = bot
        self.answer = answer
        self.filters = filters
        self.k = k
        self.offset = offset
        self.guild_id = guild_id
        self.voted: set[int] = set()
        self.more.disabled = answer.no_answer or len(answer.quotes) < k
        quotes = answer.quotes or answer.nearest_misses
        if quotes:
            for i, q in enumerate(quotes[:25], offset + 1 if answer.quotes else 1):
                label = render.clip(f"{i}. {q.source} ¶{q.paragraph} — {q.title}", 100)
                self.full.add_option(label=label, value=str(q.paragraph_id))
        else:
            self.remove_item(self.full)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.guild_id != self.guild_id:
            await interaction.response.send_message(say("bot_other_server"), ephemeral=True)
            return False
        return True

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item
    ) -> None:
        await report(interaction, error)

    @discord.ui.button(label="More passages", style=discord.ButtonStyle.primary, emoji="➕")
    async def more(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.defer(thinking=True)
        offset = self.offset + self.k
        answer = await self.bot.ask(self.answer.question, k=self.k, filters=self.filters, offset=offset)
        if not answer.quotes:
            await interaction.followup.send(say("bot_no_more"))
            return
        view = AnswerView(
            self.bot, answer, filters=self.filters, k=self.k, offset=offset, guild_id=self.guild_id
        )
        await send_pages(interaction.followup.send, render.render_answer(answer, offset), view, wait=True)

    @discord.ui.select(placeholder="Full paragraph…", min_values=1, max_values=1)
    async def full(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        pid = int(select.values[0])
        quote = next(q for q in (self.answer.quotes or self.answer.nearest_misses) if q.paragraph_id == pid)
        try:
            article, paragraphs = await asyncio.to_thread(self.bot.desk.context, pid, 1, 1)
        except KeyError:
            await interaction.followup.send(say("bot_paragraph_gone"), ephemeral=True)
            return
        for page in render.render_context(article, paragraphs, quote):
            await interaction.followup.send(embeds=page, ephemeral=True)

    async def _vote(self, interaction: discord.Interaction, vote: int) -> None:
        quotes = self.answer.quotes or self.answer.nearest_misses
        await asyncio.to_thread(
            self.bot.state.add_feedback,
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            user_id=interaction.user.id,
            question=self.answer.question,
            filters={k: v for k, v in asdict(self.filters).items() if v not in (None, ())},
            vote=vote,
            quotes=[quote_record(q) for q in quotes],
        )
        updated = interaction.user.id in self.voted
        self.voted.add(interaction.user.id)
        await interaction.response.send_message(
            say("bot_feedback", updated=updated, emoji="👍" if vote > 0 else "👎"), ephemeral=True
        )

    @discord.ui.button(emoji="👍", style=discord.ButtonStyle.secondary)
    async def good(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await self._vote(interaction, 1)

    @discord.ui.button(emoji="👎", style=discord.ButtonStyle.secondary)
    async def bad(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await self._vote(interaction, -1)


async def send_pages(
    send: Send,
    pages: list[render.Page],
    view: discord.ui.View | None = None,
    file: discord.File | None = None,
    **kwargs: Any,
) -> list[Any]:
    """Send pages as consecutive messages; the view (and a file) go on the last one."""
    sent = []
    for i, page in enumerate(pages):
        last = i == len(pages) - 1
        extra: dict[str, Any] = dict(kwargs)
        if last and view is not None:
            extra["view"] = view
        if last and file is not None:
            extra["file"] = file
        sent.append(await send(embeds=page, allowed_mentions=discord.AllowedMentions.none(), **extra))
    return sent
