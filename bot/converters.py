"""User input to typed values, with the rules written once in ``index`` (dates, file types, URL schemes).

Every function raises ``UserError`` with one sentence the user can act on; nothing here talks to Discord.
"""

from __future__ import annotations

import re

from discord import app_commands

from index import (
    MAX_PAGE_K,
    MAX_QUESTION_CHARS,
    Filters,
    check_date_range,
    check_file_type,
    check_url_scheme,
    parse_date,
    say,
)

from .errors import UserError

INLINE_FILTER = re.compile(r"\b(source|since|until|k):(\"[^\"]+\"|\S+)", re.IGNORECASE)
# Typed parameters of the slash commands, with the limits the core defines (index/validate.py), written once.
Question = app_commands.Range[str, 1, MAX_QUESTION_CHARS]
PageK = app_commands.Range[int, 1, MAX_PAGE_K]
# How the filter parameters read in Discord's command picker, the same on every question command.
FILTER_DESCRIPTIONS = {
    "source": "Only this outlet",
    "since": "Published on or after (YYYY-MM-DD)",
    "until": "Published on or before (YYYY-MM-DD)",
}


def scopes(guild_id: int | None) -> tuple[str, ...]:
    """What a server may see: the global corpus plus what it ingested itself."""
    return ("", str(guild_id)) if guild_id else ("",)


def check_date(value: str | None, name: str) -> str | None:
    """``YYYY-MM-DD`` (strict, as the CLI checks it) or None when not given."""
    if not value:
        return None
    try:
        return parse_date(value, f"`{name}`")
    except ValueError as exc:
        raise UserError(str(exc)) from None


def make_filters(
    guild_id: int | None, source: str | None = None, since: str | None = None, until: str | None = None
) -> Filters:
    since_d, until_d = check_date(since, "since"), check_date(until, "until")
    try:
        check_date_range(since_d, until_d)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    return Filters(source=source or None, since=since_d, until=until_d, scopes=scopes(guild_id))


def parse_message(content: str, bot_id: int) -> tuple[str, dict[str, str]]:
    """Strip the bot's mention and pull inline filters (``source:"Kyodo News" since:2022-01-01``) out."""
    text = re.sub(rf"<@!?{bot_id}>", " ", content)
    found = {m.group(1).lower(): m.group(2).strip('"') for m in INLINE_FILTER.finditer(text)}
    text = INLINE_FILTER.sub(" ", text)
    return " ".join(text.split()), found


def page_size(value: str | int | None, default: int = 5) -> int:
    """``k`` from a message or a thread's stored filters, clamped to what /ask allows."""
    k = int(value) if str(value or "").isdigit() else default
    return max(1, min(k, MAX_PAGE_K))


def check_attachment(name: str, size: int, limit: int) -> str:
    """An uploaded file Newsdesk can read (the same suffixes as ``newsdesk ingest``) within the size limit."""
    try:
        check_file_type(name)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if size > limit:
        raise UserError(say("bot_attachment_too_big", name=name, size=size, limit=limit))
    return name


def check_url(url: str) -> str:
    """An http(s) address, checked as the CLI checks it (the fetcher guards private addresses itself)."""
    try:
        return check_url_scheme(url)
    except ValueError as exc:
        raise UserError(str(exc)) from None
