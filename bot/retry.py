"""Retries where discord.py has none: it retries 500, 502, 504 and 524 on REST, but not 503 and not a dropped
connection, and a channel question (thread creation, channel messages) has no interaction to fall back on.

``retry_5xx`` tries again with doubling pauses until ``budget`` seconds of pauses are spent, then raises
``DiscordUnavailable``, which the caller turns into one sentence for the user.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiohttp
import discord

from .errors import DiscordUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")

FIRST_PAUSE = 0.25  # seconds; doubles after every failed try (0.25, 0.5, 1, 2, 4, 8 …)


async def retry_5xx(call: Callable[[], Awaitable[T]], *, what: str, budget: float) -> T:
    """``await call()``, again after a 5xx or a dropped connection, pausing at most ``budget`` seconds in all."""
    pause, paused = FIRST_PAUSE, 0.0
    while True:
        try:
            return await call()
        except (discord.DiscordServerError, aiohttp.ClientConnectionError) as exc:
            status = getattr(exc, "status", type(exc).__name__)
            if paused >= budget:
                log.warning(
                    "%s: Discord still failing (%s) after %.1f s of retries; giving up", what, status, paused
                )
                raise DiscordUnavailable(what) from exc
            wait = min(pause, budget - paused)
            log.warning("%s: Discord answered %s; trying again in %.2f s", what, status, wait)
            await asyncio.sleep(wait)
            paused, pause = paused + wait, pause * 2
