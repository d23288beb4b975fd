"""The CI quality gate over a retrieval evaluation result (``.ci/run`` runs it on the reporting half).

A change that makes Newsdesk's hit@5 fall below the best plain baseline measured in the same run, or that answers
a question the corpus cannot answer, fails CI.
"""

from __future__ import annotations

import logging
from typing import Any

from index.eval.metrics import BASELINES

log = logging.getLogger(__name__)


def gate(result: dict[str, Any]) -> list[str]:
    """What is wrong with ``result`` (an ``evaluate`` result), one sentence each; empty when the gate passes."""
    problems: list[str] = []
    m = result["metrics"]
    best_name = max(BASELINES, key=lambda b: m[b]["hit@5"])
    best = m[best_name]["hit@5"]
    if m["newsdesk"]["hit@5"] < best:
        problems.append(
            f"newsdesk hit@5 {m['newsdesk']['hit@5']:.3f} is below the best baseline's ({best_name}) {best:.3f}"
        )
    if result["no_answer_correct"] < result["no_answer_expected"]:
        problems.append("a question that has no answer in the corpus got one")
    return problems
