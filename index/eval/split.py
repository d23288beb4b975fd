"""The one, deterministic split of an evaluation set into a tuning half and a reporting half.

Questions about the same story must land in the same half, or tuning on one half leaks into the other: NewsQA
questions are grouped by their story (``article_id``), RealTimeQA questions by the ISO week of their quiz
(``question_date``: that week's questions share that week's news). Each group goes to the half given by a hash
of its key, so a question's half never changes when the files grow or are reordered. The salt is fixed: changing
it would be a new split, and every figure measured on the old one would have to be re-measured.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from datetime import date
from typing import Any, Literal

log = logging.getLogger(__name__)

Half = Literal["tune", "report"]
SPLITS = ("tune", "report", "all")
# Chosen once, by sizes alone and before any figure was measured on a half: the first of v1..v20 whose reporting
# half is within 6 points of 50 % of both NewsQA dev (1,462 of 2,834) and RTQA (34 of 64; v1 gave it 17).
SALT = "newsdesk-eval-split-v5"


def group_key(question: dict[str, Any]) -> str:
    """What keeps related questions together: the quiz's ISO week, else the story, else the question itself."""
    when = question.get("question_date")
    if when:
        year, week, _ = date.fromisoformat(str(when)[:10]).isocalendar()
        return f"week:{year}-W{week:02d}"
    story = question.get("article_id")
    if story:
        return f"story:{story}"
    return f"question:{question.get('id', question.get('question', ''))}"


def half_of(question: dict[str, Any]) -> Half:
    """``"tune"`` or ``"report"``: the first byte of a SHA-256 of the salted group key, even or odd."""
    digest = hashlib.sha256(f"{SALT}:{group_key(question)}".encode()).digest()
    return "tune" if digest[0] % 2 == 0 else "report"


def select(questions: Iterable[dict[str, Any]], split: str) -> list[dict[str, Any]]:
    """The questions of one half (``"tune"``, ``"report"``) or all of them (``"all"``), in file order."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}: use one of {', '.join(SPLITS)}.")
    if split == "all":
        return list(questions)
    return [q for q in questions if half_of(q) == split]
