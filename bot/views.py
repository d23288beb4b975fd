"""The components under an answer: "More passages" (next page), "Full passage" (ephemeral: the whole verified
paragraph of a quote, ``bot.passage``), and 👍/👎 feedback stored with the question and the quote ids (exportable as
an evaluation set). A page shows as many quotes as fit a phone (``bot.render_compact``); the next page starts after
the last one it showed.

They are persistent: each is a ``DynamicItem`` whose ``custom_id`` carries the answer's id (``nd:more:42``), and
the answer itself (question, filters, page, quotes) is in the bot's state database. A button pressed after a
restart is answered like any other, for as long as the answer is kept (``NEWSDESK_ANSWER_RETENTION_DAYS``); after
that the press disables the components and says why, and the hourly prune disables them on the message itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any

import discord

from index import Answer, Filters, Quote, quote_digest, say

from . import passage, render, render_compact
from .app import NewsdeskBot
from .errors import followup, report, tell, think
from .state import AnswerRecord

log = logging.getLogger(__name__)

Send = Callable[..., Awaitable[Any]]
Action = Callable[[NewsdeskBot, discord.Interaction, AnswerRecord], Awaitable[None]]
MAX_OPTIONS = 25  # Discord's limit on a select menu's options


def quote_id(q: Quote) -> str:
    return f"{q.paragraph_id}:{q.start}-{q.end}"


def quote_record(q: Quote) -> dict[str, Any]:
    """A quote as stored with the answer: enough for the select's labels, "Full passage" and feedback."""
    return {
        "id": quote_id(q),
        "article_id": q.article_id,
        "paragraph_id": q.paragraph_id,
        "paragraph": q.paragraph,
        "start": q.start,
        "end": q.end,
        "source": q.source,
        "title": q.title,
        "text": q.text,
    }


def filters_record(filters: Filters) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(filters).items()}


def filters_from(record: dict[str, Any]) -> Filters:
    scopes = record.get("scopes")
    return Filters(**{**record, "scopes": tuple(scopes) if scopes is not None else None})


async def ask_and_remember(
    bot: NewsdeskBot, question: str, *, filters: Filters, k: int, guild_id: int | None, user_id: int
) -> tuple[Answer, list[render.Page], AnswerRecord]:
    """Answer a question (first page), lay it out for a phone and store the quotes it shows for its buttons: what
    /ask and a question in a message do."""
    answer = await bot.ask(question, k=k, filters=filters)
    pages, shown = await asyncio.to_thread(render_compact.answer_page, answer, k=k)
    record = await remember(
        bot, answer, shown, filters=filters, k=k, offset=0, guild_id=guild_id, user_id=user_id
    )
    return answer, pages, record


async def remember(
    bot: NewsdeskBot,
    answer: Answer,
    shown: list[Quote],
    *,
    filters: Filters,
    k: int,
    offset: int,
    guild_id: int | None,
    user_id: int,
    ephemeral: bool = False,
) -> AnswerRecord:
    """Store an answer page (the quotes it ``shown``) for its buttons; returns the stored record. There is more
    unless the page showed the last passage that passes the relevance bar (``render_compact.last_page``: the
    page then says so)."""
    answered = bool(answer.quotes) and not answer.no_answer
    answer_id = await asyncio.to_thread(
        bot.state.save_answer,
        now=bot.clock(),
        keep_seconds=bot.settings.answer_retention_days * 86400,
        guild_id=guild_id,
        channel_id=None,
        user_id=user_id,
        ephemeral=ephemeral,
        question=answer.question,
        filters=filters_record(filters),
        k=k,
        offset=offset,
        no_answer=not answered,
        has_more=answered and not render_compact.last_page(answer, shown, k),
        quotes=[quote_record(q) for q in shown[:MAX_OPTIONS]],
    )
    record = await asyncio.to_thread(bot.state.answer, answer_id, bot.clock())
    assert record is not None
    return record


async def sent(bot: NewsdeskBot, record: AnswerRecord, messages: list[Any]) -> None:
    """Remember the message carrying the buttons (the last page), so expiry can disable them there."""
    if messages and not record.ephemeral:
        last = messages[-1]
        await asyncio.to_thread(bot.state.answer_sent, record.id, last.channel.id, last.id)


