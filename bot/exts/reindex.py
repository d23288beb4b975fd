"""``/reindex``: re-embed paragraphs while searches go on.

The shared index is for the owner (``NEWSDESK_OWNER_GUILD_ID`` / ``NEWSDESK_OWNER_IDS``): their ``/reindex``
rebuilds every vector aside and swaps them in. Any other server's admin re-embeds only what that server uploaded
itself (``Newsdesk.reindex(scopes=...)``): never the shared corpus nor another server's uploads; the reply says which
of the two ran, with its counts. Progress is shown by editing the reply at least every
``NEWSDESK_PROGRESS_INTERVAL`` seconds (5 s by default) with the count and the time elapsed, so a long rebuild
always shows a sign of life; after the interaction token's 15 minutes it continues in a channel message of its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import discord
from discord import app_commands
from discord.ext import commands

from index import IngestReport, ModelMismatch, say

from .. import render_admin
from ..app import NewsdeskBot
from ..checks import is_owner, require_admin
from ..errors import UserError

log = logging.getLogger(__name__)
Show = Callable[[str], Awaitable[None]]
MIN_INTERVAL = 0.01  # seconds; a zero interval would spin


class Reindex(commands.Cog):
    def __init__(self, bot: NewsdeskBot):
        self.bot = bot
        self.lock = asyncio.Lock()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await require_admin(interaction)

    @app_commands.command(
        name="reindex", description="Re-embed this server's uploads (the owner: rebuild the whole index)"
    )
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def reindex(self, interaction: discord.Interaction) -> None:
        if self.lock.locked():
            raise UserError(say("bot_reindex_running"))
        async with self.lock:
            if is_owner(self.bot.settings, interaction):
                await self._full(interaction)
            else:
                await self._private(interaction, str(interaction.guild_id))

    async def _full(self, interaction: discord.Interaction) -> None:
        """The owner's rebuild of the index every server shares."""
        await interaction.response.send_message(
            say("bot_reindex_counting"), allowed_mentions=discord.AllowedMentions.none()
        )
        show = self._progress_display(interaction)
        progress = {"done": 0, "total": 0}
        try:
            report = await self._rebuild(progress, show)
        except Exception as exc:
            await self.bot.audit(interaction, "/reindex", "", f"error: {type(exc).__name__}")
            raise
        total = progress["total"]
        done_line = render_admin.progress_line("Embedded", total, total) + "\n" if total else ""
        await self.bot.audit(interaction, "/reindex", "", f"{total} paragraphs; failed {len(report.failed)}")
        await show(done_line + render_admin.report_text(report, "bot_reindex_done"))

    async def _private(self, interaction: discord.Interaction, scope: str) -> None:
        """Another server's admin: re-embed only the articles this server uploaded, with the current model."""
        own = await asyncio.to_thread(self.bot.desk.stats, (scope,))
        if own.articles == 0:
            await self.bot.audit(interaction, "/reindex", "server-private", "nothing to re-embed")
            await interaction.response.send_message(
                say("bot_reindex_private_none"), allowed_mentions=discord.AllowedMentions.none()
            )
            return
        await interaction.response.send_message(
            say("bot_reindex_private_counting"), allowed_mentions=discord.AllowedMentions.none()
        )
        show = self._progress_display(interaction)
        progress = {"done": 0, "total": 0}
        try:
            report = await self._rebuild(progress, show, scopes=(scope,))
        except ModelMismatch as exc:
            await self.bot.audit(interaction, "/reindex", "server-private", "refused: model changed")
            raise UserError(say("bot_reindex_private_model")) from exc
        except Exception as exc:
            await self.bot.audit(interaction, "/reindex", "server-private", f"error: {type(exc).__name__}")
            raise
        total = progress["total"]
        articles, failed = report.reindexed, len(report.failed)
        await self.bot.audit(
            interaction,
            "/reindex",
            "server-private",
            f"{articles} articles, {total} paragraphs; failed {failed}",
        )
        done_line = render_admin.progress_line("Embedded", total, total) + "\n" if total else ""
        text = render_admin.report_text(
            report,
            "bot_reindex_private_done",
            articles=articles,
            copies=report.duplicates,
            paragraphs=total,
            failed=failed,
            model=own.model,
        )
        await show(done_line + text)

    async def _rebuild(
        self, progress: dict[str, int], show: Show, scopes: tuple[str, ...] | None = None
    ) -> IngestReport:
        """Run the rebuild in a worker thread; edit the progress line every interval until it is done."""

        def on_progress(done: int, total: int) -> None:  # called from the worker thread
            progress["done"], progress["total"] = done, total

        loop = asyncio.get_running_loop()
        started = loop.time()
        job = asyncio.ensure_future(asyncio.to_thread(self.bot.desk.reindex, on_progress, scopes))
        interval = max(self.bot.settings.progress_interval_seconds, MIN_INTERVAL)
        counting = say("bot_reindex_counting" if scopes is None else "bot_reindex_private_counting")
        while not job.done():
            await asyncio.wait({job}, timeout=interval)
            if job.done():
                break
            elapsed = loop.time() - started
            if progress["total"]:
                line = render_admin.progress_line("Embedding", progress["done"], progress["total"], elapsed)
            else:  # still counting the paragraphs
                line = say("bot_reindex_elapsed", line=counting, elapsed=render_admin.clock(elapsed))
            try:
                await show(line)
            except discord.HTTPException as exc:  # a missed progress edit is no reason to give up the rebuild
                log.warning("reindex progress not shown: %s", exc)
        return job.result()

    def _progress_display(self, interaction: discord.Interaction) -> Show:
        """An async ``show(text)`` that edits the command's reply while its token is valid (15 minutes), then
        moves to a channel message of its own, so a long rebuild still ends with its report."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        limit = self.bot.settings.interaction_edit_seconds
        none = discord.AllowedMentions.none()
        moved: discord.Message | None = None

        async def show(text: str) -> None:
            nonlocal moved
            if moved is not None:
                await moved.edit(content=text, allowed_mentions=none)
            elif loop.time() - started >= limit and interaction.channel is not None:
                moved = await interaction.channel.send(text, allowed_mentions=none)
                await interaction.edit_original_response(
                    content=say("bot_reindex_moved", link=moved.jump_url)
                )
            else:
                await interaction.edit_original_response(content=text)

        return show


async def setup(bot: NewsdeskBot) -> None:
    await bot.add_cog(Reindex(bot))
