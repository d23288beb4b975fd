"""``newsdesk eval --unanswerable``: questions over an index that does not hold their own story.

Why: hit@k only says whether the answer was shown; it cannot see over-answering. Here each question is asked again
with its own article(s) left out of the search (NewsQA: the story it was written on; RealTimeQA: ``article_ids``
and ``article_id``), so every quote shown is a false answer. Reported beside the real questions' no-answer count
(the same half, the full index), since a bar that refuses unanswerable questions also refuses answerable ones.

The trade-off curve applies an absolute floor ``t`` to every quote's ``evidence`` (its score without the priors,
which only rank): a quote below the floor is not shown, a question left without quotes is a no-answer. It is
simulated on the ten quotes each question got with the current bar, so floors below that bar are not shown, and a
floor can only remove quotes (a passage past the tenth cannot move up). Choose a floor on the tuning half (``--split
tune``); read it on the reporting half.

A second curve raises the threshold of the answerability model, the one decision the shipped bar makes about
whether to answer at all (``Answer.answerability``: the model's probability for the first passing passage): a
question whose probability is below a threshold gets no quote. From the encoder's shipped threshold upward only, for
the same reason (a lower threshold would need the quotes of questions refused today).

RealTimeQA caveat: other outlets' reports of the same story stay in the index, so some "false" answers there
quote the real answer; they are counted apart (``answered_elsewhere``).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import IO, Any

from index.answer.profiles import bar_for
from index.eval.metrics import Tally, first_hit
from index.models import Answer, Filters
from index.service import Newsdesk

CURVE_POINTS = 25  # floors on the curve
# The answerability curve: from the encoder's shipped threshold up to THRESHOLD_TOP, by THRESHOLD_STEP.
THRESHOLD_STEP, THRESHOLD_TOP = 0.025, 0.6


@dataclass
class Asked:
    """One question's quotes: each quote's evidence, and whether it holds a gold answer string."""

    evidence: list[float] = field(default_factory=list)
    gold: list[bool] = field(default_factory=list)
    answerability: float | None = None  # the answer's (``Answer.answerability``)


def own_articles(q: dict[str, Any]) -> set[str]:
    """The article(s) a question was written on: what ``--unanswerable`` leaves out of its search."""
    own = {str(a) for a in q.get("article_ids") or [] if a}
    if q.get("article_id"):
        own.add(str(q["article_id"]))
    return own


def asked(answer: Answer, answers: list[str]) -> Asked:
    out = Asked(answerability=answer.answerability)
    for quote in answer.quotes:
        out.evidence.append(quote.evidence if quote.evidence is not None else quote.score)
        out.gold.append(first_hit([quote.text], answers) is not None)
    return out


def from_record(record: dict[str, Any], answers: list[str]) -> Asked:
    """The same from a question's JSON line of ``evaluate`` (its ``answer``)."""
    out = Asked(answerability=record["answer"].get("answerability"))
    for quote in record["answer"]["quotes"]:
        ev = quote.get("evidence")
        out.evidence.append(ev if ev is not None else quote["score"])
        out.gold.append(first_hit([quote["text"]], answers) is not None)
    return out


def ask_unanswerable(
    desk: Newsdesk, questions: list[dict[str, Any]], as_of_field: str | None, k: int = 10
) -> list[Asked]:
    """Each answerable question asked with its own article(s) left out of the search."""
    out = []
    for q in questions:
        if q.get("expect") == "no_answer" or not own_articles(q):
            continue
        filters = Filters(as_of=q.get(as_of_field) if as_of_field else None)
        answer = desk.ask(q["question"], k=k, filters=filters, exclude_articles=own_articles(q))
        out.append(asked(answer, q.get("answers") or []))
    return out


def at_floor(rows: list[Asked], floor: float) -> tuple[Tally, int, int]:
    """Ranks of the first gold quote, questions left with no quote, and quotes shown, under ``floor``."""
    tally, refused, shown = Tally(), 0, 0
    for row in rows:
        kept = [g for e, g in zip(row.evidence, row.gold, strict=True) if e >= floor]
        shown += len(kept)
        refused += not kept
        tally.ranks.append(next((i for i, g in enumerate(kept, 1) if g), None))
    return tally, refused, shown


def at_threshold(rows: list[Asked], threshold: float) -> tuple[Tally, int, int]:
    """The same as ``at_floor`` when questions whose answerability is below ``threshold`` get no quote."""
    tally, refused, shown = Tally(), 0, 0
    for row in rows:
        keep = row.evidence and (row.answerability is None or row.answerability >= threshold)
        shown += len(row.evidence) if keep else 0
        refused += not keep
        tally.ranks.append(next((i for i, g in enumerate(row.gold, 1) if g), None) if keep else None)
    return tally, refused, shown


def summary(unanswerable: list[Asked]) -> dict[str, Any]:
    n = max(len(unanswerable), 1)
    answered = [r for r in unanswerable if r.evidence]
    return {
        "questions": len(unanswerable),
        "false_answer_rate": round(len(answered) / n, 4),
        "quotes_per_question": round(sum(len(r.evidence) for r in unanswerable) / n, 2),
        "answered_elsewhere": sum(any(r.gold) for r in answered),
    }


Cut = Callable[[list[Asked]], tuple[Tally, int, int]]  # ``at_floor`` or ``at_threshold`` at one value


