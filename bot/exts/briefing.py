"""``/briefing [date] [topic]`` and the scheduled daily post.

The daily post runs from ``discord.ext.tasks`` at the configured time and time zone and covers the previous local
day. It happens exactly once per day and channel, even across restarts: the day is claimed in the bot's state
before posting (released again if the post fails), and a bot that starts after today's time catches up once.
The clock is injectable (``bot.clock``) so tests drive the schedule without sleeping.
"""

from __future__ import annotations

import asyncio
import io
import logging
from datetime import datetime, timedelta

import discord
from discord import app_commands
from discord.ext import commands, tasks

from index import Briefing

from .. import render
from ..app import NewsdeskBot
from ..converters import check_date, scopes
from ..views import send_pages

log = logging.getLogger(__name__)


def briefing_file(b: Briefing) -> discord.File:
    data = render.briefing_markdown(b).encode("utf-8")
    return discord.File(
        io.BytesIO(data),
        filename=f"briefing-{b.date}{'-' + b.topic if b.topic else ''}.md".replace(" ", "-").replace(
            "/", "-"
        ),
    )


class BriefingCog(commands.Cog, name="Briefing"):
    def __init__(self, bot: NewsdeskBot):
        self.bot = bot
        self.daily = tasks.loop(time=bot.settings.briefing_at)(self.post_scheduled)
        self.daily.before_loop(self._wait_ready)
        # Retries a failed post later the same day; a no-op once the day's briefing is posted (or not yet due).
        self.retry = tasks.loop(minutes=bot.settings.briefing_retry_minutes)(self.retry_due)
        self.retry.before_loop(self._wait_ready)
        self._caught_up = False

    async def cog_load(self) -> None:
        if self.bot.settings.briefing_channel_id and not self.bot.sync_only:
            self.daily.start()
            self.retry.start()

    async def cog_unload(self) -> None:
        self.daily.cancel()
        self.retry.cancel()

    async def retry_due(self) -> bool:
        """Post today's briefing if its time has passed and it is not posted yet (after a failed attempt)."""
        return await self.post_scheduled(catch_up=True, quiet=True)

    async def _wait_ready(self) -> None:
        await self.bot.wait_until_ready()

    async def make_briefing(self, guild_id: int | None, date: str | None, topic: str | None) -> Briefing:
        return await asyncio.to_thread(
            self.bot.desk.briefing, date=date, topic=topic, scopes=scopes(guild_id)
        )

    # ------------------------------------------------------------------------------------------ /briefing
    @app_commands.command(name="briefing", description="The daily briefing: the day's main stories, quoted")
    @app_commands.describe(
        date="Day (YYYY-MM-DD); default: the last 24 hours", topic="Only stories about this"
    )
    @app_commands.guild_only()
    async def briefing(
        self,
        interaction: discord.Interaction,
        date: str | None = None,
        topic: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        day = check_date(date, "date")
        await interaction.response.defer(thinking=True)
        b = await self.make_briefing(interaction.guild_id, day, topic)
        await send_pages(
            interaction.followup.send, render.render_briefing(b), file=briefing_file(b), wait=True
        )

    # ------------------------------------------------------------------------------------------ schedule
    @commands.Cog.listener()
    async def on_ready(self) -> None:
        if self._caught_up or not self.bot.settings.briefing_channel_id:
            return
        self._caught_up = True
        await self.post_scheduled(catch_up=True)

    async def post_scheduled(
        self, now: datetime | None = None, catch_up: bool = False, quiet: bool = False
    ) -> bool:
        """Post the daily briefing unless already posted today; returns True when it posted."""
        channel_id = self.bot.settings.briefing_channel_id
        if not channel_id:
            return False
        local = (now or self.bot.clock()).astimezone(self.bot.settings.zone)
        if catch_up and local.timetz().replace(tzinfo=None) < self.bot.settings.briefing_time:
            return False  # today's time has not come yet; the loop will post it
        day = local.date().isoformat()
        if not await asyncio.to_thread(self.bot.state.claim_briefing, day, channel_id):
            log.log(
                logging.DEBUG if quiet else logging.INFO,
                "briefing for %s already posted to %s",
                day,
                channel_id,
            )
            return False
        try:
            channel = self.bot.get_channel(channel_id) or await self.bot.fetch_channel(channel_id)
            guild_id = getattr(getattr(channel, "guild", None), "id", None)
            covered = (local.date() - timedelta(days=1)).isoformat()
            b = await self.make_briefing(guild_id, covered, None)
            sent = await send_pages(channel.send, render.render_briefing(b), file=briefing_file(b))  # type: ignore[union-attr]
        except Exception:
            await asyncio.to_thread(self.bot.state.release_briefing, day, channel_id)
            log.exception("scheduled briefing for %s failed; it will be retried", day)
            return False
        await asyncio.to_thread(self.bot.state.briefing_posted, day, channel_id, sent[-1].id)
        log.info("posted the briefing of %s to channel %s (%d message(s))", covered, channel_id, len(sent))
        return True


async def setup(bot: NewsdeskBot) -> None:
    await bot.add_cog(BriefingCog(bot))
