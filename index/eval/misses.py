"""Why Newsdesk missed: every top-5 miss is one of three kinds, each the job of a different stage.

- ``article_not_quoted``: none of the five quotes comes from a gold article (article retrieval);
- ``paragraph_not_quoted``: a gold article is quoted, but no quoted paragraph holds the answer (ranking within an
  article);
- ``window_missed``: a quoted paragraph holds the answer, but the 1-3 sentences shown do not (window choice).

"Holds the answer" is the same string test as a hit, so the three kinds and the hits partition the questions.
Gold articles are the question's ``article_ids`` (or ``article_id``) and the articles whose text they share (a
syndicated copy's text is stored, and quoted, under its canonical article). A question without gold articles that
is not a window miss is ``unlabelled``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from index.eval.metrics import contains_answer
from index.models import Paragraph, Quote
from index.store.articles import Store

log = logging.getLogger(__name__)

KINDS = ("article_not_quoted", "paragraph_not_quoted", "window_missed", "unlabelled")


def gold_articles(store: Store, question: dict[str, Any]) -> set[str]:
    """The question's gold article ids together with the canonical articles that hold their text."""
    ids = [a for a in (question.get("article_ids") or [question.get("article_id")]) if a]
    gold = set(ids)
    for article in store.articles(ids).values():
        if article.duplicate_of:
            gold.add(article.duplicate_of)
    return gold


def classify_miss(
    quotes: list[Quote], paragraphs: dict[int, Paragraph], answers: list[str], gold: set[str]
) -> str:
    """The kind of a top-5 miss, from the five quotes shown and their stored paragraphs."""
    for quote in quotes:
        para = paragraphs.get(quote.paragraph_id)
        if para is not None and contains_answer(para.text, answers):
            return "window_missed"
    if not gold:
        return "unlabelled"
    quoted = {q.article_id for q in quotes} | {ref.article_id for q in quotes for ref in q.also_in}
    return "paragraph_not_quoted" if quoted & gold else "article_not_quoted"


@dataclass
class MissCounts:
    """Top-5 misses by kind, and how many of them were a no-answer on a question that has one."""

    article_not_quoted: int = 0
    paragraph_not_quoted: int = 0
    window_missed: int = 0
    unlabelled: int = 0
    no_answer: int = 0

    def add(self, kind: str, no_answer: bool = False) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown kind of miss {kind!r}")
        setattr(self, kind, getattr(self, kind) + 1)
        self.no_answer += int(no_answer)

    @property
    def total(self) -> int:
        return sum(getattr(self, kind) for kind in KINDS)

    def to_dict(self) -> dict[str, int]:
        return {
            "total": self.total,
            **{kind: getattr(self, kind) for kind in KINDS},
            "no_answer": self.no_answer,
        }
