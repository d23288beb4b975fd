"""Discord's rules the emulator enforces or models: message and component limits, and how text is shown."""

from __future__ import annotations

import re
from typing import Any


def validate_message(payload: dict[str, Any]) -> str | None:
    """Discord's message limits; returns the error text or None."""
    content = payload.get("content") or ""
    if len(content) > 2000:
        return "content: Must be 2000 or fewer in length."
    embeds = payload.get("embeds") or []
    if len(embeds) > 10:
        return "embeds: Must be 10 or fewer in length."
    total = 0
    for i, e in enumerate(embeds):
        title, desc = e.get("title") or "", e.get("description") or ""
        if len(title) > 256:
            return f"embeds.{i}.title: Must be 256 or fewer in length."
        if len(desc) > 4096:
            return f"embeds.{i}.description: Must be 4096 or fewer in length."
        fields = e.get("fields") or []
        if len(fields) > 25:
            return f"embeds.{i}.fields: Must be 25 or fewer in length."
        total += len(title) + len(desc)
        for f in fields:
            if len(f.get("name") or "") > 256 or len(f.get("value") or "") > 1024:
                return f"embeds.{i}.fields: a field name over 256 or value over 1024 characters."
            if not f.get("name") or not f.get("value"):
                return f"embeds.{i}.fields: name and value are required."
            total += len(f["name"]) + len(f["value"])
        footer = (e.get("footer") or {}).get("text") or ""
        if len(footer) > 2048:
            return f"embeds.{i}.footer.text: Must be 2048 or fewer in length."
        total += len(footer) + len((e.get("author") or {}).get("name") or "")
    if total > 6000:
        return "embeds: Embed size exceeds maximum size of 6000"
    return validate_components(payload.get("components") or [])


# -- how Discord shows message text -----------------------------------------------------------------------------
_ESCAPABLE = re.compile(r"\\([\\*_~|`>#\-\[\]()<:.!])")
_CHIPS = [
    (re.compile(r"<@!?(\d+)>"), "@user-\\1"),
    (re.compile(r"<@&(\d+)>"), "@role-\\1"),
    (re.compile(r"<#(\d+)>"), "#channel-\\1"),
    (re.compile(r"<t:-?\d+(?::[tTdDfFR])?>"), "[a date]"),
    (re.compile(r"<a?:(\w+):\d+>"), ":\\1:"),
    (re.compile(r"</([\w -]+):\d+>"), "/\\1"),
    (re.compile(r"<(https?://[^\s>]+)>"), "\\1"),
]
_EMPHASIS = [
    re.compile(p, re.DOTALL)
    for p in (
        r"\*\*(.+?)\*\*",
        r"__(.+?)__",
        r"\*(.+?)\*",
        r"_(.+?)_",
        r"~~(.+?)~~",
        r"\|\|(.+?)\|\|",
        r"`([^`]+)`",
    )
]
_MASKED_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_LINE_MARKUP = re.compile(r"^(?:>>> |> ?|#{1,3} |-# |\s*[-*] |\s*\d+\. )", re.MULTILINE)
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060"), None)  # zero-width space, word joiner


def displayed(markdown: str) -> str:
    """What a reader sees for message or embed-description text, following Discord's rules closely enough to
    catch text that does not show as written: a backslash escapes the punctuation after it; ``<@1>``, ``<@&1>``,
    ``<#1>``, ``<t:0>``, ``<:e:1>``, ``</c:1>`` and ``<https://…>`` become chips, dates, emoji, commands and bare
    links; paired ``**``, ``__``, ``*``, ``_``, ``~~``, ``||`` and backticks are formatting, not text; ``> ``,
    ``# ``, ``-# ``, ``- `` and ``1. `` at a line start are block markup; zero-width characters are invisible."""
    escaped: list[str] = []

    def protect(m: re.Match[str]) -> str:
        escaped.append(m.group(1))
        return f"\ue000{len(escaped) - 1}\ue001"

    text = _ESCAPABLE.sub(protect, markdown)
    while (stripped := _LINE_MARKUP.sub("", text)) != text:  # "> # heading": a heading inside a quote
        text = stripped
    for pattern, shown in _CHIPS:
        text = pattern.sub(shown, text)
    text = _MASKED_LINK.sub(r"\1", text)
    changed = True
    while changed:
        before = text
        for pattern in _EMPHASIS:
            text = pattern.sub(r"\1", text)
        changed = text != before
    text = re.sub("\ue000(\\d+)\ue001", lambda m: escaped[int(m.group(1))], text)
    return text.translate(INVISIBLE)


def validate_components(rows: list[dict[str, Any]]) -> str | None:
    """Discord's component limits: 5 action rows of 5 buttons or 1 select; custom ids of 1-100 characters, unique
    in the message; button labels up to 80; 1-25 select options with unique values, labels/values up to 100."""
    if len(rows) > 5:
        return "components: Must be 5 or fewer in length."
    seen: set[str] = set()
    for r, row in enumerate(rows):
        comps = row.get("components") or []
        if row.get("type") != 1 or not 1 <= len(comps) <= 5:
            return f"components.{r}: an action row holds 1-5 components."
        if any(c.get("type") != 2 for c in comps) and len(comps) != 1:
            return f"components.{r}: a select menu needs a row of its own."
        for c in comps:
            cid = c.get("custom_id")
            if c.get("type") == 2 and c.get("style") == 5:
                continue  # link buttons have a url instead
            if not cid or len(cid) > 100 or cid in seen:
                return f"components.{r}: custom_id missing, over 100 characters or not unique: {cid!r}"
            seen.add(cid)
            if len(c.get("label") or "") > 80:
                return f"components.{r}: a button label is over 80 characters."
            if c.get("type") == 3:
                options = c.get("options") or []
                values = [o.get("value") for o in options]
                if not 1 <= len(options) <= 25 or len(set(values)) != len(values):
                    return f"components.{r}: a select needs 1-25 options with unique values."
                if any(len(o.get("label") or "") > 100 or len(o.get("value") or "") > 100 for o in options):
                    return f"components.{r}: an option label or value is over 100 characters."
    return None
