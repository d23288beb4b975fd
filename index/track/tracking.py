"""What front ends call: add, list, remove and test tracked questions, check them, and deliver their alerts.

Every function takes a ``Newsdesk`` (anything with ``store``, ``lexical``, ``embedder`` and ``settings``) and is
synchronous; the bot calls them through ``asyncio.to_thread``. Input problems raise ``TrackError`` with one
sentence from the catalogue.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from index.config import CoreSettings
from index.messages import say
from index.text_normalize import normalize_text
from index.track import ledger as tlog
from index.track import rules as checks
from index.track.match import TrackDesk
from index.track.models import Alert, Tracked, TrackError
from index.validate import MAX_QUESTION_CHARS

log = logging.getLogger(__name__)

# A claim older than this is taken to belong to a process that died mid-post; the alert is posted again.
STALE_CLAIM_SECONDS = 300.0
DELIVERY_BATCH = 20  # alerts claimed per round


class Desk(TrackDesk, Protocol):
    @property
    def settings(self) -> CoreSettings: ...


def clock_of(desk: Desk, now: datetime | None = None) -> checks.Clock:
    return checks.Clock(now or datetime.now(UTC), ZoneInfo(desk.settings.timezone or "UTC"))


def _question(text: str) -> str:
    question = normalize_text(text or "")
    if not question:
        raise TrackError(say("track_empty_question"))
    if len(question) > MAX_QUESTION_CHARS:
        raise TrackError(say("track_question_too_long", limit=MAX_QUESTION_CHARS))
    return question


def add(
    desk: Desk,
    question: str,
    source: str | None = None,
    server: str = "",
    channel: str | None = None,
    created_by: str | None = None,
    max_per_server: int | None = None,
    now: datetime | None = None,
) -> Tracked:
    """Track ``question`` from now on: only paragraphs stored after this call are checked for it."""
    text = _question(question)
    if channel and not server:
        raise TrackError(say("track_channel_needs_server"))
    added = tlog.insert_tracked(
        desk.store,
        text,
        (source or "").strip() or None,
        str(server or ""),
        str(channel) if channel else None,
        created_by,
        clock_of(desk, now).stamp,
        max_per_server,
    )
    if added is None:
        raise TrackError(say("track_cap_reached", cap=max_per_server))
    log.info("tracking question %s (server %r): %s", added.id, added.scope, added.question)
    return added


def list_tracked(desk: Desk, server: str | None = None) -> list[Tracked]:
    """Active questions, of one server when given ('' = those added without a server)."""
    return tlog.active(desk.store, None if server is None else [str(server)])


def get(desk: Desk, tracked_id: int | str, server: str | None = None) -> Tracked:
    """An active question by number (``#3`` or ``3``), refused when it belongs to another server."""
    raw = str(tracked_id).strip().lstrip("#")
    if not raw.isdigit():
        raise TrackError(say("track_bad_id", id=tracked_id))
    tq = tlog.tracked(desk.store, int(raw))
    if tq is None or not tq.active or (server is not None and tq.scope != str(server)):
        raise TrackError(say("track_not_found", id=raw))
    return tq


def remove(desk: Desk, tracked_id: int | str, server: str | None = None) -> Tracked:
    tq = get(desk, tracked_id, server)
    tlog.deactivate(desk.store, tq.id)
    tq.active = False
    return tq


def check(desk: Desk, servers: list[str] | None = None, now: datetime | None = None) -> list[Alert]:
    """Check the active questions (of these servers; None = all) against what was stored since; record and
    return the alerts that fired."""
    return checks.check(desk, clock_of(desk, now), servers)


def test(
    desk: Desk,
    tracked_id: int | str,
    everything: bool = False,
    server: str | None = None,
    now: datetime | None = None,
) -> list[Alert]:
    """What would fire now for one question, recording nothing."""
    return checks.test(desk, get(desk, tracked_id, server), clock_of(desk, now), everything)


def alerts(desk: Desk, tracked_id: int | None = None) -> list[Alert]:
    return tlog.alerts(desk.store, tracked_id)


def claim_deliveries(
    desk: Desk, servers: list[str], claimant: str, now: datetime | None = None, limit: int = DELIVERY_BATCH
) -> list[Alert]:
    """Alerts waiting to be posted in these servers' channels, claimed by ``claimant`` (see ``ledger.claim``).
    ``alert.extra["reclaimed"]`` is True when an earlier claimant may have posted it before dying."""
    clock = clock_of(desk, now)
    return tlog.claim(desk.store, servers, claimant, clock.stamp, clock.minus(STALE_CLAIM_SECONDS), limit)


def mark_delivered(
    desk: Desk, alert_id: int, claimant: str, delivery: str, now: datetime | None = None
) -> bool:
    return tlog.delivered(desk.store, alert_id, claimant, clock_of(desk, now).stamp, delivery)


def release(desk: Desk, alert_id: int, claimant: str) -> None:
    tlog.release(desk.store, alert_id, claimant)
