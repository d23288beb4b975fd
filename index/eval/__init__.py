"""Evaluation: retrieval quality against baselines (``retrieval``), the CI quality gate (``gate``), briefing
coverage (``briefing``), the deterministic tuning/reporting split (``split``) and the feedback set (``feedback``).

Nothing here is imported by the retrieval core; front ends (``cli``) call in.
"""

from __future__ import annotations

import importlib
from typing import Any

# What front ends call, loaded lazily: each evaluation brings its own heavy imports (scipy, the model) only when run.
_EXPORTS: dict[str, str] = {
    "evaluate_briefings": "index.eval.briefing",
    "format_result": "index.eval.briefing",
    "load_jsonl": "index.eval.data",
    "run_eval": "index.eval.retrieval",
    "run_eval_track": "index.eval.track",
    "evaluate_feedback": "index.eval.feedback",
    "format_feedback": "index.eval.feedback",
    "load_votes": "index.eval.feedback",
    "select": "index.eval.split",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'index.eval' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
