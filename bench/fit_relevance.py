"""Fit and read the relevance bar offline on ``dump_answer_pool.py``'s pools (issue 21, items 3, 4 and 6).

Why: one ``newsdesk eval --unanswerable`` run takes minutes; the bar's settings (floor, margin, the answerability
model's threshold, the "strong match" model) are many. This script replays the answer stage's selection on the
dumped pools (``index/answer/relevance.py``'s rules, without verification and copy collapse, which NewsQA rarely
triggers), fits the two logistic models on the TUNING half only (numpy, plain gradient descent), and prints:

* the trade-off curve (false-answer rate vs no-answers on answerable questions) over the answerability threshold,
  for the tuning half (where the point is chosen) and the reporting half (read only);
* the label rates: how often "strong match" and "related" quotes are right.

    python bench/fit_relevance.py pool-e5-tune.jsonl pool-e5-report.jsonl

The coefficients it prints are what ``index/answer/profiles.py`` holds; the shipped figures are then measured with
``newsdesk eval`` itself.
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass, replace

import numpy as np

from index.answer.relevance import FEATURES, Logistic, feature_row, missing_share

PER_ARTICLE, K = 5, 10


@dataclass(frozen=True)
class Setting:
    floor: float  # evidence of the first quote
    follow: float  # evidence of every later quote
    margin: float  # every quote's evidence >= best - margin
    min_dense: float
    min_coverage: float
    gate: float = 0.4
    gate_terms: int = 3
    model: Logistic | None = None
    threshold: float = 0.0  # the answerability model's probability


def load(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def ev(c: dict) -> float:
    return c["score"] - c["prior"]


def rows_of(q: dict) -> list[list[float]]:
    """The model's feature row of each candidate of ``q`` (its context: the whole pool)."""
    cands = q["cands"]
    best = max((ev(c) for c in cands), default=0.0)
    top10 = len({c["article"] for c in cands[:10]})
    out = []
    for c in cands:
        other = max((ev(o) for o in cands if o["article"] != c["article"]), default=0.0)
        out.append(
            feature_row(
                evidence=ev(c),
                dense=c["dense"],
                coverage=c["coverage"],
                article_coverage=c["art_cov"],
                missing=missing_share(q["weights"], set(c["art_terms"])),
                typed=c["typed"],
                asks_type=q["kind"] is not None,
                best=best,
                other_article=other,
                dense_rank=c["dense_rank"],
                lex_rank=c["lex_rank"],
                articles_top10=top10,
                terms=len(q["weights"]),
            )
        )
    return out


def first_ok(q: dict, i: int, s: Setting) -> bool:
    """The first quote's tests before the model: evidence, a close meaning or the rare terms, the article gate."""
    c = q["cands"][i]
    if ev(c) < s.floor or not (c["dense"] >= s.min_dense or c["coverage"] >= s.min_coverage):
        return False
    return c["foreign"] or len(q["weights"]) < s.gate_terms or c["art_cov"] >= s.gate


def select(q: dict, s: Setting, xs: list[list[float]]) -> list[int]:
    """Indexes of the candidates shown, in order (the answer stage's walk)."""
    cands = q["cands"]
    if not cands:
        return []
    best = max(ev(c) for c in cands)
    shown: list[int] = []
    per: dict[str, int] = {}
    for i, c in enumerate(cands):
        if ev(c) < best - s.margin:
            continue
        if not shown:
            if not first_ok(q, i, s):
                continue
            if s.model is not None and s.model.p(xs[i]) < s.threshold:
                return []  # the answer decision is made once, on the first quote
        elif ev(c) < s.follow:
            continue
        if per.get(c["article"], 0) >= PER_ARTICLE:
            continue
        per[c["article"]] = per.get(c["article"], 0) + 1
        shown.append(i)
        if len(shown) >= K:
            break
    return shown


def right(c: dict) -> bool:
    return bool(c["gold"] or c["gold_para"])


