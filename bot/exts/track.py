"""``/track add|list|remove`` and the loop that checks tracked questions and posts their alerts.

Anyone who can post in a channel may track a question there (up to ``NEWSDESK_TRACK_MAX_PER_SERVER`` per server);
who added a question, or a server admin, may remove it. The loop (every ``NEWSDESK_TRACK_CHECK_SECONDS``) checks
this bot's servers' questions against the paragraphs stored since their last check, in a thread, then posts every
alert that is waiting for one of its channels, whichever process fired it (the CLI's ``ingest``, cron's ``poll``).
Each alert is claimed in the store before it is posted and marked delivered after, so two bots on one data dir
never post it twice; a claim left by a bot that died mid-post is taken over after a while, and the channel's
recent history is searched for the alert's footer before it is posted again.
"""

from __future__ import annotations

import asyncio
import logging

import discord
from discord import app_commands
from discord.ext import commands, tasks

from index import say, track

from .. import render, render_compact
from ..app import NewsdeskBot, resilient
from ..checks import is_admin
from ..converters import Question
from ..errors import UserError, followup, think
from ..passage import passage_view
from ..views import send_pages

log = logging.getLogger(__name__)
HISTORY_LIMIT = 50  # recent channel messages searched for an alert a dead bot may already have posted


class Track(commands.Cog):
    group = app_commands.Group(
        name="track",
        description="Questions I alert this channel about when new articles answer them",
        guild_only=True,
    )

    def __init__(self, bot: NewsdeskBot):
        self.bot = bot
        self.checker = tasks.loop(seconds=bot.settings.track_check_seconds)(
            resilient(self.run_once, "tracked questions")
        )
        self.checker.before_loop(self.bot.wait_until_ready)
        self.rounds = 0  # finished rounds of the loop (tests wait on it)

    async def cog_load(self) -> None:
        if not self.bot.sync_only:
            self.checker.start()

    async def cog_unload(self) -> None:
        self.checker.cancel()

    # ------------------------------------------------------------------------------------------------ the loop
    def servers(self) -> list[str]:
        return [str(g.id) for g in self.bot.guilds]

    async def run_once(self) -> None:
        try:
            if self.bot.desk is None or self.bot.stopping:
                return
            servers = self.servers()
            fired = await asyncio.to_thread(track.check, self.bot.desk, servers, self.bot.clock())
            if fired:
                log.info("tracked questions: %d alert(s) fired", len(fired))
            await self.deliver(servers)
        finally:
            self.rounds += 1

    async def deliver(self, servers: list[str]) -> None:
        """Post every alert waiting for these servers' channels, each once."""
        claimant = self.bot.instance_id
        while not self.bot.stopping:
            batch = await asyncio.to_thread(
                track.claim_deliveries, self.bot.desk, servers, claimant, self.bot.clock()
            )
            if not batch:
                return
            for alert in batch:
                async with self.bot.busy():
                    await self.post(alert, claimant)

    async def post(self, alert: track.Alert, claimant: str) -> None:
        desk, now = self.bot.desk, self.bot.clock()
        try:
            channel = self.bot.get_channel(int(alert.channel_id)) or await self.bot.fetch_channel(
                int(alert.channel_id)
            )
            if (
                alert.extra.get("reclaimed")
                and (found := await self.already_posted(channel, alert)) is not None
            ):
                await asyncio.to_thread(
                    track.mark_delivered, desk, alert.id, claimant, f"posted:{found}", now
                )
                return
            page, shown = await asyncio.to_thread(render_compact.alert_page, alert)
            message = await channel.send(
                embeds=page, view=passage_view([shown]), allowed_mentions=discord.AllowedMentions.none()
            )
            ids = [str(message.id)]
        except (discord.Forbidden, discord.NotFound) as exc:  # gone or not allowed: retrying will not help
            log.warning("alert %s could not be posted in channel %s: %s", alert.id, alert.channel_id, exc)
            await asyncio.to_thread(track.mark_delivered, desk, alert.id, claimant, f"failed: {exc}", now)
            return
        except (discord.HTTPException, OSError) as exc:  # Discord trouble: the next round tries again
            log.warning("alert %s not posted yet (%s); trying again later", alert.id, exc)
            await asyncio.to_thread(track.release, desk, alert.id, claimant)
            return
        await asyncio.to_thread(
            track.mark_delivered, desk, alert.id, claimant, "posted:" + ",".join(ids), now
        )

    async def already_posted(self, channel: discord.abc.Messageable, alert: track.Alert) -> int | None:
        """The message id of this alert in the channel's recent history (a bot died after posting it), or None."""
        mark = render.alert_mark(alert.id) + " ·"
        me = self.bot.user
        async for message in channel.history(limit=HISTORY_LIMIT):
            if message.author == me and any((e.footer.text or "").startswith(mark) for e in message.embeds):
                return message.id
        return None

    # ------------------------------------------------------------------------------------------------ commands
    @group.command(name="add", description="Alert this channel when a new article answers a question")
    @app_commands.describe(question="What should new articles answer?", source="Only this outlet")
    async def add(
        self,
        interaction: discord.Interaction,
        question: Question,
        source: str | None = None,
    ) -> None:
        permissions = interaction.permissions
        if not permissions.send_messages:
            raise UserError(say("bot_track_cannot_post"))
        try:
            tq = await asyncio.to_thread(
                track.add,
                self.bot.desk,
                question,
                source,
                str(interaction.guild_id),
                str(interaction.channel_id),
                str(interaction.user.id),
                self.bot.settings.track_max_per_server,
                self.bot.clock(),
            )
        except track.TrackError as exc:
            raise UserError(str(exc)) from exc
        log.info("/track add in guild %s: #%s", interaction.guild_id, tq.id)
        text = say(
            "bot_track_added", id=tq.id, question=render.esc(tq.question), source=render.esc(tq.source or "")
        )
        await interaction.response.send_message(
            render.clip(text, render.CONTENT_LIMIT), allowed_mentions=discord.AllowedMentions.none()
        )

    @group.command(name="list", description="Questions tracked in this server")
    async def list_(self, interaction: discord.Interaction) -> None:
        await think(interaction)
        rows, counts = await asyncio.to_thread(self._listing, str(interaction.guild_id))
        blocks = [render.tracked_line(t, counts.get(t.id, 0)) for t in rows] or [say("bot_track_none")]
        await send_pages(
            followup(interaction),
            render.pack(blocks, title="Tracked questions", color=render.COLOR_ALERT),
            wait=True,
        )

    def _listing(self, server: str) -> tuple[list[track.Tracked], dict[int, int]]:
        rows = track.list_tracked(self.bot.desk, server)
        counts: dict[int, int] = {}
        for t in rows:
            counts[t.id] = len(track.alerts(self.bot.desk, t.id))
        return rows, counts

    @group.command(name="remove", description="Stop tracking a question")
    @app_commands.describe(number="The question's number (#3), see /track list")
    async def remove(self, interaction: discord.Interaction, number: str) -> None:
        server = str(interaction.guild_id)
        try:
            tq = await asyncio.to_thread(track.get, self.bot.desk, number, server)
        except track.TrackError as exc:
            raise UserError(str(exc)) from exc
        mine = tq.created_by == str(interaction.user.id)
        if not mine and not is_admin(self.bot.settings, interaction.user, interaction.permissions):
            raise UserError(say("bot_track_not_yours", id=tq.id))
        await asyncio.to_thread(track.remove, self.bot.desk, tq.id, server)
        await interaction.response.send_message(
            render.clip(
                say("bot_track_removed", id=tq.id, question=render.esc(tq.question)), render.CONTENT_LIMIT
            ),
            allowed_mentions=discord.AllowedMentions.none(),
        )


async def setup(bot: NewsdeskBot) -> None:
    await bot.add_cog(Track(bot))
