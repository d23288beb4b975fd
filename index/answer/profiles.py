"""Per-model values of the relevance bar: what a cosine means depends on the model that made it.

Why: the no-answer bar (``answer.relevant``) compares a passage's evidence and cosine with absolute numbers, chosen
on MiniLM's scale. Centred e5 vectors (``index/embed/e5.py``) spread their cosines like MiniLM's but lower: on NewsQA's
tuning half the best passage's cosine is 0.415 on average (MiniLM 0.565), and a question's median cosine -0.016
(MiniLM 0.064). So each model has its own bar, chosen on the tuning half only, and the store's recorded model
identity picks it (the vectors searched are that model's).

E5's values were chosen to behave as MiniLM's bar does on answerable questions (NewsQA tuning half, every question
answered with an open bar, then floors applied to the quotes: ``newsdesk eval --unanswerable``): MiniLM's 0.30
evidence floor refuses 0.15 % of them (2 of 1,372), and e5 refuses as many at 0.26 (hit@5 0.731 vs 0.733 open);
MiniLM's 0.35 cosine sits where e5's 0.23 does (the same share of the way from a question's median cosine to its
best passage's).

On top of the floors (issue 21): a margin relative to the best quote, the answerability model that decides "no
relevant passage" on the first quote, and the label model behind "strong match" (``relevance.py``). Each was fitted
on NewsQA's tuning half with ``bench/fit_relevance.py``: the margin is the smallest that costs at most 0.005 of
hit@5; the answer threshold the highest whose no-answers on answerable questions stay <= 5 % and hit@5 within 0.01
of the bar without it; "strong match" the lowest label probability right >= 75 % of the time. The reporting half
was read only after (docs/quality.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from index.answer.relevance import Logistic
from index.embed.e5 import made_by_e5


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
    # A tracked question alerts at this much evidence (``track.match``; chosen by ``newsdesk eval-track``).
    min_alert: float = 0.44
    # ``quotes --about``: a statement is about the topic at this cosine (or enough of its rare words).
    min_about_dense: float = 0.35


# all-MiniLM-L6-v2: the floors chosen on NewsQA's tuning half before e5; the margin, the models and their
# thresholds fitted as e5's were.
MINILM = Bar(
    min_score=0.30,
    min_follow=0.30,
    min_dense=0.35,
    min_coverage=0.5,
    margin=0.35,
    answerable=Logistic(
        weights=(
            -1.8094,
            3.9832,
            2.2102,
            0.4457,
            -0.5077,
            -0.0848,
            -0.6883,
            4.6811,
            5.9004,
            -0.2106,
            -1.2485,
            0.7586,
        ),
        bias=-2.7733,
    ),
    answer_threshold=0.2,
    label=Logistic(
        weights=(
            -2.9046,
            0.9844,
            3.1098,
            -2.8799,
            -0.8459,
            0.1055,
            -0.7085,
            3.6939,
            -4.2581,
            -0.0552,
            -0.7185,
            1.4831,
        ),
        bias=-0.5604,
    ),
    strong=0.7,
)
# multilingual-e5-small, centred. The margin, the two models and their thresholds: ``bench/fit_relevance.py`` on
# NewsQA's tuning half (pools from ``bench/dump_answer_pool.py``); docs/quality.md has the curve and the label rates.
E5 = Bar(
    min_score=0.26,
    min_follow=0.26,
    min_dense=0.23,
    min_coverage=0.5,
    margin=0.35,
    answerable=Logistic(
        weights=(
            -0.0935,
            4.482,
            1.11,
            0.8198,
            -0.4894,
            -0.0858,
            -0.9625,
            4.7515,
            8.7389,
            -0.1654,
            -1.3032,
            0.3916,
        ),
        bias=-2.4764,
    ),
    answer_threshold=0.175,
    label=Logistic(
        weights=(
            -3.3567,
            2.7388,
            2.0894,
            -1.6711,
            -0.3696,
            0.0666,
            -0.7128,
            3.0866,
            -1.8799,
            0.5641,
            0.1394,
            0.946,
        ),
        bias=-1.7822,
    ),
    strong=0.65,
    # `newsdesk eval-track` with e5 (docs/quality.md, "Tracked questions"): best F1 on RTQA's tuning half at 0.40
    # (recall 0.700, precision 0.479). MiniLM's 0.35 topic cosine mapped as min_dense is (0.35 -> 0.23).
    min_alert=0.40,
    min_about_dense=0.23,
)


def bar_for(model_identity: str | None) -> Bar:
    """The bar for vectors made by ``model_identity`` (as the store records it); MiniLM's for anything else."""
    if made_by_e5(model_identity):
        return E5
    return MINILM
