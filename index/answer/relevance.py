"""The relevance bar every quote shown must pass, and the two small calibrated models behind it (issue 21).

Why: a passage can resemble a question without answering it, and an index without the question's story still
returns its nearest passages. One rule, used by every path that shows a quote (the first page, ``more``, the bot's
More passages and timelines, which all page ``Newsdesk.ask``; and alerts, ``track/match.py``):

* an absolute floor on the passage's *evidence* (its score without the priors: lead position, answer type and the
  article centroid rank passages but never make one relevant);
* a margin relative to the best quote: a passage whose evidence is more than ``margin`` below the best evidence in
  the pool is padding, not an answer, however the priors order it;
* for the first quote, the answer decision: a close meaning or most of the question's rare terms, the article
  coverage gate, and a logistic model over a handful of features (``FEATURES``) deciding "answer" or "no relevant
  passage";
* the label a person reads: "strong match" when a second logistic model gives the first quote a high enough
  chance of being right, "related" otherwise.

Alerts (``track/match.py``) pass the floor, the close-meaning-or-rare-terms test and the margin (relative to the
best new passage), not the two models: their features describe an answer's whole pool, which a batch of newly
arrived paragraphs is not, and the alert floor was tuned on its own replay (``newsdesk eval-track``).

The models' coefficients live in ``profiles.py`` (one set per encoder), fitted on the tuning half only by
``bench/fit_relevance.py`` (numpy, no training at run time).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# The model's inputs, in order. ``missing``: the IDF of the rarest question term the passage's article lacks, as a
# share of the question's rarest term (a question's names are its rarest terms: a story that never names them does
# not answer it); ``typed``/``untyped``: the question asks for a number, a date or a name and the window holds (or
# lacks) one; ``lead``: the passage's evidence above the best passage of any *other* article (a story that answers
# stands out; an index without the story returns several look-alikes at the same level); ``agreement``: the dense
# and the lexical retriever both rank the passage high; ``spread``: how many articles the ten best candidates come
# from (one story answering concentrates them).
FEATURES = (
    "evidence",
    "dense",
    "coverage",
    "article_coverage",
    "missing",
    "typed",
    "untyped",
    "lead",
    "below_best",
    "agreement",
    "spread",
    "log_terms",
)
FAR = 200  # the rank given to a passage a retriever did not return
FEATURE_DEPTH = 30  # the pool's best candidates the pool-level features (``lead``, ``spread``) read


@dataclass(frozen=True)
class Logistic:
    """``p = 1 / (1 + exp(-(w . x + b)))`` over ``FEATURES``."""

    weights: tuple[float, ...]
    bias: float

    def p(self, x: list[float]) -> float:
        z = self.bias + sum(w * v for w, v in zip(self.weights, x, strict=True))
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


def feature_row(
    *,
    evidence: float,
    dense: float,
    coverage: float,
    article_coverage: float,
    missing: float,
    typed: bool,
    asks_type: bool,
    best: float,
    other_article: float,
    dense_rank: int | None,
    lex_rank: int | None,
    articles_top10: int,
    terms: int,
) -> list[float]:
    """One passage's features (``FEATURES``' order). ``best``: the best evidence in the pool; ``other_article``:
    the best evidence of a passage from another article; ranks are 0-based, None when not returned."""
    dr = FAR if dense_rank is None else dense_rank
    lr = FAR if lex_rank is None else lex_rank
    return [
        evidence,
        dense,
        coverage,
        article_coverage,
        missing,
        float(asks_type and typed),
        float(asks_type and not typed),
        evidence - other_article,
        best - evidence,
        1 / (1 + dr) + 1 / (1 + lr),
        articles_top10 / 10,
        math.log1p(terms),
    ]


def missing_share(weights: dict[str, float], present: set[str]) -> float:
    """The IDF of the rarest question term not in ``present``, over the question's highest IDF (0: none missing)."""
    top = max(weights.values(), default=0.0)
    if top <= 0:
        return 0.0
    return max((w for t, w in weights.items() if t not in present), default=0.0) / top
