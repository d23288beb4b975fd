"""Who may do what, checked at run time (Discord's default permissions are only a default a server can change).

Shared by the extensions so they never import each other: the admin rule (Manage Server, Administrator, or a role
in ``NEWSDESK_ADMIN_ROLE_IDS``), and the permissions admin commands are registered with.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import discord

from index import say

from .app import NewsdeskBot
from .errors import NotAdmin
from .settings import BotSettings

log = logging.getLogger(__name__)
T = TypeVar("T")

# Admin commands are hidden from members without Manage Server unless a server admin changes that.
ADMIN_PERMISSIONS = discord.Permissions(manage_guild=True)


def is_admin(settings: BotSettings, user: discord.abc.User, permissions: discord.Permissions | None) -> bool:
    """Manage Server, Administrator, or one of the configured admin roles."""
    if permissions is not None and (permissions.manage_guild or permissions.administrator):
        return True
    roles = getattr(user, "roles", None) or []
    return bool(settings.admin_roles & {r.id for r in roles})


def is_owner(settings: BotSettings, interaction: discord.Interaction) -> bool:
    """May rebuild what every server shares: anyone in the owner's server (admin commands are admin-only anyway),
    or a user or role listed in ``NEWSDESK_OWNER_IDS``."""
    if settings.owner_guild_id is not None and interaction.guild_id == settings.owner_guild_id:
        return True
    roles = {r.id for r in getattr(interaction.user, "roles", None) or []}
    return bool(settings.owner_ids & ({interaction.user.id} | roles))


async def require_admin(interaction: discord.Interaction) -> bool:
    """A cog's ``interaction_check``: admins pass; anyone else is refused (and the refusal audited)."""
    bot: NewsdeskBot = interaction.client  # type: ignore[assignment]
    if is_admin(bot.settings, interaction.user, interaction.permissions):
        return True
    name = interaction.command.qualified_name if interaction.command else "?"
    await bot.audit(interaction, f"/{name}", "", "refused: not an admin")
    raise NotAdmin(say("bot_not_admin", command=name))


def question_cooldown() -> Callable[[T], T]:
    """The one question cooldown (``bot/cooldown.py``) as an app-command check: a user asks again too soon and is
    told how long to wait, by whichever command."""

    async def predicate(interaction: discord.Interaction) -> bool:
        bot: NewsdeskBot = interaction.client  # type: ignore[assignment]
        left = bot.questions.hit(interaction.user.id)
        if left:
            cooldown = discord.app_commands.Cooldown(1, bot.settings.ask_cooldown_seconds)
            raise discord.app_commands.CommandOnCooldown(cooldown, left)
        return True

    return discord.app_commands.check(predicate)
