"""``/briefing [date] [topic]`` and the scheduled daily post, each with the day's chart.

A briefing with stories ends with a page showing its chart (``index`` draws the PNG in a worker thread, never on
the event loop) and the chart's text alternative, one line per story; the last message carries the Markdown file
and the PNG. A briefing without stories has no chart.

The daily post runs from ``discord.ext.tasks`` at the configured time and time zone and covers the previous local
day. It happens exactly once per day and channel, and is never lost:

* the day is claimed in the bot's state with an owner (this process) and an expiry before posting; the number of
  pages is recorded before the first is sent, and each message after it is sent; a failed post or a stop
  (SIGTERM/SIGINT) deletes what it sent and abandons the claim;
* a crash leaves the claim to expire (``CLAIM_SECONDS``), then the retry loop takes it over;
* a claim taken over first decides from the channel *and* the record whether the earlier post is complete: every
  page it meant to send present, in the order sent, the last one carrying the Markdown file (a page still in
  flight when the bot died may complete it; one that arrived after a stop deleted the others does not). A complete
  post is kept and recorded; anything less is deleted and the briefing posted again, and after a repost any late
  page of an earlier attempt is swept away, so the channel shows the day's briefing exactly once;
* a bot that starts after today's time catches up once; loop bodies log failures and the loops keep running.

The clock is injectable (``bot.clock``) so tests drive the schedule without sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from datetime import datetime, timedelta

import discord
from discord import app_commands
from discord.ext import commands, tasks

from index import Briefing, BriefingChart

from .. import render
from ..app import NewsdeskBot, resilient
from ..converters import check_date, scopes
from ..errors import followup, think
from ..state import BriefingClaim
from ..views import send_pages

log = logging.getLogger(__name__)

CLAIM_SECONDS = 15 * 60  # longer than any post takes; a crashed post is retried the same morning after this
HISTORY_LIMIT = 50  # recent channel messages searched for an interrupted post's pages
CLEANUP_SECONDS = 5.0  # time a stopping bot gives itself to delete a half-sent post


def file_name(b: Briefing) -> str:
    return f"briefing-{b.date}{'-' + b.topic if b.topic else ''}.md".replace(" ", "-").replace("/", "-")


def briefing_file(b: Briefing) -> discord.File:
    return discord.File(io.BytesIO(render.briefing_markdown(b).encode("utf-8")), filename=file_name(b))


def attachments(b: Briefing, chart: BriefingChart | None) -> list[discord.File]:
    """The last page's files: the Markdown, and the chart when there is one (new objects for every send)."""
    files = [briefing_file(b)]
    if chart is not None:
        files.append(discord.File(io.BytesIO(chart.png), filename=chart.filename))
    return files


def briefing_pages(b: Briefing, chart: BriefingChart | None) -> list[render.Page]:
    """The briefing's pages, then the chart's (its image and its text alternative) when there is one."""
    pages = render.render_briefing(b)
    if chart is not None:
        pages.append(render.briefing_chart_page(b, chart.alt_lines, chart.filename))
    return pages


def is_post_page(message: discord.Message, me: int, covered: str) -> bool:
    """A page of a scheduled post (not an answer to /briefing, which comes through the interaction webhook)."""
    return (
        message.author.id == me
        and message.webhook_id is None
        and any((e.footer.text or "").startswith(render.briefing_mark(covered)) for e in message.embeds)
    )


def complete_post(
    claim: BriefingClaim, present: dict[int, discord.Message], name: str
) -> list[discord.Message] | None:
    """The pages of the interrupted attempt when they make a complete post, else None.

    Complete means: the attempt said how many pages it would send; every page it recorded is still in the channel,
    in the order sent; and either it recorded them all, or all but the last and the page it was sending when it
    died arrived after them carrying the Markdown file. A page that arrived after a stop deleted the others never
    completes anything."""
    recorded = claim.message_ids
    if not claim.pages or recorded != sorted(recorded) or any(mid not in present for mid in recorded):
        return None
    pages = [present[mid] for mid in recorded]
    if len(pages) == claim.pages:
        last = pages[-1]
    elif len(pages) == claim.pages - 1:
        newer = [
            m
            for mid, m in sorted(present.items())
            if mid not in recorded and (not pages or mid > pages[-1].id)
        ]
        if not newer:
            return None
        last = newer[0]
        pages.append(last)
    else:
        return None
    return pages if any(a.filename == name for a in last.attachments) else None


