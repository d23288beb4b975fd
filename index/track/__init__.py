"""Tracked questions: a question asked again of every new paragraph, firing an alert once when a passage answers.

``tracking`` is what front ends call; ``match`` scores the new paragraphs; ``rules`` holds the firing rules;
``ledger`` the SQL of the tracked-question and alert tables (schema version 3). Names load lazily, so a caller that
only needs ``ledger`` (is anything tracked at all?) does not load the answer stage and the briefing's clustering.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    "ALERT_MIN_SCORE": "index.track.match",
    "Alert": "index.track.models",
    "TrackError": "index.track.models",
    "Tracked": "index.track.models",
    "add": "index.track.tracking",
    "any_active": "index.track.ledger",
    "alerts": "index.track.tracking",
    "check": "index.track.tracking",
    "claim_deliveries": "index.track.tracking",
    "get": "index.track.tracking",
    "list_tracked": "index.track.tracking",
    "mark_delivered": "index.track.tracking",
    "release": "index.track.tracking",
    "remove": "index.track.tracking",
    "test": "index.track.tracking",
}

__all__ = [
    "ALERT_MIN_SCORE",
    "Alert",
    "TrackError",
    "Tracked",
    "add",
    "any_active",
    "alerts",
    "check",
    "claim_deliveries",
    "get",
    "list_tracked",
    "mark_delivered",
    "release",
    "remove",
    "test",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'index.track' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from index.track.ledger import any_active
    from index.track.match import ALERT_MIN_SCORE
    from index.track.models import Alert, Tracked, TrackError
    from index.track.tracking import (
        add,
        alerts,
        check,
        claim_deliveries,
        get,
        list_tracked,
        mark_delivered,
        release,
        remove,
        test,
    )
