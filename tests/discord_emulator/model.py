"""The emulator's plain data: ids, members, servers, recorded requests, held requests, JSON responses."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

MESSAGE_CONTENT_INTENT = 1 << 15
DISCORD_EPOCH_MS = 1420070400000
ADMIN_PERMS = (1 << 3) | (1 << 5)  # ADMINISTRATOR | MANAGE_GUILD
MEMBER_PERMS = (
    (1 << 10) | (1 << 11) | (1 << 14) | (1 << 16) | (1 << 38)
)  # view, send, embed, history, threads

_ids = itertools.count(1)


def snowflake() -> int:
    return ((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) + (next(_ids) % 4096)


def iso_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00", time.gmtime())


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Content-Type must be exactly application/json: web.json_response appends a charset and discord.py then
    # hands the body back as a str.
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def error(status: int, message: str, code: int = 0, errors: Any = None) -> web.Response:
    body: dict[str, Any] = {"message": message, "code": code}
    if errors is not None:
        body["errors"] = errors
    return json_response(body, status)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    status: int = 0


@dataclass
class Hold:
    """A request held open until the test releases it: what a request in flight looks like to the bot."""

    predicate: Callable[[str, str], bool]
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)
    store: bool = True

    def release(self, store: bool = True) -> None:
        """Let it through (``store``: Discord created the message) or drop it with a 503 (it never arrived)."""
        self.store = store
        self.released.set()


@dataclass
class Member:
    id: int
    name: str
    permissions: int = MEMBER_PERMS
    roles: list[int] = field(default_factory=list)
    bot: bool = False

    def user(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.name,
            "discriminator": "0",
            "global_name": self.name,
            "avatar": None,
            "bot": self.bot,
        }

    def member(self) -> dict[str, Any]:
        return {
            "user": self.user(),
            "roles": [str(r) for r in self.roles],
            "joined_at": iso_now(),
            "deaf": False,
            "mute": False,
            "flags": 0,
            "nick": None,
            "permissions": str(self.permissions),
        }


@dataclass
class Guild:
    id: int
    name: str
    channels: dict[int, str] = field(default_factory=dict)  # id -> name
    members: dict[int, Member] = field(default_factory=dict)
