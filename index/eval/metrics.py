"""Hit@k and MRR over ranked passages: a question is a hit at k when an expected answer string occurs (case- and
whitespace-insensitively) in one of the top-k passages."""

from __future__ import annotations

from dataclasses import dataclass, field

KS = (1, 3, 5, 10)
# The plain methods every evaluation measures Newsdesk against, in the same run.
BASELINES = ("bm25", "dense", "rrf")


def norm(text: str) -> str:
    """Lower case with runs of whitespace folded, so answers match across line breaks and capitalisation."""
    return " ".join(text.lower().split())


def first_hit(passages: list[str], answers: list[str]) -> int | None:
    """1-based rank of the first passage containing an answer, or None."""
    wanted = [norm(a) for a in answers if a and a.strip()]
    for rank, text in enumerate(passages, 1):
        t = norm(text)
        if any(a in t for a in wanted):
            return rank
    return None


def contains_answer(text: str, answers: list[str]) -> bool:
    return first_hit([text], answers) is not None


@dataclass
class Tally:
    """The ranks of one method over a question set (None: not in its passages)."""

    ranks: list[int | None] = field(default_factory=list)

    def hit(self, k: int) -> float:
        return sum(1 for r in self.ranks if r is not None and r <= k) / max(len(self.ranks), 1)

    def mrr(self) -> float:
        """Mean reciprocal rank, cut at 10 (the deepest k reported)."""
        return sum(1.0 / r for r in self.ranks if r is not None and r <= 10) / max(len(self.ranks), 1)

    def row(self) -> dict[str, float]:
        out = {f"hit@{k}": round(self.hit(k), 4) for k in KS}
        out["mrr"] = round(self.mrr(), 4)
        return out