# ---------------------------------------------------------------------------------------------- the components
async def run(interaction: discord.Interaction, answer_id: int, action: Action) -> None:
    """Load the answer and run a component's action; every failure becomes one sentence for the presser."""
    bot: NewsdeskBot = interaction.client  # type: ignore[assignment]
    async with bot.busy():  # a stop lets the answer be written first
        try:
            record = await asyncio.to_thread(bot.state.answer, answer_id, bot.clock())
            if record is None:
                await expired(interaction, bot)
            elif record.guild_id != interaction.guild_id:
                await tell(interaction, say("bot_other_server"))
            else:
                await action(bot, interaction, record)
        except Exception as exc:  # noqa: BLE001 - a component must answer, whatever happened
            await report(interaction, exc)


async def expired(interaction: discord.Interaction, bot: NewsdeskBot) -> None:
    """An answer past its retention: grey out the message's components and say why (only to the presser)."""
    days = f"{bot.settings.answer_retention_days:g}"
    if interaction.message is not None:
        view = discord.ui.View.from_message(interaction.message, timeout=None)
        for item in view.children:
            if hasattr(item, "disabled"):
                item.disabled = True  # type: ignore[attr-defined]
        await interaction.response.edit_message(view=view)
    await tell(interaction, say("bot_answer_expired", days=days))


class MoreButton(discord.ui.DynamicItem[discord.ui.Button], template=r"nd:more:(?P<answer>[0-9]+)"):
    def __init__(self, answer_id: int, disabled: bool = False):
        super().__init__(
            discord.ui.Button(
                label="More passages",
                style=discord.ButtonStyle.primary,
                emoji="➕",
                custom_id=f"nd:more:{answer_id}",
                disabled=disabled,
            )
        )
        self.answer_id = answer_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: Any, /
    ) -> MoreButton:
        return cls(int(match["answer"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await run(interaction, self.answer_id, more_passages)


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"nd:vote:(?P<answer>[0-9]+):(?P<vote>up|down)"
):
    def __init__(self, answer_id: int, vote: str, disabled: bool = False):
        super().__init__(
            discord.ui.Button(
                emoji="👍" if vote == "up" else "👎",
                style=discord.ButtonStyle.secondary,
                custom_id=f"nd:vote:{answer_id}:{vote}",
                disabled=disabled,
            )
        )
        self.answer_id, self.vote = answer_id, vote

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: Any, /
    ) -> VoteButton:
        return cls(int(match["answer"]), match["vote"])

    async def callback(self, interaction: discord.Interaction) -> None:
        async def act(bot: NewsdeskBot, inter: discord.Interaction, record: AnswerRecord) -> None:
            await vote(bot, inter, record, 1 if self.vote == "up" else -1)

        await run(interaction, self.answer_id, act)


class FullSelect(discord.ui.DynamicItem[discord.ui.Select], template=r"nd:full:(?P<answer>[0-9]+)"):
    def __init__(self, answer_id: int, options: list[discord.SelectOption], disabled: bool = False):
        super().__init__(
            discord.ui.Select(
                placeholder=say("bot_full_passage_menu"),
                min_values=1,
                max_values=1,
                options=options,
                custom_id=f"nd:full:{answer_id}",
                disabled=disabled,
            )
        )
        self.answer_id = answer_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Select, match: Any, /
    ) -> FullSelect:
        return cls(int(match["answer"]), list(item.options))

    async def callback(self, interaction: discord.Interaction) -> None:
        chosen = list(self.item.values)

        async def act(bot: NewsdeskBot, inter: discord.Interaction, record: AnswerRecord) -> None:
            await full_paragraph(bot, inter, record, chosen[0] if chosen else "")

        await run(interaction, self.answer_id, act)


DYNAMIC_ITEMS = (MoreButton, VoteButton, FullSelect, *passage.DYNAMIC_ITEMS)


