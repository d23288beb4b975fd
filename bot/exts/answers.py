"""The persistent components under answers: registered at start (so a press after a restart reaches them), and an
hourly prune that disables the components of answers past their retention and forgets those answers."""

from __future__ import annotations

import asyncio
import logging

import discord
from discord.ext import commands, tasks

from ..app import NewsdeskBot, resilient
from ..state import AnswerRecord
from ..views import DYNAMIC_ITEMS, answer_view

log = logging.getLogger(__name__)

PRUNE_EVERY_HOURS = (
    1.0  # an expired answer's buttons stay clickable (and then say "expired") at most this long
)
PRUNE_BATCH = 100  # answers disabled per pass: a backlog is worked off over several passes, not in one burst


class Answers(commands.Cog):
    def __init__(self, bot: NewsdeskBot):
        self.bot = bot
        self.pruner = tasks.loop(hours=PRUNE_EVERY_HOURS)(resilient(self.prune, "pruning expired answers"))
        self.pruner.before_loop(self.bot.wait_until_ready)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)
        if not self.bot.sync_only:
            self.pruner.start()

    async def cog_unload(self) -> None:
        self.pruner.cancel()
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)

    async def prune(self) -> int:
        """Disable the components of expired answers and forget them; returns how many were forgotten."""
        expired = await asyncio.to_thread(self.bot.state.expired_answers, self.bot.clock(), PRUNE_BATCH)
        done = [r.id for r in expired if await self._disable(r)]
        if done:
            await asyncio.to_thread(self.bot.state.forget_answers, done)
            log.info("pruned %d expired answers", len(done))
        return len(done)

    async def _disable(self, record: AnswerRecord) -> bool:
        """Grey out an expired answer's components; False = try again next pass (Discord busy)."""
        if record.message_id is None or record.channel_id is None:
            return True  # ephemeral or never sent: nothing to edit
        message = self.bot.get_partial_messageable(record.channel_id).get_partial_message(record.message_id)
        try:
            await message.edit(view=answer_view(record, disabled=True))
        except discord.DiscordServerError:
            return False
        except discord.HTTPException as exc:  # deleted, no access: nothing left to disable
            log.info("could not disable answer %d's buttons: %s", record.id, exc)
        return True


async def setup(bot: NewsdeskBot) -> None:
    await bot.add_cog(Answers(bot))
