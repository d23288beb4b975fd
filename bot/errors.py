"""What goes wrong, said once: the exceptions extensions raise for people, and how a failure reaches the user.

An extension raises ``UserError`` (or lets the core's ``ValueError`` through: its message is a sentence for
people); ``report`` turns any failure into one short message only the user sees, and a traceback in the log for
us (never the token: ``bot.app`` installs a redacting filter). Sentences come from ``prompts/messages.toml``.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import discord
from discord import app_commands

from index import StoreDamaged, StoreProblem, say, store_error

from . import delivery
from .delivery import PLACEHOLDER, PUBLIC_PLACEHOLDER
from .retry import DiscordUnavailable

__all__ = [
    "DiscordUnavailable",
    "NotAdmin",
    "UserError",
    "followup",
    "report",
    "tell",
    "think",
    "user_message",
]

log = logging.getLogger(__name__)


class UserError(app_commands.AppCommandError):
    """A problem the user can fix; its message is shown as is."""


class NotAdmin(app_commands.CheckFailure):
    """Refused at run time: the member is not a server admin (Manage Server or a configured admin role)."""


def user_message(error: BaseException, where: str, data_dir: Path | None = None) -> str:
    """The sentence a user sees for ``error``; unexpected errors are logged with their traceback."""
    original = getattr(error, "original", None) or error
    if data_dir is not None and isinstance(original, sqlite3.Error | OSError):
        original = store_error(original, data_dir) or original  # a full disk, a damaged store (issue 26)
    if isinstance(original, StoreDamaged):  # the operator's job: the log names the backup to restore
        log.error("%s: %s", where, original)
        return say("store_damaged_bot")
    if isinstance(original, StoreProblem):  # a full or read-only disk: the admin is told what was stored
        log.warning("%s: %s", where, original)
        return str(original)
    if isinstance(original, DiscordUnavailable):  # Discord's outage, not ours: say so (bot.retry)
        log.warning("%s: Discord did not accept the answer", where)
        return say("bot_discord_unavailable")
    if isinstance(error, app_commands.CommandOnCooldown):
        return say("bot_cooldown", seconds=f"{error.retry_after:.0f}")
    if isinstance(error, NotAdmin | UserError):
        return str(error)
    if isinstance(error, app_commands.CheckFailure):
        return str(error) or say("bot_check_failed")
    if isinstance(original, UserError):
        return str(original)
    if isinstance(original, ValueError):  # the core's validation errors are sentences for people
        log.info("%s: %s", where, original)
        return str(original)
    log.error("%s failed", where, exc_info=original)
    return say("bot_internal_error")


async def think(interaction: discord.Interaction, ephemeral: bool = False) -> None:
    """Defer with "thinking…" (the answer takes longer than Discord's 3 seconds)."""
    await interaction.response.defer(thinking=True, ephemeral=ephemeral)
    interaction.extras[PLACEHOLDER] = True
    interaction.extras[PUBLIC_PLACEHOLDER] = not ephemeral


def followup(interaction: discord.Interaction) -> Callable[..., Awaitable[Any]]:
    """``interaction.followup.send`` under the outage policy (``bot.delivery``): retried while Discord fails,
    the placeholder saying so, and remembering when the placeholder has been filled."""

    async def send(*args: Any, **kwargs: Any) -> Any:
        return await delivery.send(interaction, *args, **kwargs)

    return send


async def tell(interaction: discord.Interaction, text: str, in_placeholder: bool = False) -> None:
    """A short message only the user sees, whether or not the interaction was already answered.

    After a public "thinking…" the placeholder is deleted first, so the sentence is not shown to everyone; with
    ``in_placeholder`` (Discord refused the answer) the sentence replaces the placeholder instead, by an edit:
    the one request Discord most likely still accepts, and the placeholder said it was retrying."""
    none = discord.AllowedMentions.none()
    try:
        if not interaction.response.is_done():
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=none)
            return
        if in_placeholder and interaction.extras.get(PLACEHOLDER):
            interaction.extras[PLACEHOLDER] = interaction.extras[PUBLIC_PLACEHOLDER] = False
            await interaction.edit_original_response(
                content=text, embeds=[], view=None, allowed_mentions=none
            )
            return
        if interaction.extras.get(PUBLIC_PLACEHOLDER):
            interaction.extras[PUBLIC_PLACEHOLDER] = interaction.extras[PLACEHOLDER] = False
            with contextlib.suppress(discord.NotFound):
                await interaction.delete_original_response()
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=none)
    except discord.HTTPException:
        log.warning("could not tell the user about an error", exc_info=True)


async def report(interaction: discord.Interaction, error: BaseException) -> None:
    """Tell the user what went wrong with a command or a component, in one sentence only they see."""
    name = interaction.command.qualified_name if interaction.command else "component"
    settings = getattr(interaction.client, "settings", None)
    data_dir = Path(settings.data_dir) if settings is not None else None
    original = getattr(error, "original", None) or error
    in_placeholder = isinstance(original, DiscordUnavailable)
    await tell(interaction, user_message(error, f"/{name}", data_dir), in_placeholder)
