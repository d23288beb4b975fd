"""A briefing on one topic: which of the day's stories are about it, and how much.

Why its own module: a topic's briefing asks the answer stage (``desk.ask``, the same retrieval as a question) which
articles of the window are about the topic, and reads each story's best paragraph against the topic's query vector;
``stories`` keeps only the stories this finds and ranks relevance above importance (``TOPIC_WEIGHT``), without the
topic spread (a topic's briefing is one topic by design).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from index.briefing.profiles import Thresholds
from index.briefing.types import ArticleContent, BriefingDesk
from index.briefing.window import Window
from index.models import Filters

TOPIC_ASK_K = 10  # passages ``ask`` retrieves for the topic
TOPIC_WEIGHT = 2.0  # a topic briefing ranks relevance above importance


@dataclass
class TopicRelevance:
    """The topic's query vector and the articles ``ask`` retrieves for it in the window (the same machinery)."""

    vector: np.ndarray
    hits: set[str]

    @classmethod
    def of(
        cls, desk: BriefingDesk, topic: str, win: Window, scopes: tuple[str, ...] | None
    ) -> TopicRelevance:
        filters = Filters(since=win.first_day.isoformat(), until=win.last_day.isoformat(), scopes=scopes)
        answer = desk.ask(topic, k=TOPIC_ASK_K, filters=filters, per_article=1)
        hits: set[str] = set()
        if not answer.no_answer:
            for q in answer.quotes:
                hits.add(q.article_id)
                hits.update(ref.article_id for ref in q.also_in)
        return cls(desk.embedder.encode_query(topic), hits)

    def score(self, members: list[ArticleContent], article_ids: Iterable[str], t: Thresholds) -> float | None:
        """A story's relevance (its best paragraph's cosine with the topic), or None when it is not about it: below
        ``t.topic_min``, unless ``ask`` also found one of its articles (then ``t.topic_asked_margin`` lower)."""
        rel = max(float((c.vectors @ self.vector).max()) for c in members)
        asked = bool(set(article_ids) & self.hits)
        if rel >= t.topic_min or (asked and rel >= t.topic_min - t.topic_asked_margin):
            return rel
        return None


__all__ = ["TOPIC_ASK_K", "TOPIC_WEIGHT", "TopicRelevance"]
