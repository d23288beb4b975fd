"""Bot settings: the core settings plus Discord's (pydantic-settings, read from the environment and ``.env``).

A missing or bad setting stops start-up with one clear sentence (``SettingsError``); the token is a ``SecretStr``
so it never appears in a repr, a traceback or a log line.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from index import CoreSettings

ENV_NAMES = {
    "discord_token": "DISCORD_TOKEN",
    "discord_api_base": "DISCORD_API_BASE",
    "discord_gateway_url": "DISCORD_GATEWAY_URL",
    "briefing_channel_id": "NEWSDESK_BRIEFING_CHANNEL_ID",
    "briefing_time": "NEWSDESK_BRIEFING_TIME",
    "briefing_timezone": "NEWSDESK_BRIEFING_TIMEZONE",
    "admin_role_ids": "NEWSDESK_ADMIN_ROLE_IDS",
    "dev_guild_id": "NEWSDESK_DEV_GUILD_ID",
    "feeds_enabled": "NEWSDESK_FEEDS",
    "owner_guild_id": "NEWSDESK_OWNER_GUILD_ID",
    "owner_id_list": "NEWSDESK_OWNER_IDS",
    "shard_id": "NEWSDESK_SHARD_ID",
    "shard_count": "NEWSDESK_SHARD_COUNT",
}


class SettingsError(SystemExit):
    """A setting is missing or bad; the message is one sentence a person can act on.

    A ``SystemExit``: uncaught, Python prints just the sentence and exits with status 1 (no traceback)."""


class BotSettings(CoreSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    discord_token: SecretStr = Field(validation_alias="DISCORD_TOKEN")
    # Overrides for people who run the bot behind a rate-limit proxy (and for the loopback tests).
    discord_api_base: str | None = Field(default=None, validation_alias="DISCORD_API_BASE")
    discord_gateway_url: str | None = Field(default=None, validation_alias="DISCORD_GATEWAY_URL")
    briefing_channel_id: int | None = Field(default=None, validation_alias="NEWSDESK_BRIEFING_CHANNEL_ID")
    briefing_time: dt.time = Field(default=dt.time(7, 0), validation_alias="NEWSDESK_BRIEFING_TIME")
    # Empty = the core NEWSDESK_TIMEZONE.
    briefing_timezone: str = Field(default="", validation_alias="NEWSDESK_BRIEFING_TIMEZONE")
    # Comma-separated role ids whose members may use the admin commands (besides Manage Server).
    admin_role_ids: str = Field(default="", validation_alias="NEWSDESK_ADMIN_ROLE_IDS")
    dev_guild_id: int | None = Field(default=None, validation_alias="NEWSDESK_DEV_GUILD_ID")
    # Who may rebuild the index all servers share (/reindex): admins of this server, and these users or roles
    # (comma-separated ids) anywhere. Nobody else: one server's admin must not stall every server's searches.
    owner_guild_id: int | None = Field(default=None, validation_alias="NEWSDESK_OWNER_GUILD_ID")
    owner_id_list: str = Field(default="", validation_alias="NEWSDESK_OWNER_IDS")
    ask_cooldown_seconds: float = Field(default=5.0, ge=0, validation_alias="NEWSDESK_ASK_COOLDOWN")
    max_concurrent_searches: int = Field(default=4, ge=1, validation_alias="NEWSDESK_MAX_SEARCHES")
    # A scheduled briefing that failed (Discord down, missing permission) is tried again this often that day.
    briefing_retry_minutes: float = Field(
        default=10.0, gt=0, validation_alias="NEWSDESK_BRIEFING_RETRY_MINUTES"
    )
    # RSS/Atom feeds (/feeds and the background poll); off = the commands are not registered at all.
    feeds_enabled: bool = Field(default=True, validation_alias="NEWSDESK_FEEDS")
    feeds_poll_minutes: float = Field(default=15.0, gt=0, validation_alias="NEWSDESK_FEEDS_POLL_MINUTES")
    # /reindex edits its progress message at least this often (seconds), whether or not the count moved.
    progress_interval_seconds: float = Field(
        default=5.0, ge=0, le=5, validation_alias="NEWSDESK_PROGRESS_INTERVAL"
    )
    # An interaction token may edit its messages for 15 minutes; a longer rebuild moves its progress to a channel
    # message after this many seconds.
    interaction_edit_seconds: float = Field(
        default=14 * 60, ge=0, validation_alias="NEWSDESK_INTERACTION_EDIT_SECONDS"
    )
    # On SIGTERM/SIGINT, work in flight (a briefing post, an answer) gets this long to finish before it is abandoned
    # and cleaned up; below `docker stop`'s 10 s, after which the process is killed.
    # Load the model, the caches and the language identifier in a worker thread once the bot has started, so
    # the first question is answered as quickly as the next (off: each loads on first use).
    warm_at_start: bool = Field(default=True, validation_alias="NEWSDESK_WARM")
    shutdown_grace_seconds: float = Field(
        default=8.0, ge=0, validation_alias="NEWSDESK_SHUTDOWN_GRACE_SECONDS"
    )
    # How long an answer (slash command, button, mention, watched channel) is retried while Discord answers 5xx
    # (503 included) or drops the connection, before the user is told Discord was the problem (bot/retry.py); an
    # interaction never past its token's 15 minutes. The pauses double from 1 s up to the second setting.
    discord_retry_seconds: float = Field(
        default=240.0, ge=0, validation_alias="NEWSDESK_DISCORD_RETRY_SECONDS"
    )
    discord_retry_max_pause: float = Field(
        default=15.0, gt=0, validation_alias="NEWSDESK_DISCORD_RETRY_MAX_PAUSE"
    )
    # The buttons under an answer work this long (the answer is kept in the bot's state, then pruned).
    answer_retention_days: float = Field(
        default=30.0, gt=0, validation_alias="NEWSDESK_ANSWER_RETENTION_DAYS"
    )
    max_attachment_bytes: int = Field(
        default=8 * 1024 * 1024, gt=0, validation_alias="NEWSDESK_MAX_ATTACHMENT"
    )
    # Tracked questions (/track): how many a server may have, and how often new paragraphs are checked and the
    # alerts that fired (here or in another process on the data dir) are posted.
    track_max_per_server: int = Field(default=25, ge=1, validation_alias="NEWSDESK_TRACK_MAX_PER_SERVER")
    track_check_seconds: float = Field(default=60.0, gt=0, validation_alias="NEWSDESK_TRACK_CHECK_SECONDS")
    # Several bot processes (README, "Running against Milvus"): this process serves Discord shard
    # NEWSDESK_SHARD_ID of NEWSDESK_SHARD_COUNT (the servers whose (id >> 22) % count is that shard). Unset: one
    # process, every server. Every process shares one data dir and one Milvus; the scheduled briefing and tracked
    # alerts are claimed in the shared state, so each is posted once; only shard 0 polls feeds in the background.
    shard_id: int | None = Field(default=None, ge=0, validation_alias="NEWSDESK_SHARD_ID")
    shard_count: int | None = Field(default=None, ge=1, validation_alias="NEWSDESK_SHARD_COUNT")

    @field_validator("discord_token")
    @classmethod
    def _token_shape(cls, v: SecretStr) -> SecretStr:
        raw = v.get_secret_value().strip()
        if not raw:
            raise ValueError("is empty")
        if any(c.isspace() for c in raw) or raw.lower().startswith("bot "):
            raise ValueError("must be the bare bot token (no spaces, no 'Bot ' prefix)")
        return SecretStr(raw)

    @field_validator("admin_role_ids", "owner_id_list")
    @classmethod
    def _ids(cls, v: str) -> str:
        for part in filter(None, (p.strip() for p in v.split(","))):
            if not part.isdigit():
                raise ValueError(f"{part!r} is not an id (comma-separated numbers)")
        return v

    @field_validator("briefing_timezone", "timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        if v:
            try:
                ZoneInfo(v)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise ValueError(f"{v!r} is not a known time zone (e.g. Europe/Berlin)") from exc
        return v

    @model_validator(mode="after")
    def _shard(self) -> BotSettings:
        if (self.shard_id is None) != (self.shard_count is None):
            raise ValueError("NEWSDESK_SHARD_ID and NEWSDESK_SHARD_COUNT go together: set both or neither")
        if self.shard_id is not None and self.shard_count is not None and self.shard_id >= self.shard_count:
            raise ValueError(
                f"NEWSDESK_SHARD_ID {self.shard_id} is not below NEWSDESK_SHARD_COUNT {self.shard_count}"
            )
        return self

    @property
    def polls_feeds(self) -> bool:
        """Whether this process polls due feeds in the background: one process does (shard 0, or the only one)."""
        return self.feeds_enabled and not self.shard_id

    @property
    def admin_roles(self) -> frozenset[int]:
        return frozenset(int(p) for p in self.admin_role_ids.split(",") if p.strip())

    @property
    def owner_ids(self) -> frozenset[int]:
        return frozenset(int(p) for p in self.owner_id_list.split(",") if p.strip())

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.briefing_timezone or self.timezone or "UTC")

    @property
    def briefing_at(self) -> dt.time:
        """The configured briefing time, aware in the briefing time zone (what ``tasks.loop(time=)`` wants)."""
        return self.briefing_time.replace(tzinfo=self.zone)


def load_settings(**overrides: object) -> BotSettings:
    """Read the settings; any problem becomes one clear sentence in ``SettingsError``."""
    try:
        return BotSettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]) if err.get("loc") else "a setting"
        env = ENV_NAMES.get(name, name.upper())
        if err.get("type") == "missing":
            raise SettingsError(
                f"{env} is not set: put it in the environment or in .env (see .env.example)."
            ) from None
        msg = str(err.get("msg", "is invalid")).removeprefix("Value error, ")
        if not err.get("loc"):  # a rule over several settings names them itself
            raise SettingsError(f"{msg[:1].upper()}{msg[1:]}.") from None
        raise SettingsError(f"Setting {env} is invalid: {msg}.") from None
