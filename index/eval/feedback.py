"""Analysts' 👍/👎 as an evaluation set, so a deployment can watch its own quality move (``newsdesk eval-feedback``).

The file is JSON Lines, one vote per line, as the bot exports it (``bot.state.BotState.export_eval_set``)::

    {"id": "feedback-12", "question": "…", "label": "good" | "bad",
     "answers": ["quote text shown and approved", …],      # label "good": the quotes the analyst approved
     "rejected": ["quote text shown and rejected", …],     # label "bad": the quotes the analyst rejected
     "filters": {"source": …, "since": …, "until": …, "as_of": …, "scopes": […]},   # all optional
     "quote_ids": […], "at": "…"}                          # kept for tracing, not used here

Only ``question`` and ``label`` are required. A shown quote *matches* a recorded one when either text contains the
other (whitespace and case folded): windows may grow or shrink by a sentence between versions. The figures: for 👍
votes, hit@k of an approved quote among the quotes Newsdesk shows now, and how many now get no answer; for 👎
votes, how many still show a rejected quote in the top k (lower is better).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.eval.data import load_jsonl
from index.eval.metrics import KS, Tally, norm
from index.models import Filters
from index.service import Newsdesk

log = logging.getLogger(__name__)

FILTER_KEYS = ("source", "since", "until", "as_of", "scopes")


@dataclass
class Vote:
    """One analyst's verdict on one answer."""

    id: str
    question: str
    good: bool
    approved: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    filters: Filters = field(default_factory=Filters)


def parse_vote(row: dict[str, Any], where: str) -> Vote:
    """A feedback record as a Vote; anything malformed is one ValueError naming ``where`` it is."""
    question, label = row.get("question"), row.get("label")
    if not isinstance(question, str) or not question.strip():
        raise ValueError(f"{where}: the record has no question.")
    if label not in ("good", "bad"):
        raise ValueError(f'{where}: label must be "good" or "bad", not {label!r}.')
    raw = row.get("filters") or {}
    unknown = sorted(set(raw) - set(FILTER_KEYS)) if isinstance(raw, dict) else ["(not an object)"]
    if unknown:
        raise ValueError(f"{where}: unknown filters {', '.join(unknown)}.")
    if raw.get("scopes") is not None:
        raw = {**raw, "scopes": tuple(str(s) for s in raw["scopes"])}
    texts = {
        key: [t for t in row.get(key) or [] if isinstance(t, str) and t.strip()]
        for key in ("answers", "rejected")
    }
    return Vote(
        str(row.get("id", where)),
        question,
        label == "good",
        texts["answers"],
        texts["rejected"],
        Filters(**raw),
    )


def load_votes(path: Path) -> list[Vote]:
    return [parse_vote(row, f"{path}, record {n}") for n, row in enumerate(load_jsonl(path), 1)]


def matches(shown: str, recorded: list[str]) -> bool:
    s = norm(shown)
    return any(r in s or s in r for r in (norm(t) for t in recorded))


def evaluate_feedback(desk: Newsdesk, votes: list[Vote], k: int = 5) -> dict[str, Any]:
    """How the index answers the voted questions now, against what the analysts approved or rejected."""
    approved = Tally()
    no_answer = still_rejected = 0
    for vote in votes:
        answer = desk.ask(vote.question, k=max(k, max(KS)), filters=vote.filters)
        shown = [q.text for q in answer.quotes]
        if vote.good:
            approved.ranks.append(
                next((i for i, t in enumerate(shown, 1) if matches(t, vote.approved)), None)
            )
            no_answer += int(answer.no_answer)
        else:
            still_rejected += int(any(matches(t, vote.rejected) for t in shown[:k]))
    n_bad = len(votes) - len(approved.ranks)
    return {
        "votes": len(votes),
        "good": len(approved.ranks),
        "bad": n_bad,
        "k": k,
        "approved": approved.row(),
        "good_now_no_answer": no_answer,
        "bad_still_shown": still_rejected,
        "bad_still_shown_rate": round(still_rejected / n_bad, 4) if n_bad else 0.0,
    }


def format_feedback(r: dict[str, Any]) -> str:
    a = r["approved"]
    return "\n".join(
        [
            f"{r['votes']} votes: {r['good']} 👍, {r['bad']} 👎",
            "👍 approved quote shown now: "
            + " ".join(f"hit@{k} {a[f'hit@{k}']:.3f}" for k in KS)
            + f", MRR {a['mrr']:.3f}; no answer now: {r['good_now_no_answer']}",
            f"👎 rejected quote still in the top {r['k']}: {r['bad_still_shown']} ({r['bad_still_shown_rate']:.1%})",
        ]
    )
