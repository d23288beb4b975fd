"""Briefing evaluation on RealTimeQA: how many quiz questions the daily briefings cover, and whether the story
they ask about leads, against random picks and a "most recent lead paragraphs" baseline (``newsdesk
eval-briefing``; the order measures are in ``briefing_measures``).

Coverage: each question is about a story of the days before its ``question_date``. The daily briefings of those
days (``days``, default 7) cover it when one of them *cites* one of its ``article_ids`` (lists it among a story's
articles) or *quotes* a passage containing one of its answers. The stricter *quoted* figure counts only quoted
articles and quoted text. The baseline briefing of a day lists, as the same number of items, the most recent
articles' lead paragraphs (RTQA has dates only, so "most recent" falls back to the latest ingested).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date as Date
from datetime import timedelta
from typing import Any

from index.eval.briefing_links import developing_links, format_links
from index.eval.briefing_measures import ALL_LINES, Day, best_ranks, random_picks, score
from index.eval.metrics import norm as _norm
from index.models import Briefing
from index.service import Newsdesk

log = logging.getLogger(__name__)

HEADLINE_K = 3  # a morning briefing is read for its first three stories: coverage at 3 is the headline figure

__all__ = [
    "Item",
    "_norm",
    "baseline_items",
    "briefing_items",
    "covered",
    "evaluate_briefings",
    "format_result",
]


@dataclass
class Item:
    """One line of a briefing as the evaluation sees it: the articles it cites and the text it quotes."""

    cited: set[str]
    quoted: set[str]
    texts: list[str]


def briefing_items(b: Briefing) -> list[Item]:
    """What each story shows: it cites today's articles and the earlier ones it links as background."""
    return [
        Item(
            set(s.article_ids) | {a.article_id for a in s.background},
            {q.article_id for q in s.quotes},
            [q.text for q in s.quotes],
        )
        for s in b.stories
    ]


def baseline_items(desk: Newsdesk, day: str, n: int) -> list[Item]:
    """The ``n`` most recent articles of ``day`` with their lead paragraph (first non-caption paragraph)."""
    if n <= 0:
        return []
    items = []
    for article_id, content_id in desk.store.latest_articles_on(day, n):
        lead = desk.store.lead_paragraph(content_id)
        items.append(Item({article_id}, {article_id}, [lead] if lead is not None else []))
    return items


def covered(question: dict[str, Any], items: list[Item], strict: bool) -> bool:
    ids = set(question.get("article_ids") or [question.get("article_id")])
    answers = [_norm(a) for a in question.get("answers", []) if a and a.strip()]
    for item in items:
        if ids & (item.quoted if strict else item.cited):
            return True
        if any(a in _norm(t) for t in item.texts for a in answers):
            return True
    return False


def _windows(questions: list[dict[str, Any]], days: int) -> dict[str, list[str]]:
    """Each question's days: the ``days`` days before its question_date, most recent first."""
    wanted: dict[str, list[str]] = {}
    for q in questions:
        qd = Date.fromisoformat(q["question_date"][:10])
        wanted[q["id"]] = [(qd - timedelta(days=i)).isoformat() for i in range(1, days + 1)]
    return wanted


