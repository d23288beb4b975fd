"""Milvus's side of the filters and the connection: filter expressions with the store's rules exactly, the scalar
fields' encodings, and the client with its one retry.

``Store.filter_sql`` is the reference: dates as integer days (``2 * YYYYMMDD`` plus a time suffix, as SQL orders a
stored date with a time), ``scope in [...]``, the outlet folded like SQLite's ``lower()`` and matched as
``outlet == "x" or id in [...]`` (the paragraphs of articles that match only through a syndicated copy).
"""

from __future__ import annotations

import json
import logging
import re
import string
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from index.messages import say
from index.models import Filters, VectorBackendError
from index.vectors.base import EXACT_MAX
from index.vectors.facets import day_of

log = logging.getLogger(__name__)

RETRY_PAUSE = 0.5  # seconds before the one retry of a failed Milvus call
OUTLET_MAX = 512  # characters of the ``outlet`` field
# SQLite's lower() (no ICU) folds ASCII letters only; the outlet field and the filter literal fold the same way, so
# Milvus and ``Store.filter_sql`` agree on every name ("Ärzte" stays "Ärzte" on both sides).
ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,200}$")
T = TypeVar("T")


@dataclass(frozen=True)
class MilvusConfig:
    """Where the collection lives: a file path (milvus-lite, embedded) or ``http(s)://host:port`` (a server)."""

    uri: str
    token: str = ""
    prefix: str = "newsdesk"  # the alias; collections are ``<prefix>_<epoch>``
    exact_max: int = EXACT_MAX
    timeout: float = 10.0
    consistency: str = "Strong"  # of searches: Strong | Session | Bounded (``consistency_level``)


CONSISTENCY_LEVELS = ("Strong", "Session", "Bounded")


def consistency_level(name: str) -> str:
    """A ``NEWSDESK_MILVUS_CONSISTENCY`` value spelled as Milvus spells it; an unknown one is one sentence. The
    rule each level gives is stated where the setting is (``index.config``) and in the README."""
    for level in CONSISTENCY_LEVELS:
        if name.strip().lower() == level.lower():
            return level
    raise VectorBackendError(say("milvus_bad_consistency", name=name))


def connect(config: MilvusConfig) -> Any:
    """A ``MilvusClient`` for ``config``; an unreachable server or bad URI is one sentence."""
    from pymilvus import MilvusClient

    if not NAME_RE.match(config.prefix):
        raise VectorBackendError(say("milvus_bad_name", name=config.prefix))

    def attempt() -> Any:
        client = MilvusClient(uri=config.uri, token=config.token, timeout=config.timeout)
        client.list_collections()
        return client

    try:
        client = _retried(attempt)
    except Exception as exc:  # noqa: BLE001 - pymilvus raises MilvusException, grpc or OS errors alike
        key = "milvus_unreachable" if "://" in config.uri else "milvus_lite_failed"
        raise VectorBackendError(say(key, uri=config.uri, error=_reason(exc))) from exc
    return client


def _retried(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn`` once more after a short pause if it fails: a gRPC channel that the server closed while idle (a
    GOAWAY, e.g. "too many pings" after minutes without a call) reconnects on the next call. Every Milvus call
    made here is idempotent (search, query, upsert by primary key, delete by id, flush)."""
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - retried once; the second failure propagates
        log.info("milvus call failed, retrying once: %s", _reason(exc))
        time.sleep(RETRY_PAUSE)
        return fn(*args, **kwargs)


def _reason(exc: BaseException) -> str:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return " ".join(str(message).split())[:200]


def day_number(date: str | None) -> int:
    """A stored date as ``facets.day_of`` keeps it: ``2 * YYYYMMDD``, plus one when a time follows the day (SQL
    sorts ``2024-03-05T10:00`` after ``2024-03-05``); -1 when there is no usable date."""
    day = day_of(date)
    return day if day >= 0 else -1


def bound_number(value: str) -> int:
    """A filter's date bound (its first ten characters, as SQL uses it) on the scale of ``day_number``."""
    day = day_number(value[:10])
    return day if day >= 0 else -1


def outlet_key(source: str | None) -> str:
    """The ``outlet`` field of a source, folded like SQLite's ``lower()``. A name past ``OUTLET_MAX`` characters is
    cut and marked with a control character, so no filter literal can equal it (an outlet filter that long is
    answered through the store's allowed ids instead)."""
    low = (source or "").translate(ASCII_LOWER)
    return low if len(low) <= OUTLET_MAX else low[: OUTLET_MAX - 1] + "\x01"


def literal(text: str) -> str | None:
    """``text`` as a Milvus string literal, or None when it cannot be one: Milvus's parser reads ``\\"``, ``\\\\``
    and the C escapes JSON writes for tab or newline, but not the ``\\uXXXX`` JSON uses for other control
    characters (checked on milvus-lite 3.2)."""
    text_literal = json.dumps(text, ensure_ascii=False)
    return None if "\\u" in text_literal else text_literal


def outlet_in_milvus(source: str) -> bool:
    """Whether an outlet filter can be written as ``outlet == "..."`` at all."""
    return literal(outlet_key(source)) is not None  # a cut name's control-character mark is no literal


def filter_expression(filters: Filters | None, syndicated: Sequence[int] = ()) -> str:
    """The Milvus boolean expression for ``filters``, the store's rules exactly. ``syndicated``: the paragraph ids
    that match the outlet only through a syndicated copy (``Store.syndicated_paragraph_ids``). Raises
    ``ValueError`` for an outlet ``outlet_in_milvus`` refuses."""
    if filters is None:
        return ""
    parts: list[str] = []
    if filters.source:
        if not outlet_in_milvus(filters.source):
            raise ValueError(f"the outlet {filters.source[:80]!r} cannot be written as a Milvus literal")
        clause = f"outlet == {literal(outlet_key(filters.source))}"
        if syndicated:
            clause = f"({clause} or id in {json.dumps([int(i) for i in syndicated])})"
        parts.append(clause)
    if filters.since:
        parts.append(f"day >= {bound_number(filters.since)}")
    if filters.until:
        parts.append(f"(day >= 0 and day <= {bound_number(filters.until)})")
    if filters.as_of:
        parts.append(f"(day >= 0 and day < {bound_number(filters.as_of)})")
    if filters.scopes is not None:
        parts.append(f"scope in {json.dumps(list(filters.scopes), ensure_ascii=False)}")
    return " and ".join(parts)