class BriefingCog(commands.Cog, name="Briefing"):
    def __init__(self, bot: NewsdeskBot):
        self.bot = bot
        self.daily = tasks.loop(time=bot.settings.briefing_at)(
            resilient(self.post_scheduled, "daily briefing")
        )
        self.daily.before_loop(self._wait_ready)
        # Retries a failed post later the same day; a no-op once the day's briefing is posted (or not yet due).
        self.retry = tasks.loop(minutes=bot.settings.briefing_retry_minutes)(
            resilient(self.retry_due, "briefing retry")
        )
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

    async def make_chart(self, b: Briefing) -> BriefingChart | None:
        """The chart, drawn in a worker thread; None without stories. A chart that fails is left out with a
        warning: the briefing itself is never lost to it."""
        if b.empty:
            return None
        try:
            return await asyncio.to_thread(self.bot.desk.briefing_chart, b)
        except Exception:  # noqa: BLE001 - the briefing goes out without its picture
            log.warning("the chart of the briefing for %s could not be drawn", b.date, exc_info=True)
            return None

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
        await think(interaction)
        b = await self.make_briefing(interaction.guild_id, day, topic)
        chart = await self.make_chart(b)
        pages = briefing_pages(b, chart)
        send = followup(interaction)
        await send_pages(send, pages[:-1], wait=True)
        await send(
            embeds=pages[-1],
            files=attachments(b, chart),
            allowed_mentions=discord.AllowedMentions.none(),
            wait=True,
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
        if not channel_id or self.bot.stopping:
            return False
        local = (now or self.bot.clock()).astimezone(self.bot.settings.zone)
        if catch_up and local.timetz().replace(tzinfo=None) < self.bot.settings.briefing_time:
            return False  # today's time has not come yet; the loop will post it
        day = local.date().isoformat()
        claim = await asyncio.to_thread(
            self.bot.state.claim_briefing,
            day,
            channel_id,
            self.bot.instance_id,
            self.bot.clock(),
            CLAIM_SECONDS,
        )
        if claim is None:
            level = logging.DEBUG if quiet else logging.INFO
            log.log(level, "briefing for %s already posted (or being posted) to %s", day, channel_id)
            return False
        covered = (local.date() - timedelta(days=1)).isoformat()
        sent: list[discord.Message] = []
        async with self.bot.busy():  # a stop waits for the post, or abandons it cleanly
            try:
                return await self._post(claim, covered, sent)
            except asyncio.CancelledError:
                log.warning(
                    "stopping: the briefing for %s is abandoned and will be posted after restart", day
                )
                await self._abandon(claim, sent)
                raise
            except Exception:
                log.exception("scheduled briefing for %s failed; it will be retried", day)
                await self._abandon(claim, sent)
                return False

    async def _post(self, claim: BriefingClaim, covered: str, sent: list[discord.Message]) -> bool:
        channel = self.bot.get_channel(claim.channel_id) or await self.bot.fetch_channel(claim.channel_id)
        assert isinstance(channel, discord.abc.Messageable)
        guild_id = getattr(getattr(channel, "guild", None), "id", None)
        b = await self.make_briefing(guild_id, covered, None)
        if claim.recovered:
            earlier = await self._earlier_post(channel, claim, covered, file_name(b))
            if earlier is not None:
                await asyncio.to_thread(self.bot.state.briefing_posted, claim, earlier.id)
                log.info(
                    "the interrupted briefing of %s had been posted completely (every page, in order); "
                    "not posting again",
                    covered,
                )
                return True
        chart = await self.make_chart(b)
        pages = briefing_pages(b, chart)
        await asyncio.to_thread(self.bot.state.briefing_planned, claim, len(pages))
        for i, page in enumerate(pages):
            last = i == len(pages) - 1
            extra: dict = {"files": attachments(b, chart)} if last else {}
            message = await channel.send(
                embeds=page, allowed_mentions=discord.AllowedMentions.none(), **extra
            )
            sent.append(message)
            await asyncio.to_thread(self.bot.state.briefing_sent, claim, [m.id for m in sent])
        if claim.recovered:  # a page of an earlier attempt may have reached Discord after it was cleaned up
            mine = {m.id for m in sent}
            stray = [m.id for m in await self._day_pages(channel, covered) if m.id not in mine]
            await self._delete(claim.channel_id, stray)
        await asyncio.to_thread(self.bot.state.briefing_posted, claim, sent[-1].id)
        log.info(
            "posted the briefing of %s to channel %s (%d message(s))", covered, claim.channel_id, len(sent)
        )
        return True

    async def _day_pages(self, channel: discord.abc.Messageable, covered: str) -> list[discord.Message]:
        """The pages of the day's scheduled post in the channel's recent history, oldest first."""
        me = self.bot.user.id if self.bot.user else 0
        found = [m async for m in channel.history(limit=HISTORY_LIMIT) if is_post_page(m, me, covered)]
        return sorted(found, key=lambda m: m.id)

    async def _earlier_post(
        self, channel: discord.abc.Messageable, claim: BriefingClaim, covered: str, name: str
    ) -> discord.Message | None:
        """After an interrupted attempt: the last page of its post if the post is complete; otherwise delete
        every page of the day (recorded or found) and return None so the briefing is posted again."""
        found = await self._day_pages(channel, covered)
        present = {m.id: m for m in found}
        for mid in claim.message_ids:  # recorded pages older than the history searched
            if mid not in present:
                with contextlib.suppress(discord.NotFound):
                    present[mid] = await channel.fetch_message(mid)
        kept = complete_post(claim, present, name)
        if kept is not None:
            keep = {m.id for m in kept}
            await self._delete(claim.channel_id, [mid for mid in present if mid not in keep])
            return kept[-1]
        await self._delete(claim.channel_id, sorted(set(present) | set(claim.message_ids)))
        return None

    async def _abandon(self, claim: BriefingClaim, sent: list[discord.Message]) -> None:
        """A failed or stopped post: delete the pages it sent (a half briefing helps no one), free the claim."""
        ids = [m.id for m in sent]
        try:
            await asyncio.wait_for(self._delete(claim.channel_id, ids), CLEANUP_SECONDS)
            ids = []
        except (TimeoutError, discord.HTTPException):
            log.warning("could not delete the partial briefing %s; the next attempt will", ids)
        await asyncio.to_thread(self.bot.state.abandon_briefing, claim, ids)

    async def _delete(self, channel_id: int, message_ids: list[int]) -> None:
        channel = self.bot.get_partial_messageable(channel_id)
        for mid in message_ids:
            with contextlib.suppress(discord.NotFound):
                await channel.get_partial_message(mid).delete()


async def setup(bot: NewsdeskBot) -> None:
    await bot.add_cog(BriefingCog(bot))
