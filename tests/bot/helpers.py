"""Small helpers for reading what the bot sent to the emulator."""

from __future__ import annotations

from typing import Any

from tests.discord_emulator import DiscordEmulator


def text_of(msg: dict[str, Any]) -> str:
    parts = [msg.get("content") or ""]
    for e in msg.get("embeds") or []:
        parts += [e.get("title") or "", e.get("description") or ""]
        parts += [f"{f['name']}: {f['value']}" for f in e.get("fields") or []]
        parts.append((e.get("footer") or {}).get("text") or "")
    return "\n".join(p for p in parts if p)


def component(
    msg: dict[str, Any], label: str | None = None, emoji: str | None = None, ctype: int | None = None
) -> dict[str, Any]:
    for row in msg.get("components") or []:
        for c in row.get("components", []):
            if label is not None and c.get("label") == label:
                return c
            if emoji is not None and (c.get("emoji") or {}).get("name") == emoji:
                return c
            if ctype is not None and c.get("type") == ctype:
                return c
    raise AssertionError(f"no component {label or emoji or ctype} in {msg.get('components')}")


async def replies(emu: DiscordEmulator, token: str, n: int = 1, timeout: float = 120) -> list[dict[str, Any]]:
    """Wait until an interaction has n filled messages (the deferred original counts once filled)."""

    def done() -> list[dict[str, Any]] | None:
        msgs = [m for m in emu.for_interaction(token) if m["_via"] != "deferred"]
        return msgs if len(msgs) >= n else None

    return await emu.wait_for(done, timeout)


def assert_no_pings(emu: DiscordEmulator) -> None:
    """Every message-creating or -editing request carried allowed_mentions with nothing to parse."""
    for r in emu.requests:
        body = r.json if isinstance(r.json, dict) else None
        if r.method not in ("POST", "PATCH") or body is None:
            continue
        if "callback" in r.path:
            body = body.get("data") or {}
            if not body or ("content" not in body and "embeds" not in body):
                continue
        elif r.path.endswith("/threads") or not ("messages" in r.path or r.path.startswith("/webhooks/")):
            continue
        am = body.get("allowed_mentions")
        assert am is not None and am.get("parse") == [], (
            f"{r.method} {r.path} without allowed_mentions none: {am}"
        )
