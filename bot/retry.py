"""One outage policy for every path that answers (slash commands, buttons, mentions, watched channels).

Why: with Discord failing for 40 s, an ``/ask`` answer was dropped after discord.py's own 25 s of retries and the
user told "something went wrong on my side", while a question asked by mention retried for 20 s and said "Discord
is having trouble": two paths, two policies, and neither used the time Discord gives. Now every answer is delivered
through ``deliver``:

* a 5xx (503 included, which discord.py does not retry on REST) or a dropped connection is tried again with
  doubling pauses (1, 2, 4 … s, at most ``NEWSDESK_DISCORD_RETRY_MAX_PAUSE``);
* for as long as the context allows, bounded: an interaction's token lives 15 minutes, a message can be answered
  any time, and either way the answer gives up after ``NEWSDESK_DISCORD_RETRY_SECONDS`` (4 minutes by default);
* after the first failure the user is told once that Discord is slow and the answer is being retried (``on_slow``:
  the "thinking…" placeholder says so), and if Discord never accepts the answer, ``DiscordUnavailable`` makes the
  caller say that Discord was the problem — never "something went wrong on my side".

Retries must not post twice when a request failed *after* Discord carried it out (a proxy's 503): callers make their
retried call idempotent (the first page of an interaction goes into its placeholder by an edit; channel messages
carry a fixed nonce that Discord enforces; a thread that exists is looked up, not created again).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
import discord

log = logging.getLogger(__name__)
T = TypeVar("T")

FIRST_PAUSE = 1.0  # seconds before the first retry (then doubling, capped by the setting)
# A try of an idempotent call that has not succeeded after this long counts as failed (discord.py alone retries a
# webhook request for 25 s before it gives up): the user hears that Discord is slow after 10 s, not 25.
TRY_SECONDS = 10.0
TOKEN_SECONDS = 15 * 60  # Discord: an interaction token may post and edit for 15 minutes
TOKEN_MARGIN = 30.0  # the last try starts this long before the token expires
RETRYABLE = (discord.DiscordServerError, aiohttp.ClientConnectionError, asyncio.TimeoutError)


class DiscordUnavailable(Exception):
    """Discord kept failing (5xx, dropped connections) until the policy's deadline; the user is told once."""


@dataclass
class Policy:
    """When to stop trying (``deadline``, on the event loop's clock) and the longest pause between tries."""

    deadline: float
    max_pause: float
    seconds: float  # the bound it was made with (for the log)

    @classmethod
    def for_message(cls, settings: Any) -> Policy:
        """A question asked in a message: answerable any time, so the setting alone bounds it."""
        seconds = float(settings.discord_retry_seconds)
        return cls(
            asyncio.get_running_loop().time() + seconds, float(settings.discord_retry_max_pause), seconds
        )

    @classmethod
    def for_interaction(cls, settings: Any, interaction: discord.Interaction) -> Policy:
        """An interaction: the setting, and never past the token's 15 minutes."""
        age = time.time() - interaction.created_at.timestamp()
        seconds = max(0.0, min(float(settings.discord_retry_seconds), TOKEN_SECONDS - TOKEN_MARGIN - age))
        return cls(
            asyncio.get_running_loop().time() + seconds, float(settings.discord_retry_max_pause), seconds
        )


async def deliver(
    call: Callable[[], Awaitable[T]],
    *,
    what: str,
    policy: Policy,
    on_slow: Callable[[], Awaitable[Any]] | None = None,
    idempotent: bool = False,
) -> T:
    """``await call()``; after a 5xx or a dropped connection, again with doubling pauses until the policy's
    deadline, then ``DiscordUnavailable``. ``on_slow`` runs once, after the first failure (its own failure is only
    logged: it is a courtesy, the answer is what matters). An ``idempotent`` call (trying it twice does it once)
    is also cut short after ``TRY_SECONDS``; any other call is never abandoned mid-flight, as Discord may be
    carrying it out."""
    loop = asyncio.get_running_loop()
    pause = min(FIRST_PAUSE, policy.max_pause)
    told = False
    while True:
        try:
            if not idempotent:
                return await call()
            budget = max(1.0, min(TRY_SECONDS, policy.deadline - loop.time()))
            return await asyncio.wait_for(call(), budget)
        except RETRYABLE as exc:
            status = getattr(exc, "status", type(exc).__name__)
            left = policy.deadline - loop.time()
            if left <= 0:
                log.warning(
                    "%s: Discord still failing (%s) after %.0f s; giving up", what, status, policy.seconds
                )
                raise DiscordUnavailable(what) from exc
            if on_slow is not None and not told:
                told = True
                try:
                    await on_slow()
                except (discord.HTTPException, *RETRYABLE) as notice_failed:
                    log.info("%s: could not say that Discord is slow (%s)", what, notice_failed)
            wait = min(pause, left)
            log.warning("%s: Discord answered %s; trying again in %.1f s", what, status, wait)
            await asyncio.sleep(wait)
            pause = min(pause * 2, policy.max_pause)