def measure(qs: list[dict], xss: list, s: Setting) -> dict:
    real = [(q, x) for q, x in zip(qs, xss, strict=True) if not q["unanswerable"]]
    un = [(q, x) for q, x in zip(qs, xss, strict=True) if q["unanswerable"]]
    ranks, refused = [], 0
    for q, x in real:
        shown = select(q, s, x)
        refused += not shown
        ranks.append(next((r for r, i in enumerate(shown, 1) if q["cands"][i]["gold"]), None))
    answered, quotes = 0, 0
    for q, x in un:
        shown = select(q, s, x)
        answered += bool(shown)
        quotes += len(shown)
    n = max(len(real), 1)
    return {
        "false": answered / max(len(un), 1),
        "quotes_false": quotes / max(len(un), 1),
        "no_answer": refused / n,
        "hit1": sum(1 for r in ranks if r == 1) / n,
        "hit5": sum(1 for r in ranks if r and r <= 5) / n,
    }


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1e-3, steps: int = 4000, lr: float = 0.5) -> Logistic:
    """Logistic regression by gradient descent on standardised features; returned on the raw scale."""
    mu, sd = x.mean(0), x.std(0) + 1e-9
    z = (x - mu) / sd
    w, b = np.zeros(z.shape[1]), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        g = p - y
        w -= lr * (z.T @ g / len(y) + l2 * w)
        b -= lr * g.mean()
    raw = w / sd
    return Logistic(tuple(round(float(v), 4) for v in raw), round(float(b - (mu / sd) @ w), 4))