def evaluate_briefings(
    desk: Newsdesk, questions: list[dict[str, Any]], top: int = 8, days: int = 7
) -> dict[str, Any]:
    """Coverage of ``questions`` by the daily briefings of the ``days`` days before each question_date, and
    whether the order is right: coverage of the first story alone and at ``HEADLINE_K``, the mean rank of the
    story each question asks about, beside random picks and recent leads (``briefing_measures``)."""
    wanted = _windows(questions, days)
    all_days = sorted({d for ds in wanted.values() for d in ds})
    of_day: dict[str, list[dict[str, Any]]] = {d: [] for d in all_days}
    for q in questions:
        for d in wanted[q["id"]]:
            of_day[d].append(q)
    ours: dict[str, list[Item]] = {}
    base: dict[str, list[Item]] = {}
    ranked: dict[str, Day] = {}
    leads: dict[str, Day] = {}
    timings: list[float] = []
    n_articles: list[int] = []
    for day in all_days:
        t0 = time.perf_counter()
        b = desk.briefing(date=day, top=top)
        timings.append(time.perf_counter() - t0)
        n_articles.append(b.n_articles)
        ours[day] = briefing_items(b)
        # Every story of the day, in order (a prefix is the briefing above: quotes depend on the story alone).
        full = ours[day] if b.n_stories <= top else briefing_items(desk.briefing(date=day, top=ALL_LINES))
        latest = baseline_items(desk, day, ALL_LINES)
        base[day] = latest[: len(b.stories)]
        ranked[day] = _lines(full, of_day[day])
        leads[day] = _lines(latest, of_day[day])
    result: dict[str, Any] = {
        "questions": len(questions),
        "days": len(all_days),
        "top": top,
        "window_days": days,
    }
    for name, per_day in (("briefing", ours), ("baseline", base)):
        for strict in (False, True):
            hits = sum(
                covered(q, [i for d in wanted[q["id"]] for i in per_day[d]], strict) for q in questions
            )
            result[f"{name}_{'quoted' if strict else 'cited'}"] = hits / max(len(questions), 1)
        result[f"{name}_items_per_day"] = sum(len(v) for v in per_day.values()) / max(len(all_days), 1)
        result[f"{name}_articles_cited_per_day"] = sum(
            len(i.cited) for v in per_day.values() for i in v
        ) / max(len(all_days), 1)
    ks = sorted({1, HEADLINE_K, top})
    methods = {
        "briefing": score(best_ranks(wanted, ranked), ks),
        "random_picks": random_picks(wanted, ranked, ks),
        # as many lines a day as the day has stories (a question only further down is not ranked)
        "recent_leads": score(best_ranks(wanted, leads, {d: len(v) for d, v in ranked.items()}), ks),
    }
    result["ranking"] = {name: m.to_dict() for name, m in methods.items()}
    result["coverage_at_3"] = methods["briefing"].coverage[HEADLINE_K]
    result["coverage_first"] = methods["briefing"].coverage[1]
    result["mean_rank"] = methods["briefing"].mean_rank
    # Ceiling: questions with at least one linked article published in their window at all.
    dated = desk.store.article_dates()
    result["reachable"] = sum(
        any(dated.get(a) in wanted[q["id"]] for a in (q.get("article_ids") or [q.get("article_id")]))
        for q in questions
    ) / max(len(questions), 1)
    result["misses"] = [
        {
            "id": q["id"],
            "question_date": q["question_date"],
            "question": q["question"],
            "answers": q.get("answers"),
        }
        for q in questions
        if not covered(q, [i for d in wanted[q["id"]] for i in ours[d]], False)
    ]
    result["links"] = developing_links(desk, questions, days)
    result["articles_per_day"] = sum(n_articles) / max(len(all_days), 1)
    timings.sort()
    result["seconds_per_briefing_median"] = timings[len(timings) // 2] if timings else 0.0
    result["seconds_per_briefing_max"] = timings[-1] if timings else 0.0
    busiest = max(zip(n_articles, all_days, strict=True))[1] if all_days else None
    result["busiest_day"] = busiest
    return result


def _lines(items: list[Item], questions: list[dict[str, Any]]) -> Day:
    """Each line of a day as the set of ids of the questions (of that day's window) it covers."""
    return [frozenset(q["id"] for q in questions if covered(q, [item], False)) for item in items]


def format_result(r: dict[str, Any]) -> str:
    lines = [
        f"{r['questions']} questions, daily briefings of {r['days']} days (top {r['top']}, "
        f"{r['window_days']} days before each question_date), {r['articles_per_day']:.1f} articles/day",
        f"questions with a linked article inside their {r['window_days']} days (ceiling for citing): "
        f"{r['reachable']:.1%}",
        f"{'':10} {'cited':>7} {'quoted':>7} {'items/day':>10} {'articles cited/day':>19}",
    ]
    for name in ("briefing", "baseline"):
        lines.append(
            f"{name:10} {r[name + '_cited']:7.1%} {r[name + '_quoted']:7.1%} {r[name + '_items_per_day']:10.1f} "
            f"{r[name + '_articles_cited_per_day']:19.1f}"
        )
    lines.append(
        f"briefing time: median {r['seconds_per_briefing_median']:.2f} s, max {r['seconds_per_briefing_max']:.2f} s"
        f" (from stored embeddings); busiest day {r['busiest_day']}"
    )
    if "ranking" in r:
        ks = sorted(
            int(k.rsplit("_", 1)[1]) for k in r["ranking"]["briefing"] if k.startswith("coverage_at_")
        )
        lines.append(
            f"{'order':13} "
            + " ".join(f"{'first' if k == 1 else '@' + str(k):>7}" for k in ks)
            + "  mean rank"
        )
        for name, label in (
            ("briefing", "briefing"),
            ("random_picks", "random picks"),
            ("recent_leads", "recent leads"),
        ):
            m = r["ranking"][name]
            rank = "-" if m["mean_rank"] is None else f"{m['mean_rank']:.2f}"
            lines.append(
                f"{label:13} "
                + " ".join(f"{m[f'coverage_at_{k}']:7.1%}" for k in ks)
                + f"  {rank:>9} (of {m['ranked']} questions it ranks)"
            )
    if "links" in r:
        lines.append(format_links(r["links"], r["window_days"]))
    for m in r.get("misses", [])[:10]:
        lines.append(f"  miss {m['id']} ({m['question_date']}): {m['question']} {m['answers']}")
    return "\n".join(lines)
