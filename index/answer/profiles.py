"""Per-model values of the relevance bar: what a cosine means depends on the model that made it.

Why: the no-answer bar (``answer.relevant``) compares a passage's evidence and cosine with absolute numbers, chosen
on MiniLM's scale. Centred e5 vectors (``encoders_e5.py``) spread their cosines like MiniLM's but lower: on NewsQA's
tuning half the best passage's cosine is 0.415 on average (MiniLM 0.565), and a question's median cosine -0.016
(MiniLM 0.064). So each model has its own bar, chosen on the tuning half only, and the store's recorded model
identity picks it (the vectors searched are that model's).

E5's values were chosen to behave as MiniLM's bar does on answerable questions (NewsQA tuning half, every question
answered with an open bar, then floors applied to the quotes: ``newsdesk eval --unanswerable``): MiniLM's 0.30
evidence floor refuses 0.15 % of them (2 of 1,372), and e5 refuses as many at 0.26 (hit@5 0.731 vs 0.733 open);
MiniLM's 0.35 cosine sits where e5's 0.23 does (the same share of the way from a question's median cosine to its
best passage's). The lead's relevance bar (issue 21, item 3) replaces these with a floor and a margin.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from index.answer.relevance import Logistic
from index.embed.e5 import E5_MODEL


@dataclass(frozen=True)
class Bar:
    """The no-answer bar: the best passage needs ``min_score`` of evidence and either ``min_dense`` cosine or
    ``min_coverage`` of the question's rare terms; every later quote needs ``min_follow`` of evidence."""

    min_score: float = 0.30
    min_follow: float = 0.30
    min_dense: float = 0.35
    min_coverage: float = 0.5
    # Every quote's evidence must be within this of the best quote's (no margin: inf).
    margin: float = math.inf
    # The answer decision on the first quote: "no relevant passage" when the model's probability is below this.
    answerable: Logistic | None = None
    answer_threshold: float = 0.0
    # "strong match" when the label model's probability that the first quote is right reaches ``strong``.
    label: Logistic | None = None
    strong: float = 1.0


MINILM = (
    Bar()
)  # all-MiniLM-L6-v2: the values chosen on NewsQA's tuning half before e5 (answer.py's constants)
E5 = Bar(min_score=0.26, min_follow=0.26, min_dense=0.23, min_coverage=0.5)  # multilingual-e5-small, centred


def bar_for(model_identity: str | None) -> Bar:
    """The bar for vectors made by ``model_identity`` (as the store records it); MiniLM's for anything else."""
    if model_identity and model_identity.lower().startswith(E5_MODEL):
        return E5
    return MINILM
