"""One error handler for every app command and view: a short ephemeral message for the user, a traceback in the
log for us (never the token: ``bot.app`` installs a redacting filter)."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

log = logging.getLogger(__name__)


class UserError(app_commands.AppCommandError):
    """A problem the user can fix; its message is shown as is."""


class NotAdmin(app_commands.CheckFailure):
    """Refused at run time: the member is not a server admin (Manage Server or a configured admin role)."""


async def tell(interaction: discord.Interaction, text: str) -> None:
    """Send a short ephemeral message whether or not the interaction was already answered."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not tell the user about an error", exc_info=True)


def user_message(error: BaseException, where: str) -> str:
    original = getattr(error, "original", None) or error
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down: you can ask again in {error.retry_after:.0f} s."
    if isinstance(error, NotAdmin | UserError):
        return str(error)
    if isinstance(error, app_commands.CheckFailure):
        return str(error) or "You cannot use this command here."
    if isinstance(original, UserError):
        return str(original)
    if isinstance(original, ValueError):  # the core's validation errors are sentences for people
        log.info("%s: %s", where, original)
        return str(original)
    log.error("%s failed", where, exc_info=original)
    return "Something went wrong on my side; it has been logged. Please try again in a moment."


async def report(interaction: discord.Interaction, error: BaseException) -> None:
    name = interaction.command.qualified_name if interaction.command else "component"
    await tell(interaction, user_message(error, f"/{name}"))


class Errors(commands.Cog):
    def __init__(self, bot: commands.Bot):
        self.bot = bot
        self._previous = bot.tree.on_error
        bot.tree.on_error = self.on_app_command_error  # type: ignore[method-assign]

    async def cog_unload(self) -> None:
        self.bot.tree.on_error = self._previous  # type: ignore[method-assign]

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await report(interaction, error)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Errors(bot))
