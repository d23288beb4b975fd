"""The "Full passage": the whole verified paragraph of a quote, one click from a page showing only its best sentences.

Under an answer the menu is the answer's own (``views.FullSelect``: the answer is stored, so it expires with it).
Timelines and alerts store nothing, so their components carry the quote itself: paragraph id, span and a short
fingerprint of the text shown (``index.quote_digest``), as ``nd:psg:<pid>:<start>-<end>:<digest>`` on a button
or as the values of a ``nd:psgs`` menu. They are ``DynamicItem``s registered at start, so a press after a restart
is answered like any other. Every press reads the paragraph afresh and shows it only when its span still reads as
quoted and the paragraph is unchanged since it was indexed (``Newsdesk.passage``), and only in a server that may
see its article (the global corpus or the server's own uploads).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from typing import Any

import discord

from index import Quote, quote_digest, say

from . import render_compact
from .app import NewsdeskBot
from .converters import scopes
from .errors import followup, report, tell, think
from .render_compact import Shown
from .text import clip

MAX_OPTIONS = 25  # Discord's limit on a select menu's options
KEY = r"[0-9]{1,19}:[0-9]{1,9}-[0-9]{1,9}:[0-9a-f]{12}"
_KEY = re.compile(r"([0-9]{1,19}):([0-9]{1,9})-([0-9]{1,9}):([0-9a-f]{12})")


def passage_key(q: Quote) -> str:
    """What a component carries for a quote: ``<paragraph id>:<start>-<end>:<fingerprint of its text>``."""
    return f"{q.paragraph_id}:{q.start}-{q.end}:{quote_digest(q.text)}"


async def show_passage(
    bot: NewsdeskBot, interaction: discord.Interaction, paragraph_id: int, start: int, end: int, digest: str
) -> None:
    """The paragraph whole, only to the presser, after checking it again against the store."""
    await think(interaction, ephemeral=True)
    send = followup(interaction)  # under the outage policy, like every answer
    found = await asyncio.to_thread(bot.desk.passage, paragraph_id, start, end, digest)
    if found is None or found[0].scope not in scopes(interaction.guild_id):
        await send(say("bot_passage_gone"), ephemeral=True)
        return
    pages = await asyncio.to_thread(render_compact.passage_pages, *found)
    for page in pages:
        await send(embeds=page, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())


async def press(interaction: discord.Interaction, key: str) -> None:
    """A stateless Full passage press; every failure becomes one sentence for the presser."""
    bot: NewsdeskBot = interaction.client  # type: ignore[assignment]
    async with bot.busy():
        try:
            m = _KEY.fullmatch(key)
            if m is None:  # a value the menu never offered
                await tell(interaction, say("bot_not_in_answer"))
                return
            await show_passage(bot, interaction, int(m[1]), int(m[2]), int(m[3]), m[4])
        except Exception as exc:  # noqa: BLE001 - a component must answer, whatever happened
            await report(interaction, exc)


class PassageButton(discord.ui.DynamicItem[discord.ui.Button], template=rf"nd:psg:(?P<key>{KEY})"):
    """One quote's Full passage (an alert)."""

    def __init__(self, key: str):
        super().__init__(
            discord.ui.Button(
                label=say("bot_full_passage"),
                emoji="📄",
                style=discord.ButtonStyle.secondary,
                custom_id=f"nd:psg:{key}",
            )
        )
        self.key = key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: Any, /
    ) -> PassageButton:
        return cls(match["key"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await press(interaction, self.key)


class PassageSelect(discord.ui.DynamicItem[discord.ui.Select], template=r"nd:psgs"):
    """A page's quotes in a menu (a timeline page): the value chosen is the quote's key."""

    def __init__(self, options: list[discord.SelectOption]):
        super().__init__(
            discord.ui.Select(
                placeholder=say("bot_full_passage_menu"),
                min_values=1,
                max_values=1,
                options=options,
                custom_id="nd:psgs",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Select, match: Any, /
    ) -> PassageSelect:
        return cls(list(item.options))

    async def callback(self, interaction: discord.Interaction) -> None:
        chosen = list(self.item.values)
        await press(interaction, chosen[0] if chosen else "")


def option_label(s: Shown) -> str:
    return clip(f"{s.number}. {s.quote.source} ¶{s.quote.paragraph} — {s.quote.title}", 100)


def passage_view(shown: Sequence[Shown]) -> discord.ui.View | None:
    """A button for one quote, a menu for several; None when the page shows none."""
    if not shown:
        return None
    view = discord.ui.View(timeout=None)
    if len(shown) == 1:
        view.add_item(PassageButton(passage_key(shown[0].quote)))
        return view
    options: dict[str, discord.SelectOption] = {}
    for s in shown[:MAX_OPTIONS]:
        key = passage_key(s.quote)
        options.setdefault(key, discord.SelectOption(label=option_label(s), value=key))
    view.add_item(PassageSelect(list(options.values())))
    return view


DYNAMIC_ITEMS = (PassageButton, PassageSelect)
