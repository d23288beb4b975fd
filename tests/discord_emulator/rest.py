"""The REST half of the emulator: the routes discord.py calls, with Discord's answers and strictness.

A mixin of ``DiscordEmulator``: it reads and records the emulator's state (``messages``, ``interactions``,
``threads``…). Before a request is handled it may be held, hit by an outage, failed once or rate limited, as the
test arranged.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from .model import Guild, Hold, Member, Request, error, iso_now, json_response, snowflake
from .rules import validate_message


class RestApi:
    """The routes; the state they read and record is set up by ``DiscordEmulator.__init__``."""

    token: str
    app_id: int
    bot: Member
    guilds: dict[int, Guild]
    requests: list[Request]
    messages: dict[int, dict[str, Any]]
    commands: dict[int | None, list[dict[str, Any]]]
    interactions: dict[str, dict[str, Any]]
    threads: dict[int, dict[str, Any]]
    reactions: list[tuple[int, int, str]]
    files: dict[str, bytes]
    holds: list[Hold]
    outages: list[tuple[Callable[[str, str], bool], float, int, bool, Any]]
    nonces: dict[tuple[str, str], int]
    failures: list[tuple[Callable[[str, str], bool], int, int, bool]]
    rate_limits: list[tuple[Callable[[str, str], bool], float]]

    async def _notify(self) -> None:
        raise NotImplementedError

    def _guild_payload(self, g: Guild) -> dict[str, Any]:
        raise NotImplementedError

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
        attachments = self._attachments(files or {})
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

    @staticmethod
    def _attachments(files: dict[str, tuple[str, bytes]]) -> list[dict[str, Any]]:
        return [
            {
                "id": str(snowflake()),
                "filename": fn,
                "size": len(b),
                "url": f"http://x/{fn}",
                "proxy_url": f"http://x/{fn}",
            }
            for fn, b in files.values()
        ]

    def _edit(
        self, msg: dict[str, Any], payload: dict[str, Any], files: dict[str, tuple[str, bytes]] | None = None
    ) -> None:
        msg["_edits"].append(payload)
        if files:  # new attachments replace the old ones
            msg["_files"] = dict(files)
            msg["attachments"] = self._attachments(files)
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
        for pred, until, status, after, body in self.outages:
            if pred(m, path) and time.monotonic() < until and (body is None or body(req.json)):
                if after:
                    await self._handle(request, req)
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

    async def _handle(self, request: web.Request, req: Request) -> web.Response:
        """Discord's answer to an authorised request (webhooks and interaction callbacks need no token)."""
        path = req.path
        is_webhook = path.startswith("/webhooks/") or path.startswith("/interactions/")
        if not is_webhook and request.headers.get("Authorization", "") != f"Bot {self.token}":
            return error(401, "401: Unauthorized", 0)
        parts = path.strip("/").split("/")
        handler = {
            "users": self._identity,
            "oauth2": self._identity,
            "applications": self._commands,
            "interactions": self._callback,
            "webhooks": self._webhook,
            "channels": self._channel,
        }.get(parts[0])
        response = await handler(req, parts) if handler is not None else None
        return response or error(404, f"404: Not Found ({req.method} {path})", 0)

    async def _identity(self, req: Request, parts: list[str]) -> web.Response | None:
        if req.method == "GET" and req.path == "/users/@me":
            return json_response({**self.bot.user(), "verified": True, "mfa_enabled": False, "flags": 0})
        if req.method == "GET" and req.path == "/oauth2/applications/@me":
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
        return None

    async def _commands(self, req: Request, parts: list[str]) -> web.Response | None:
        if parts[-1] != "commands":
            return None
        guild = int(parts[3]) if len(parts) == 5 else None
        if req.method == "GET":
            return json_response(self.commands.get(guild, []))
        if req.method != "PUT":
            return None
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

    async def _callback(self, req: Request, parts: list[str]) -> web.Response | None:
        """An interaction's one response: a message (4), "thinking" (5), or an update of its message (6, 7)."""
        if parts[-1] != "callback" or req.method != "POST":
            return None
        token = parts[2]
        info = self.interactions.get(token)
        if info is None:
            return error(404, "Unknown interaction", 10062)
        if info.get("responded"):
            return error(400, "Interaction has already been acknowledged.", 40060)
        info["responded"] = True
        body = req.json or {}
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

    async def _webhook(self, req: Request, parts: list[str]) -> web.Response | None:
        """Follow-ups: the first after a "thinking" defer fills the placeholder (its flags, not the follow-up's)."""
        if len(parts) < 3:
            return None
        info = self.interactions.get(parts[2])
        if info is None:
            return error(404, "Unknown Webhook", 10015)
        m, body = req.method, req.json or {}
        if m == "POST" and len(parts) == 3:
            if err := validate_message(body):
                return error(400, "Invalid Form Body", 50035, err)
            if info.get("loading"):
                info["loading"] = False
                msg = self.messages[info["original"]]
                self._edit(msg, body)
                msg["_via"], msg["_files"] = "followup", dict(req.files)
                return json_response(self._public(msg))
            msg = self._store(body, info["channel_id"], "followup", parts[2], req.files)
            return json_response(self._public(msg))
        if len(parts) != 5 or parts[3] != "messages":
            return None
        mid = info["original"] if parts[4] == "@original" else int(parts[4])
        msg = self.messages.get(mid) if mid else None
        if msg is None:
            return error(404, "Unknown Message", 10008)
        if m == "PATCH":
            if err := validate_message({**msg, **body}):
                return error(400, "Invalid Form Body", 50035, err)
            self._edit(msg, body, req.files)
            if mid == info["original"] and info.get(
                "loading"
            ):  # an edit fills "thinking…" as a follow-up would
                info["loading"] = False
                msg["_via"] = "followup"
            return json_response(self._public(msg))
        if m == "GET":
            return json_response(self._public(msg))
        if m == "DELETE":
            msg["_deleted"] = True
            if mid == info["original"]:  # a later follow-up is a message of its own (its flags count)
                info["loading"] = False
            return web.Response(status=204)
        return None

    async def _channel(self, req: Request, parts: list[str]) -> web.Response | None:
        m, cid = req.method, parts[1]
        if m == "GET" and len(parts) == 2:
            return self._channel_object(int(cid))
        if len(parts) >= 3 and parts[2] == "messages":
            if len(parts) == 3:
                return self._channel_messages(req, cid)
            if len(parts) == 4:
                return self._channel_message(req, cid, int(parts[3]))
            if m == "PUT" and len(parts) == 7 and parts[4] == "reactions" and parts[6] == "@me":
                self.reactions.append((int(cid), int(parts[3]), unquote(parts[5])))
                return web.Response(status=204)
            if m == "POST" and len(parts) == 5 and parts[4] == "threads":
                return self._start_thread(req, cid, parts[3])
        return None

    def _channel_object(self, cid: int) -> web.Response:
        thread = self.threads.get(cid)
        if thread is not None:
            return json_response({k: v for k, v in thread.items() if not k.startswith("_")})
        for g in self.guilds.values():
            if cid in g.channels:
                return json_response(self._guild_payload(g)["channels"][list(g.channels).index(cid)])
        return error(404, "Unknown Channel", 10003)

    def _channel_messages(self, req: Request, cid: str) -> web.Response | None:
        """POST a message, or GET the channel's history (newest first, what anyone can see)."""
        if req.method == "POST":
            body = req.json or {}
            if err := validate_message(body):
                return error(400, "Invalid Form Body", 50035, err)
            nonce = str(body.get("nonce") or "")
            if nonce and body.get("enforce_nonce"):  # Discord: the same nonce again returns the first message
                known = self.messages.get(self.nonces.get((cid, nonce), 0))
                if known is not None:
                    return json_response(self._public(known))
            msg = self._store(body, cid, "channel", None, req.files)
            if nonce:
                self.nonces[(cid, nonce)] = int(msg["id"])
            return json_response(self._public(msg))
        if req.method != "GET":
            return None
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

    def _channel_message(self, req: Request, cid: str, mid: int) -> web.Response | None:
        """Read, edit or delete one of the bot's messages in that channel (not an ephemeral one: it has no
        channel; not a "thinking…" placeholder nobody can see yet)."""
        msg = self.messages.get(mid)
        if msg is None or msg["channel_id"] != cid or msg.get("_deleted") or msg["flags"] & 64:
            return error(404, "Unknown Message", 10008)
        if req.method == "GET":
            return (
                json_response(self._public(msg))
                if msg["_via"] != "deferred"
                else error(404, "Unknown Message", 10008)
            )
        if req.method == "DELETE":
            msg["_deleted"] = True
            return web.Response(status=204)
        if req.method != "PATCH":
            return None
        if err := validate_message({**msg, **(req.json or {})}):
            return error(400, "Invalid Form Body", 50035, err)
        self._edit(msg, req.json or {})
        return json_response(self._public(msg))

    def _start_thread(self, req: Request, cid: str, message_id: str) -> web.Response:
        """A thread started on a message has the message's id: one thread per message."""
        if int(message_id) in self.threads:
            return error(400, "A thread has already been created for this message", 160004)
        guild_id = next((str(g.id) for g in self.guilds.values() if int(cid) in g.channels), None)
        thread = {
            "id": message_id,
            "type": 11,
            "guild_id": guild_id,
            "parent_id": cid,
            "name": ((req.json or {}).get("name") or "")[:100],
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
        self.threads[int(message_id)] = {**thread, "_message": message_id}
        return json_response(thread)