def decision_rows(
    qs: list[dict], xss: list, s: Setting, hits_only: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """For the answerability model: the first quote the bar without the model would show, labelled 1 when its
    story is indexed (the real question; with ``hits_only``, only when a gold answer is among the first five quotes)
    and 0 when it is not."""
    xs, ys = [], []
    base = replace(s, model=None)
    for q, x in zip(qs, xss, strict=True):
        shown = select(q, base, x)
        if shown:
            hit = any(q["cands"][i]["gold"] for i in shown[:5])
            xs.append(x[shown[0]])
            ys.append(0.0 if q["unanswerable"] or (hits_only and not hit) else 1.0)
    return np.asarray(xs), np.asarray(ys)


def label_rows(qs: list[dict], xss: list, s: Setting) -> tuple[np.ndarray, np.ndarray]:
    """For the label: each first quote shown on a real question, labelled 1 when it is right."""
    xs, ys = [], []
    for q, x in zip(qs, xss, strict=True):
        if q["unanswerable"]:
            continue
        shown = select(q, s, x)
        if shown:
            xs.append(x[shown[0]])
            ys.append(float(right(q["cands"][shown[0]])))
    return np.asarray(xs), np.asarray(ys)


def label_rates(qs: list[dict], xss: list, s: Setting, label: Logistic, t: float) -> dict:
    """Right rate of "strong match" (the first quote, p >= t) and "related" (every other quote shown)."""
    strong, strong_right, related, related_right, answered = 0, 0, 0, 0, 0
    for q, x in zip(qs, xss, strict=True):
        if q["unanswerable"]:
            continue
        shown = select(q, s, x)
        answered += bool(shown)
        for j, i in enumerate(shown):
            ok = right(q["cands"][i])
            if j == 0 and label.p(x[i]) >= t:
                strong += 1
                strong_right += ok
            else:
                related += 1
                related_right += ok
    return {
        "strong": strong,
        "strong_share": strong / max(answered, 1),
        "strong_right": strong_right / max(strong, 1),
        "related": related,
        "related_right": related_right / max(related, 1),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tune")
    ap.add_argument("report")
    ap.add_argument("--floor", type=float, default=0.26)
    ap.add_argument("--min-dense", type=float, default=0.23)
    ap.add_argument("--min-coverage", type=float, default=0.5)
    ap.add_argument("--target-none", type=float, default=0.05, help="most no-answers on answerable questions")
    ap.add_argument(
        "--max-hit5-drop", type=float, default=0.01, help="most hit@5 lost to the answer decision"
    )
    ap.add_argument("--margin-hit5-drop", type=float, default=0.005, help="most hit@5 lost to the margin")
    ap.add_argument("--strong-right", type=float, default=0.75, help="'strong match' right this often (tune)")
    ap.add_argument("--margins", type=float, nargs="*", default=[0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5])
    ap.add_argument("--hits-only", action="store_true", help="answerable = a gold answer in the first five")
    args = ap.parse_args()
    tune, report = load(args.tune), load(args.report)
    xt, xr = [rows_of(q) for q in tune], [rows_of(q) for q in report]
    base = Setting(args.floor, args.floor, math.inf, args.min_dense, args.min_coverage)
    print("features:", ", ".join(FEATURES))
    open_t, open_r = measure(tune, xt, base), measure(report, xr, base)
    print("no margin, no model: tune", fmt(open_t), "| report", fmt(open_r))
    margin = math.inf
    print("margin relative to the best quote: tune | report")
    for m in sorted(args.margins, reverse=True):
        mt, mr = measure(tune, xt, replace(base, margin=m)), measure(report, xr, replace(base, margin=m))
        print(f"  margin {m:.2f} {fmt(mt)} | {fmt(mr)}")
        if open_t["hit5"] - mt["hit5"] <= args.margin_hit5_drop:
            margin = m
    print("margin chosen on tune:", margin)
    base = replace(base, margin=margin)
    x, y = decision_rows(tune, xt, base, args.hits_only)
    model = fit(x, y)
    print(f"answerability model (tune: {len(y)} first quotes, {int(y.sum())} of real questions):", model)
    print("trade-off over its threshold: tune | report")
    chosen = 0.0
    for t in [i / 40 for i in range(0, 40)]:
        s = replace(base, model=model, threshold=t)
        mt, mr = measure(tune, xt, s), measure(report, xr, s)
        print(f"  t {t:.3f}  {fmt(mt)} | {fmt(mr)}")
        if mt["no_answer"] <= args.target_none and open_t["hit5"] - mt["hit5"] <= args.max_hit5_drop:
            chosen = t
    print("threshold chosen on tune:", chosen)
    s = replace(base, model=model, threshold=chosen)
    print("shipped point: tune", fmt(measure(tune, xt, s)), "| report", fmt(measure(report, xr, s)))
    xl, yl = label_rows(tune, xt, s)
    label = fit(xl, yl)
    print(f"label model (tune: {len(yl)} first quotes, {yl.mean():.3f} right):", label)
    strong = 1.0
    for t in [i / 20 for i in range(20, 3, -1)]:
        lt, lr = label_rates(tune, xt, s, label, t), label_rates(report, xr, s, label, t)
        print(f"  label t {t:.2f} tune {fmtl(lt)} | report {fmtl(lr)}")
        if lt["strong"] >= 20 and lt["strong_right"] >= args.strong_right:
            strong = t
    print("strong chosen on tune:", strong)
    print("report label rates:", fmtl(label_rates(report, xr, s, label, strong)))
    print(
        f"Bar(min_score={args.floor}, min_follow={args.floor}, min_dense={args.min_dense}, "
        f"min_coverage={args.min_coverage}, margin={margin}, answerable={model}, answer_threshold={chosen}, "
        f"label={label}, strong={strong})"
    )
    return 0


def fmtl(m: dict) -> str:
    return (
        f"strong {m['strong']} ({m['strong_share']:.2f}) right {m['strong_right']:.3f}, "
        f"related right {m['related_right']:.3f}"
    )


def fmt(m: dict) -> str:
    return (
        f"false {m['false']:.3f} q/false {m['quotes_false']:.2f} none {m['no_answer']:.3f} "
        f"hit@1 {m['hit1']:.3f} hit@5 {m['hit5']:.3f}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