def trade_off(cut: Cut, real: list[Asked], unanswerable: list[Asked]) -> dict[str, float]:
    """One point of a curve: what ``cut`` leaves of the real and the unanswerable questions."""
    tally, refused, _ = cut(real)
    _, unrefused, shown = cut(unanswerable)
    n_real, n_un = max(len(real), 1), max(len(unanswerable), 1)
    return {
        "false_answer_rate": round(1 - unrefused / n_un, 4),
        "false_quotes_per_question": round(shown / n_un, 2),
        "no_answer_rate": round(refused / n_real, 4),
        "hit@1": round(tally.hit(1), 4),
        "hit@5": round(tally.hit(5), 4),
        "mrr": round(tally.mrr(), 4),
    }


def curve(real: list[Asked], unanswerable: list[Asked]) -> list[dict[str, float]]:
    """The floor swept upward from the lowest evidence shown until no unanswerable question gets a quote (at
    most ``CURVE_POINTS`` floors, evenly spaced to the highest evidence of a false answer)."""
    values = [e for r in real + unanswerable for e in r.evidence]
    if not values:
        return []
    lo = math.floor(min(values) * 100) / 100
    hi = max((e for r in unanswerable for e in r.evidence), default=lo)
    step = max(0.01, math.ceil((hi - lo) / (CURVE_POINTS - 1) * 100) / 100)
    points = []
    for i in range(CURVE_POINTS + 1):
        floor = round(lo + i * step, 4)
        points.append({"floor": floor, **trade_off(partial(at_floor, floor=floor), real, unanswerable)})
        if not unanswerable or points[-1]["false_answer_rate"] == 0:
            break
    return points


def threshold_curve(real: list[Asked], unanswerable: list[Asked], shipped: float) -> list[dict[str, float]]:
    """The answerability threshold raised from ``shipped`` by ``THRESHOLD_STEP`` to ``THRESHOLD_TOP``."""
    points = []
    for i in range(int(round((THRESHOLD_TOP - shipped) / THRESHOLD_STEP)) + 1):
        t = round(shipped + i * THRESHOLD_STEP, 4)
        points.append({"threshold": t, **trade_off(partial(at_threshold, threshold=t), real, unanswerable)})
    return points


class Lines:
    """``evaluate``'s per-question JSON lines, kept for the curve and passed on to ``--output`` when given."""

    def __init__(self, forward: IO[str] | None) -> None:
        self.records: list[str] = []
        self.forward = forward

    def write(self, text: str) -> int:
        self.records.extend(line for line in text.splitlines() if line.strip())
        return self.forward.write(text) if self.forward is not None else len(text)


def real_rows(records: list[str], questions: list[dict[str, Any]]) -> list[Asked]:
    """The answerable questions' quotes from ``evaluate``'s JSON lines (same order as ``questions``)."""
    by_id = {str(q.get("id")): q for q in questions}
    rows = []
    for line in records:
        rec = json.loads(line)
        q = by_id.get(str(rec.get("id")))
        if q is None or q.get("expect") == "no_answer":
            continue
        rows.append(from_record(rec, q.get("answers") or []))
    return rows


def evaluate_unanswerable(
    desk: Newsdesk, questions: list[dict[str, Any]], as_of_field: str | None, records: list[str]
) -> dict[str, Any]:
    started = time.perf_counter()
    real = real_rows(records, questions)
    unanswerable = ask_unanswerable(desk, questions, as_of_field)
    _, refused, _ = at_floor(real, float("-inf"))
    bar = bar_for(desk.store.model_identity()[0])
    shipped = bar.answer_threshold if bar.answerable is not None else None
    return {
        **summary(unanswerable),
        "real_questions": len(real),
        "real_no_answers": refused,
        "real_no_answer_rate": round(refused / max(len(real), 1), 4),
        "seconds": round(time.perf_counter() - started, 1),
        "curve": curve(real, unanswerable),
        "answer_threshold": shipped,
        "threshold_curve": threshold_curve(real, unanswerable, shipped) if shipped is not None else [],
    }


def _table(points: list[dict[str, float]], key: str, label: str, digits: int) -> list[str]:
    """A curve's rows under their header (``key``: the value the curve sweeps)."""
    lines = [
        f"{label:>7}{'false-ans':>11}{'quotes/q':>10}{'no-answer':>11}{'hit@1':>8}{'hit@5':>8}{'MRR':>8}"
    ]
    for p in points:
        lines.append(
            f"{p[key]:>7.{digits}f}{p['false_answer_rate']:>11.3f}{p['false_quotes_per_question']:>10.2f}"
            f"{p['no_answer_rate']:>11.3f}{p['hit@1']:>8.3f}{p['hit@5']:>8.3f}{p['mrr']:>8.3f}"
        )
    return lines


def format_unanswerable(result: dict[str, Any], half: str) -> str:
    u = result
    choose = "; choose here)" if half == "tune" else "; choose on the tuning half)"
    lines = [
        f"unanswerable ({u['questions']} questions, each without its own article): "
        f"false-answer rate {u['false_answer_rate']:.3f}, {u['quotes_per_question']:.2f} quotes shown per question"
        f" ({u['answered_elsewhere']} of the false answers quote a gold answer string from another article)",
        f"real questions of the same half: {u['real_no_answers']} no-answers of {u['real_questions']}"
        f" ({u['real_no_answer_rate']:.3f})",
        f"trade-off over an evidence floor on every quote ({half} half{choose}",
        *_table(u["curve"], "floor", "floor", 2),
    ]
    if u.get("threshold_curve"):
        lines.append(
            f"trade-off over the answerability threshold (whether to answer at all; shipped "
            f"{u['answer_threshold']:.3f}; {half} half{choose}"
        )
        lines += _table(u["threshold_curve"], "threshold", "thresh", 3)
    return "\n".join(lines)
