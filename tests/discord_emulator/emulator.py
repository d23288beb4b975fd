"""The emulator itself: servers, members and the bot's messages; the gateway; the events tests drive."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

from .model import (
    ADMIN_PERMS,
    MEMBER_PERMS,
    MESSAGE_CONTENT_INTENT,
    Guild,
    Hold,
    Member,
    Request,
    iso_now,
    snowflake,
)
from .rest import RestApi


class DiscordEmulator(RestApi):
    def __init__(self, token: str = "test-token", app_id: int | None = None, bot_name: str = "Newsdesk"):
        self.token = token
        self.app_id = app_id or snowflake()
        self.bot = Member(snowflake(), bot_name, bot=True)
        self.guilds: dict[int, Guild] = {}
        self.requests: list[Request] = []
        self.messages: dict[int, dict[str, Any]] = {}  # every message the bot created, by id
        self.commands: dict[int | None, list[dict[str, Any]]] = {}  # guild id (None = global) -> commands
        self.interactions: dict[
            str, dict[str, Any]
        ] = {}  # token -> {"id", "original": message id, "responded"}
        self.identify: dict[str, Any] | None = None
        self.rate_limits: list[tuple[Callable[[str, str], bool], float]] = []
        self.failures: list[tuple[Callable[[str, str], bool], int, int, bool]] = []
        self.outages: list[tuple[Callable[[str, str], bool], float, int, bool, Any]] = []
        self.nonces: dict[tuple[str, str], int] = {}  # (channel id, nonce) -> message id (enforce_nonce)
        self.holds: list[Hold] = []
        self.files: dict[str, bytes] = {}  # served under /attachments/<name>
        self.threads: dict[int, dict[str, Any]] = {}
        self.reactions: list[tuple[int, int, str]] = []  # (channel id, message id, emoji) the bot added
        self._ws: web.WebSocketResponse | None = None
        self._seq = 0
        self._changed = asyncio.Condition()
        self._ready = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ----------------------------------------------------------------- lifecycle
    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/attachments/{name}", self._attachment)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._api)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._ws is not None and not self._ws.closed:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def add_guild(self, name: str, channels: tuple[str, ...] = ("general", "news")) -> Guild:
        g = Guild(snowflake(), name)
        for ch in channels:
            g.channels[snowflake()] = ch
        g.members[self.bot.id] = self.bot
        self.guilds[g.id] = g
        return g

    def add_member(
        self, guild: Guild, name: str, admin: bool = False, roles: list[int] | None = None
    ) -> Member:
        m = Member(
            snowflake(), name, permissions=MEMBER_PERMS | (ADMIN_PERMS if admin else 0), roles=roles or []
        )
        guild.members[m.id] = m
        return m

    def channel(self, guild: Guild, name: str) -> int:
        return next(cid for cid, n in guild.channels.items() if n == name)

    # ----------------------------------------------------------------- waiting / inspection
    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 60.0) -> Any:
        """Wait until predicate() is truthy (checked on every request); returns its value."""

        async def _wait() -> Any:
            async with self._changed:
                while True:
                    value = predicate()
                    if value:
                        return value
                    await self._changed.wait()

        return await asyncio.wait_for(_wait(), timeout)

    async def wait_ready(self, timeout: float = 60.0) -> None:
        await asyncio.wait_for(self._ready.wait(), timeout)

    def created(self, channel_id: int | None = None) -> list[dict[str, Any]]:
        """Messages the bot created and did not delete (not interaction originals), oldest first."""
        return [
            m
            for m in self.messages.values()
            if m["_via"] in ("channel", "followup")
            and not m.get("_deleted")
            and (channel_id is None or m["channel_id"] == str(channel_id))
        ]

    def for_interaction(self, token: str) -> list[dict[str, Any]]:
        return [m for m in self.messages.values() if m.get("_token") == token]

    def requests_to(self, method: str, fragment: str) -> list[Request]:
        return [r for r in self.requests if r.method == method and fragment in r.path]

    def rate_limit_once(self, predicate: Callable[[str, str], bool], retry_after: float = 0.2) -> None:
        self.rate_limits.append((predicate, retry_after))

    def hold(self, predicate: Callable[[str, str], bool]) -> Hold:
        """Hold the next matching request open until ``release`` (``await h.arrived.wait()`` to see it come)."""
        h = Hold(predicate)
        self.holds.append(h)
        return h

    def fail_once(
        self, predicate: Callable[[str, str], bool], status: int = 403, code: int = 50013, after: bool = False
    ) -> None:
        """The next matching request gets an error as Discord sends it (default: 403 Missing Permissions);
        ``after``: the request is carried out first and the error comes back anyway (a 503 from a proxy)."""
        self.failures.append((predicate, status, code, after))

    def outage(
        self,
        predicate: Callable[[str, str], bool],
        seconds: float,
        status: int = 503,
        after: bool = False,
        body: Callable[[Any], bool] | None = None,
    ) -> None:
        """Every matching request fails with ``status`` for the next ``seconds`` (discord.py retries 500, 502,
        504 and 524 itself, but not 503). ``after``: each is carried out first and fails anyway (a proxy's 503
        after Discord did the work); ``body``: only requests whose JSON payload it accepts."""
        self.outages.append((predicate, time.monotonic() + seconds, status, after, body))

    def outage_over(self) -> bool:
        """Every outage has ended."""
        return all(time.monotonic() >= until for _, until, *_ in self.outages)

    # ----------------------------------------------------------------- gateway
    async def _send(self, op: int, d: Any, t: str | None = None) -> None:
        assert self._ws is not None, "no gateway connection"
        payload: dict[str, Any] = {"op": op, "d": d, "s": None, "t": t}
        if op == 0:
            self._seq += 1
            payload["s"] = self._seq
        await self._ws.send_str(json.dumps(payload))  # text frames: the client only inflates binary ones

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        await self._send(0, data, event)

    def _guild_payload(self, g: Guild) -> dict[str, Any]:
        channels = [
            {
                "id": str(cid),
                "type": 0,
                "name": name,
                "position": i,
                "guild_id": str(g.id),
                "permission_overwrites": [],
                "nsfw": False,
                "parent_id": None,
            }
            for i, (cid, name) in enumerate(g.channels.items())
        ]
        return {
            "id": str(g.id),
            "name": g.name,
            "unavailable": False,
            "owner_id": str(self.bot.id),
            "roles": [
                {
                    "id": str(g.id),
                    "name": "@everyone",
                    "permissions": str(MEMBER_PERMS),
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                }
            ]
            + [
                {
                    "id": str(r),
                    "name": f"role-{r}",
                    "permissions": "0",
                    "position": 1,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                }
                for r in sorted({r for m in g.members.values() for r in m.roles})
            ],
            "channels": channels,
            "threads": [],
            "members": [m.member() for m in g.members.values()],
            "member_count": len(g.members),
            "large": False,
            "features": [],
            "emojis": [],
            "stickers": [],
            "voice_states": [],
            "presences": [],
            "joined_at": iso_now(),
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "verification_level": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "default_message_notifications": 0,
            "afk_timeout": 300,
            "system_channel_flags": 0,
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        await self._send(10, {"heartbeat_interval": 41250})
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            op = data.get("op")
            if op == 1:
                await self._send(11, None)
            elif op == 2:
                self.identify = data["d"]
                if data["d"].get("token") != self.token:
                    await ws.close(code=4004, message=b"Authentication failed.")
                    break
                await self._send(
                    0,
                    {
                        "v": 10,
                        "user": {**self.bot.user(), "verified": True, "mfa_enabled": False, "flags": 0},
                        "session_id": "emulated-session",
                        "resume_gateway_url": self.gateway_url,
                        "application": {"id": str(self.app_id), "flags": 0},
                        "guilds": [{"id": str(g), "unavailable": True} for g in self.guilds],
                        "private_channels": [],
                        "relationships": [],
                        "shard": [0, 1],
                    },
                    "READY",
                )
                for g in self.guilds.values():
                    await self.dispatch("GUILD_CREATE", self._guild_payload(g))
                self._ready.set()
            elif op == 8:
                gid = data["d"].get("guild_id")
                g = self.guilds.get(int(gid)) if gid else None
                await self.dispatch(
                    "GUILD_MEMBERS_CHUNK",
                    {
                        "guild_id": str(gid),
                        "members": [m.member() for m in g.members.values()] if g else [],
                        "chunk_index": 0,
                        "chunk_count": 1,
                        "nonce": data["d"].get("nonce"),
                    },
                )
        return ws

    @property
    def has_content_intent(self) -> bool:
        return bool(self.identify and int(self.identify.get("intents", 0)) & MESSAGE_CONTENT_INTENT)

    # ----------------------------------------------------------------- driving events
    def _registered(self, name: str, guild: Guild) -> dict[str, Any] | None:
        for cmd in self.commands.get(guild.id, []) + self.commands.get(None, []):
            if cmd["name"] == name:
                return cmd
        return None

    def _base_interaction(self, itype: int, guild: Guild, channel_id: int, member: Member) -> dict[str, Any]:
        token = f"itok-{snowflake()}"
        iid = snowflake()
        self.interactions[token] = {"id": iid, "original": None, "channel_id": str(channel_id)}
        return {
            "id": str(iid),
            "application_id": str(self.app_id),
            "type": itype,
            "token": token,
            "version": 1,
            "guild_id": str(guild.id),
            "channel_id": str(channel_id),
            "channel": {
                "id": str(channel_id),
                "type": 0,
                "guild_id": str(guild.id),
                "name": guild.channels.get(channel_id, "thread"),
                "position": 0,
                "permission_overwrites": [],
            },
            "member": member.member(),
            "app_permissions": str(MEMBER_PERMS),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "attachment_size_limit": 8 * 1024 * 1024,
        }

    async def slash(
        self,
        name: str,
        guild: Guild,
        member: Member,
        channel: str | int = "general",
        options: list[dict[str, Any]] | None = None,
        resolved: dict[str, Any] | None = None,
        force: bool = False,
        autocomplete: bool = False,
    ) -> str | None:
        """Deliver a slash command (or its autocomplete). Returns the interaction token, or None when Discord
        would not deliver it (the member lacks the command's default permissions and force is off)."""
        cmd = self._registered(name, guild)
        assert cmd is not None, f"/{name} is not registered"
        perms = cmd.get("default_member_permissions")
        if (
            perms is not None
            and not force
            and (member.permissions & int(perms)) != int(perms)
            and not member.permissions & (1 << 3)
        ):
            return None
        channel_id = channel if isinstance(channel, int) else self.channel(guild, channel)
        payload = self._base_interaction(4 if autocomplete else 2, guild, channel_id, member)
        payload["data"] = {
            "id": cmd["id"],
            "name": name,
            "type": 1,
            "options": options or [],
            "guild_id": str(guild.id),
        }
        if resolved:
            payload["data"]["resolved"] = resolved
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload["token"]

    async def slash_dm(
        self, name: str, member: Member, options: list[dict[str, Any]] | None = None, force: bool = False
    ) -> str | None:
        """A slash command in a direct message with the bot. Discord does not offer a server-only command
        there (``contexts`` without 1, or ``dm_permission`` false) unless ``force``: a stale client command list."""
        cmd = next((c for c in self.commands.get(None, []) if c["name"] == name), None)
        assert cmd is not None, f"/{name} is not registered globally"
        in_dms = 1 in (cmd.get("contexts") or [0, 1, 2]) and cmd.get("dm_permission", True) is not False
        if not in_dms and not force:
            return None
        token, iid, channel_id = f"itok-{snowflake()}", snowflake(), snowflake()
        self.interactions[token] = {"id": iid, "original": None, "channel_id": str(channel_id)}
        payload = {
            "id": str(iid),
            "application_id": str(self.app_id),
            "type": 2,
            "token": token,
            "version": 1,
            "channel_id": str(channel_id),
            "channel": {"id": str(channel_id), "type": 1, "recipients": [member.user()], "flags": 0},
            "user": member.user(),
            "app_permissions": str(MEMBER_PERMS),
            "locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": "0"},
            "context": 1,
            "attachment_size_limit": 8 * 1024 * 1024,
            "data": {"id": cmd["id"], "name": name, "type": 1, "options": options or []},
        }
        await self.dispatch("INTERACTION_CREATE", payload)
        return token

    async def click(
        self,
        message: dict[str, Any],
        custom_id: str,
        guild: Guild,
        member: Member,
        values: list[str] | None = None,
    ) -> str:
        """Press a button (or choose in a select) on a message the bot sent."""
        payload = self._base_interaction(3, guild, int(message["channel_id"]), member)
        component_type = 2
        for row in message.get("components") or []:
            for comp in row.get("components", []):
                if comp.get("custom_id") == custom_id:
                    component_type = comp["type"]
        payload["message"] = self._public(message)
        self.interactions[payload["token"]]["message_id"] = int(message["id"])
        payload["data"] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            payload["data"]["values"] = values
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload["token"]

    async def say(
        self,
        guild: Guild,
        member: Member,
        content: str,
        channel: str | int = "general",
        mention_bot: bool = False,
    ) -> dict[str, Any]:
        """A user posts a message; the bot sees it (content blank without the intent, unless mentioned)."""
        channel_id = channel if isinstance(channel, int) else self.channel(guild, channel)
        if mention_bot:
            content = f"<@{self.bot.id}> {content}"
        visible = content if (self.has_content_intent or mention_bot) else ""
        msg = {
            "id": str(snowflake()),
            "channel_id": str(channel_id),
            "guild_id": str(guild.id),
            "author": member.user(),
            "member": {k: v for k, v in member.member().items() if k != "user"},
            "content": visible,
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [self.bot.user()] if mention_bot else [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
            "components": [],
        }
        await self.dispatch("MESSAGE_CREATE", msg)
        return msg

    def attachment(self, name: str, data: bytes, content_type: str = "text/plain") -> dict[str, Any]:
        self.files[name] = data
        aid = str(snowflake())
        url = f"http://127.0.0.1:{self.port}/attachments/{name}"
        return {
            "id": aid,
            "filename": name,
            "size": len(data),
            "url": url,
            "proxy_url": url,
            "content_type": content_type,
        }
