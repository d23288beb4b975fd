"""Per-model values of the relevance bar: what a cosine means depends on the model that made it.

Why: the no-answer bar (``answer.relevant``) compares a passage's evidence and cosine with absolute numbers, chosen
on MiniLM's scale. Centred e5 vectors (``encoders_e5.py``) spread their cosines like MiniLM's, but not identically
(the best passage of a NewsQA question: about 0.41 against MiniLM's ...), so each model gets its own bar, chosen on
the tuning halves only. The store's recorded model identity picks the bar (the vectors searched are that model's).
"""

from __future__ import annotations

from dataclasses import dataclass

from index.encoders_e5 import E5_MODEL


@dataclass(frozen=True)
class Bar:
    """The no-answer bar: the best passage needs ``min_score`` of evidence and either ``min_dense`` cosine or
    ``min_coverage`` of the question's rare terms; every later quote needs ``min_follow`` of evidence."""

    min_score: float = 0.30
    min_follow: float = 0.30
    min_dense: float = 0.35
    min_coverage: float = 0.5


MINILM = (
    Bar()
)  # all-MiniLM-L6-v2: the values chosen on NewsQA's tuning half before e5 (answer.py's constants)
E5 = Bar(min_score=0.30, min_follow=0.30, min_dense=0.35, min_coverage=0.5)  # placeholder until tuned


def bar_for(model_identity: str | None) -> Bar:
    """The bar for vectors made by ``model_identity`` (as the store records it); MiniLM's for anything else."""
    if model_identity and model_identity.lower().startswith(E5_MODEL):
        return E5
    return MINILM
