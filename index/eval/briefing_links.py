"""Whether the briefing's history links join one story and not two (``newsdesk eval-briefing``).

A developing story names the earlier articles of the same story ("Developing since", "N in all", "earlier:" links;
``Story.earlier_article_ids``). The quiz gives a label for free: the articles of one question are one story, the
articles of different questions are, nearly always, different stories. For every pair of a question set's articles
published up to ``days`` apart, the later one's story on its own day either counts the earlier one among its
earlier articles or not: links between one question's articles are wanted, links between different questions'
articles mostly are not (two questions can ask about one story, so the second count is an upper bound on the wrong
links, not the wrong links themselves). Coverage cannot see this: a false link cites one more article, and counts.
"""

from __future__ import annotations

import itertools
from datetime import date as Date
from typing import Any

from index.eval.briefing_measures import ALL_LINES
from index.service import Newsdesk


def developing_links(desk: Newsdesk, questions: list[dict[str, Any]], days: int = 7) -> dict[str, Any]:
    """{"same_question": {"linked", "pairs"}, "different_questions": {"linked", "pairs"}} over these questions'
    articles published 1 to ``days`` days apart (by their stored date)."""
    owner: dict[str, set[str]] = {}
    for q in questions:
        for aid in q.get("article_ids") or [q.get("article_id")]:
            if aid:
                owner.setdefault(aid, set()).add(q["id"])
    dated = desk.store.article_dates()
    day = {a: Date.fromisoformat(d[:10]) for a in owner if (d := dated.get(a))}
    earlier: dict[str, set[str]] = {}  # article id -> the earlier articles its story names on its day
    for d in sorted(set(day.values())):
        for story in desk.briefing(date=d.isoformat(), top=ALL_LINES).stories:
            for aid in story.article_ids:
                earlier[aid] = set(story.earlier_article_ids)
    counts = {"same_question": [0, 0], "different_questions": [0, 0]}
    for later, before in itertools.permutations(sorted(day), 2):
        if not 0 < (day[later] - day[before]).days <= days:
            continue
        kind = "same_question" if owner[later] & owner[before] else "different_questions"
        counts[kind][0] += before in earlier.get(later, set())
        counts[kind][1] += 1
    return {k: {"linked": v[0], "pairs": v[1]} for k, v in counts.items()}


def format_links(links: dict[str, Any], days: int) -> str:
    same, other = links["same_question"], links["different_questions"]
    return (
        f"developing links between quiz articles 1-{days} days apart: one question's {same['linked']} of "
        f"{same['pairs']} (wanted), different questions' {other['linked']} of {other['pairs']} (mostly not)"
    )


__all__ = ["developing_links", "format_links"]
