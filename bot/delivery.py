"""Posting an interaction's answer through the outage policy (``bot.retry``), without ever posting it twice.

An answer's first message goes into the "thinking…" placeholder as an *edit* of it (what a first follow-up would
do, but idempotent): a try that Discord carried out although it answered 503 (a proxy's error after the fact) and
is then retried — by discord.py itself or by the policy — leaves one answer, not two. Later pages are follow-ups.
When Discord fails a try of the first page, the placeholder is edited once to say that Discord is slow and the
answer is being retried; the answer's own edit replaces that text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import discord

from index import say

from .retry import Policy, deliver

# True while the deferred "thinking…" placeholder (public or ephemeral) has not been filled by the answer.
PLACEHOLDER = "newsdesk.placeholder"
# Set on an interaction while its public "thinking…" placeholder is unfilled: Discord would show the first
# follow-up in that placeholder, publicly, whatever its ephemeral flag says.
PUBLIC_PLACEHOLDER = "newsdesk.public_placeholder"
# What a follow-up may carry that an edit of the original response takes too.
EDITABLE = ("embeds", "embed", "view", "allowed_mentions")


def _files(kwargs: dict[str, Any]) -> list[discord.File]:
    files: Iterable[discord.File] = kwargs.get("files") or ()
    return [*files, kwargs["file"]] if kwargs.get("file") is not None else list(files)


def as_edit(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """A follow-up's arguments as an edit of the placeholder (its text replaced, the slow-notice gone)."""
    edit = {k: v for k, v in kwargs.items() if k in EDITABLE}
    edit["content"] = args[0] if args else kwargs.get("content")
    files = _files(kwargs)
    if files:
        edit["attachments"] = files
    return edit


async def send(interaction: discord.Interaction, *args: Any, **kwargs: Any) -> Any:
    """``interaction.followup.send(*args, **kwargs)`` under the outage policy; returns the message."""
    settings = interaction.client.settings  # type: ignore[attr-defined]
    first = bool(interaction.extras.get(PLACEHOLDER))

    async def attempt() -> Any:
        for f in _files(kwargs):
            f.reset(seek=True)  # a retried upload starts from the first byte again
        if first:
            return await interaction.edit_original_response(**as_edit(args, kwargs))
        return await interaction.followup.send(*args, **kwargs)

    async def slow() -> None:
        await interaction.edit_original_response(content=say("bot_discord_slow"))

    message = await deliver(
        attempt,
        what="posting an answer",
        policy=Policy.for_interaction(settings, interaction),
        on_slow=slow if first else None,  # a filled placeholder is the answer's first page: never overwritten
        idempotent=first,  # an edit of the placeholder; a later page is a follow-up that must not be cut short
    )
    interaction.extras[PLACEHOLDER] = False
    interaction.extras[PUBLIC_PLACEHOLDER] = False
    return message
