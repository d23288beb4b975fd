"""A small loopback Discord: REST plus a gateway websocket on 127.0.0.1, strict where the bot depends on it.

The real discord.py client is pointed at it (``Route.BASE`` and ``DiscordWebSocket.DEFAULT_GATEWAY``); tests drive
it by dispatching gateway events (``slash``, ``click``, ``say``) and assert on the requests the bot made
(``emu.requests``, ``emu.messages``).

Strictness copied from Discord: message content over 2,000 characters, an embed description over 4,096, a field
over 1,024, more than 25 fields, or embeds over 6,000 characters in one message -> 400; a command whose
``default_member_permissions`` the member lacks is not delivered (unless ``force=True``: a server admin override);
message content is blank when the bot did not ask for the message-content intent (unless it is mentioned).
Unknown routes answer 404 (discord.py retries 5xx for ~25 s).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aiohttp import WSMsgType, web

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


class DiscordEmulator:
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
        self.outages: list[tuple[Callable[[str, str], bool], float, int]] = []
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

    def outage(self, predicate: Callable[[str, str], bool], seconds: float, status: int = 503) -> None:
        """Every matching request fails with ``status`` for the next ``seconds`` (discord.py retries 500, 502,
        504 and 524 itself, but not 503)."""
        self.outages.append((predicate, time.monotonic() + seconds, status))

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

    # ----------------------------------------------------------------- REST
    async def _attachment(self, request: web.Request) -> web.Response:
        data = self.files.get(request.match_info["name"])
        if data is None:
            return error(404, "Unknown attachment")
        return web.Response(body=data)

    def _public(self, m: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in m.items() if not k.startswith("_")}

    def _store(
        self,
        payload: dict[str, Any],
        channel_id: str,
        via: str,
        token: str | None = None,
        files: dict[str, tuple[str, bytes]] | None = None,
    ) -> dict[str, Any]:
        mid = str(snowflake())
        attachments = [
            {
                "id": str(snowflake()),
                "filename": fn,
                "size": len(b),
                "url": f"http://x/{fn}",
                "proxy_url": f"http://x/{fn}",
            }
            for fn, b in (files or {}).values()
        ]
        msg = {
            "id": mid,
            "channel_id": channel_id,
            "author": self.bot.user(),
            "content": payload.get("content") or "",
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": attachments,
            "embeds": payload.get("embeds") or [],
            "pinned": False,
            "type": 0 if via != "followup" else 19,
            "flags": int(payload.get("flags") or 0),
            "components": payload.get("components") or [],
            **(
                {"message_reference": payload["message_reference"]}
                if payload.get("message_reference")
                else {}
            ),
            "application_id": str(self.app_id),
            "webhook_id": str(self.app_id) if token else None,
            "_via": via,
            "_token": token,
            "_files": dict(files or {}),
            "_allowed_mentions": payload.get("allowed_mentions"),
            "_edits": [],
        }
        self.messages[int(mid)] = msg
        return msg

    def _edit(self, msg: dict[str, Any], payload: dict[str, Any]) -> None:
        msg["_edits"].append(payload)
        for key in ("content", "embeds", "components"):
            if key in payload:
                msg[key] = payload[key] if payload[key] is not None else ([] if key != "content" else "")
        if "allowed_mentions" in payload:
            msg["_allowed_mentions"] = payload["allowed_mentions"]
        msg["edited_timestamp"] = iso_now()

    async def _read(self, request: web.Request) -> tuple[Any, dict[str, tuple[str, bytes]]]:
        files: dict[str, tuple[str, bytes]] = {}
        ctype = request.headers.get("Content-Type", "")
        if ctype.startswith("multipart/"):
            payload = None
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":
                    payload = json.loads(await part.text())
                else:
                    files[part.name or ""] = (part.filename or "", bytes(await part.read()))
            return payload, files
        body = await request.read()
        return (json.loads(body) if body else None), files

    async def _api(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        payload, files = await self._read(request)
        req = Request(request.method, path, dict(request.query), payload, files)
        self.requests.append(req)
        try:
            resp = await self._route(request, req)
        except Exception as exc:  # an emulator bug must surface as a clear 400, never as a 5xx retry loop
            resp = error(400, f"emulator error: {type(exc).__name__}: {exc}")
        req.status = resp.status
        await self._notify()
        return resp

    async def _route(self, request: web.Request, req: Request) -> web.Response:
        """What happens to a request before Discord handles it: held, in an outage, failed, rate limited."""
        m, path = req.method, req.path
        for h in list(self.holds):
            if h.predicate(m, path):
                self.holds.remove(h)
                h.arrived.set()
                await self._notify()
                await h.released.wait()
                if not h.store:
                    return error(503, "Service Unavailable")
        for pred, until, status in self.outages:
            if pred(m, path) and time.monotonic() < until:
                return error(status, "Service Unavailable")
        for i, (pred, status, code, after) in enumerate(self.failures):
            if pred(m, path):
                del self.failures[i]
                if after:
                    await self._handle(request, req)
                return error(status, "Missing Permissions" if code == 50013 else "Failed", code)
        for i, (pred, retry_after) in enumerate(self.rate_limits):
            if pred(m, path):
                del self.rate_limits[i]
                return json_response(
                    {"message": "You are being rate limited.", "retry_after": retry_after, "global": False},
                    429,
                    {
                        "Retry-After": str(retry_after),
                        "X-RateLimit-Limit": "5",
                        "X-RateLimit-Remaining": "0",
                        "X-RateLimit-Reset-After": str(retry_after),
                        "X-RateLimit-Bucket": "emulated",
                        "X-RateLimit-Scope": "user",
                        "Via": "1.1 google",
                    },
                )
        return await self._handle(request, req)

    async def _handle(self, request: web.Request, req: Request) -> web.Response:  # noqa: C901 - a router
        m, path, body = req.method, req.path, req.json or {}
        auth = request.headers.get("Authorization", "")
        is_webhook = path.startswith("/webhooks/") or path.startswith("/interactions/")
        if not is_webhook and auth != f"Bot {self.token}":
            return error(401, "401: Unauthorized", 0)
        parts = path.strip("/").split("/")

        if m == "GET" and path == "/users/@me":
            return json_response({**self.bot.user(), "verified": True, "mfa_enabled": False, "flags": 0})
        if m == "GET" and path == "/oauth2/applications/@me":
            return json_response(
                {
                    "id": str(self.app_id),
                    "name": self.bot.name,
                    "description": "",
                    "icon": None,
                    "bot_public": False,
                    "bot_require_code_grant": False,
                    "verify_key": "00" * 32,
                    "owner": {"id": "1", "username": "owner", "discriminator": "0", "avatar": None},
                    "flags": 0,
                }
            )
        if parts[0] == "applications" and parts[-1] == "commands" and m == "PUT":
            guild = int(parts[3]) if len(parts) == 5 else None
            cmds = [
                {
                    **c,
                    "id": str(snowflake()),
                    "application_id": str(self.app_id),
                    "version": str(snowflake()),
                    **({"guild_id": str(guild)} if guild else {}),
                }
                for c in (req.json or [])
            ]
            self.commands[guild] = cmds
            return json_response(cmds)
        if parts[0] == "applications" and parts[-1] == "commands" and m == "GET":
            guild = int(parts[3]) if len(parts) == 5 else None
            return json_response(self.commands.get(guild, []))
        if parts[0] == "interactions" and parts[-1] == "callback" and m == "POST":
            token = parts[2]
            info = self.interactions.get(token)
            if info is None:
                return error(404, "Unknown interaction", 10062)
            if info.get("responded"):
                return error(400, "Interaction has already been acknowledged.", 40060)
            info["responded"] = True
            rtype = int(body.get("type", 0))
            data = body.get("data") or {}
            interaction = {
                "id": str(info["id"]),
                "type": 2,
                "response_message_loading": rtype == 5,
                "response_message_ephemeral": bool(int(data.get("flags") or 0) & 64),
            }
            resource: dict[str, Any] = {"type": rtype}
            if rtype in (4, 5):
                if rtype == 4 and (err := validate_message(data)):
                    return error(400, "Invalid Form Body", 50035, err)
                via = "deferred" if rtype == 5 else "original"
                msg = self._store(data, info["channel_id"], via, token, req.files)
                info["original"] = int(msg["id"])
                info["loading"] = rtype == 5
                interaction["response_message_id"] = msg["id"]
                resource["message"] = self._public(msg)
            elif rtype in (6, 7):  # (deferred) update of the component's message
                msg = self.messages.get(info.get("message_id") or 0)
                if msg is None:
                    return error(400, "Interaction has no message to update", 50035)
                if rtype == 7:
                    if err := validate_message({**msg, **data}):
                        return error(400, "Invalid Form Body", 50035, err)
                    self._edit(msg, data)
                info["original"] = int(msg["id"])
            return json_response({"interaction": interaction, "resource": resource})
        if parts[0] == "webhooks" and len(parts) >= 3:
            token = parts[2]
            info = self.interactions.get(token)
            if info is None:
                return error(404, "Unknown Webhook", 10015)
            if m == "POST" and len(parts) == 3:
                if err := validate_message(body):
                    return error(400, "Invalid Form Body", 50035, err)
                if info.get("loading"):  # the first followup after a "thinking" defer fills the placeholder
                    info["loading"] = False
                    msg = self.messages[info["original"]]
                    self._edit(msg, body)
                    msg["_via"], msg["_files"] = "followup", dict(req.files)
                    return json_response(self._public(msg))
                msg = self._store(body, info["channel_id"], "followup", token, req.files)
                return json_response(self._public(msg))
            if len(parts) == 5 and parts[3] == "messages":
                mid = info["original"] if parts[4] == "@original" else int(parts[4])
                msg = self.messages.get(mid) if mid else None
                if msg is None:
                    return error(404, "Unknown Message", 10008)
                if m == "PATCH":
                    if err := validate_message({**msg, **body}):
                        return error(400, "Invalid Form Body", 50035, err)
                    self._edit(msg, body)
                    return json_response(self._public(msg))
                if m == "GET":
                    return json_response(self._public(msg))
                if m == "DELETE":
                    msg["_deleted"] = True
                    if mid == info["original"]:  # a later follow-up is a message of its own (its flags count)
                        info["loading"] = False
                    return web.Response(status=204)
        if parts[0] == "channels" and len(parts) == 2 and m == "GET":
            thread = self.threads.get(int(parts[1]))
            if thread is not None:
                return json_response({k: v for k, v in thread.items() if not k.startswith("_")})
            for g in self.guilds.values():
                if int(parts[1]) in g.channels:
                    return json_response(
                        self._guild_payload(g)["channels"][list(g.channels).index(int(parts[1]))]
                    )
            return error(404, "Unknown Channel", 10003)
        if parts[0] == "channels" and len(parts) >= 3:
            cid = parts[1]
            if m == "GET" and len(parts) == 3 and parts[2] == "messages":  # history, newest first
                limit = min(int(req.query.get("limit", 50)), 100)
                before = int(req.query.get("before", 1 << 63))
                found = [
                    self._public(msg)
                    for mid, msg in sorted(self.messages.items(), reverse=True)
                    if msg["channel_id"] == cid
                    and mid < before
                    and not msg.get("_deleted")
                    and not msg["flags"] & 64
                    and msg["_via"] != "deferred"
                ]
                return json_response(found[:limit])
            if m == "DELETE" and len(parts) == 4 and parts[2] == "messages":
                msg = self.messages.get(int(parts[3]))
                if msg is None or msg["channel_id"] != cid or msg.get("_deleted") or msg["flags"] & 64:
                    return error(404, "Unknown Message", 10008)
                msg["_deleted"] = True
                return web.Response(status=204)
            if m == "POST" and len(parts) == 3 and parts[2] == "messages":
                if err := validate_message(body):
                    return error(400, "Invalid Form Body", 50035, err)
                msg = self._store(body, cid, "channel", None, req.files)
                return json_response(self._public(msg))
            if m == "PATCH" and len(parts) == 4 and parts[2] == "messages":
                msg = self.messages.get(int(parts[3]))
                if msg is None or msg["channel_id"] != cid or msg.get("_deleted") or msg["flags"] & 64:
                    return error(404, "Unknown Message", 10008)
                if err := validate_message({**msg, **body}):
                    return error(400, "Invalid Form Body", 50035, err)
                self._edit(msg, body)
                return json_response(self._public(msg))
            if m == "PUT" and len(parts) == 7 and parts[4] == "reactions" and parts[6] == "@me":
                self.reactions.append((int(cid), int(parts[3]), unquote(parts[5])))
                return web.Response(status=204)
            if m == "POST" and len(parts) == 5 and parts[4] == "threads":
                guild_id = next((str(g.id) for g in self.guilds.values() if int(cid) in g.channels), None)
                tid = parts[3]  # a thread started on a message has the message's id; one thread per message
                if int(tid) in self.threads:
                    return error(400, "A thread has already been created for this message", 160004)
                thread = {
                    "id": tid,
                    "type": 11,
                    "guild_id": guild_id,
                    "parent_id": cid,
                    "name": (body.get("name") or "")[:100],
                    "owner_id": str(self.bot.id),
                    "message_count": 0,
                    "member_count": 1,
                    "rate_limit_per_user": 0,
                    "flags": 0,
                    "thread_metadata": {
                        "archived": False,
                        "auto_archive_duration": 1440,
                        "archive_timestamp": iso_now(),
                        "locked": False,
                    },
                }
                self.threads[int(tid)] = {**thread, "_message": parts[3]}
                return json_response(thread)
        return error(404, f"404: Not Found ({m} {path})", 0)