def answer_view(record: AnswerRecord, disabled: bool = False) -> discord.ui.View:
    """The components of a stored answer page (all disabled once it expired)."""
    view = discord.ui.View(timeout=None)
    view.add_item(MoreButton(record.id, disabled=disabled or not record.has_more))
    if record.quotes:
        first = record.offset + 1 if not record.no_answer else 1  # the numbers shown in the answer
        options = [
            discord.SelectOption(
                label=render.clip(f"{first + n}. {q['source']} ¶{q['paragraph']} — {q['title']}", 100),
                value=str(n),
            )
            for n, q in enumerate(record.quotes)
        ]
        view.add_item(FullSelect(record.id, options, disabled=disabled))
    view.add_item(VoteButton(record.id, "up", disabled=disabled))
    view.add_item(VoteButton(record.id, "down", disabled=disabled))
    return view


# ---------------------------------------------------------------------------------------------- the actions
async def more_passages(bot: NewsdeskBot, interaction: discord.Interaction, record: AnswerRecord) -> None:
    """The next page. The asker's first press posts it for everyone; anyone else (and any later press) gets
    their own copy only they see, so a channel never fills with repeated pages."""
    public = (
        not record.ephemeral
        and interaction.user.id == record.user_id
        and await asyncio.to_thread(bot.state.claim_more, record.id)
    )
    try:
        await think(interaction, ephemeral=not public)
        offset = record.offset + (len(record.quotes) or record.k)  # after the last quote the page showed
        filters = filters_from(record.filters)
        answer = await bot.ask(record.question, k=record.k, filters=filters, offset=offset)
    except BaseException:
        if public:  # the page was not posted: the asker may try again
            await asyncio.to_thread(bot.state.release_more, record.id)
        raise
    send = followup(interaction)
    if not answer.quotes:
        await send(say("bot_no_more"), ephemeral=not public, allowed_mentions=discord.AllowedMentions.none())
        return
    pages, shown = await asyncio.to_thread(render_compact.answer_page, answer, offset, k=record.k)
    page = await remember(
        bot,
        answer,
        shown,
        filters=filters,
        k=record.k,
        offset=offset,
        guild_id=interaction.guild_id,
        user_id=interaction.user.id,
        ephemeral=not public,
    )
    await sent(bot, page, await send_pages(send, pages, answer_view(page), wait=True, ephemeral=not public))


async def full_paragraph(
    bot: NewsdeskBot, interaction: discord.Interaction, record: AnswerRecord, value: str
) -> None:
    quote = record.quotes[int(value)] if value.isdigit() and int(value) < len(record.quotes) else None
    if quote is None:  # a value the menu never offered
        await tell(interaction, say("bot_not_in_answer"))
        return
    digest = quote_digest(quote["text"])
    await passage.show_passage(bot, interaction, quote["paragraph_id"], quote["start"], quote["end"], digest)


async def vote(bot: NewsdeskBot, interaction: discord.Interaction, record: AnswerRecord, value: int) -> None:
    updated = await asyncio.to_thread(
        bot.state.add_feedback,
        guild_id=interaction.guild_id,
        channel_id=interaction.channel_id,
        user_id=interaction.user.id,
        question=record.question,
        filters={k: v for k, v in record.filters.items() if v not in (None, [], ())},
        vote=value,
        quotes=record.quotes,
        answer_id=record.id,
    )
    await interaction.response.send_message(
        say("bot_feedback", updated=updated, emoji="👍" if value > 0 else "👎"), ephemeral=True
    )


async def send_pages(
    send: Send,
    pages: list[render.Page],
    view: discord.ui.View | None = None,
    file: discord.File | None = None,
    **kwargs: Any,
) -> list[Any]:
    """Send pages as consecutive messages; the view (and a file) go on the last one."""
    sent_messages = []
    for i, page in enumerate(pages):
        last = i == len(pages) - 1
        extra: dict[str, Any] = dict(kwargs)
        if last and view is not None:
            extra["view"] = view
        if last and file is not None:
            extra["file"] = file
        sent_messages.append(
            await send(embeds=page, allowed_mentions=discord.AllowedMentions.none(), **extra)
        )
    return sent_messages
