"""Which stories a topic's briefing keeps: made-up vectors against e5's thresholds (``topic.TopicRelevance``)."""

from __future__ import annotations

import numpy as np
import pytest

from index.briefing.profiles import E5
from index.briefing.topic import TopicRelevance
from index.briefing.types import ArticleContent


def _content(cid: str, cosines: list[float]) -> ArticleContent:
    """A text whose paragraphs have these cosines with the topic vector (the first axis)."""
    rows = np.array([[c, float(np.sqrt(1 - c * c))] for c in cosines], dtype=np.float32)
    return ArticleContent(cid, [], rows, [False] * len(cosines), rows.mean(axis=0), len(cosines))


TOPIC = np.array([1.0, 0.0], dtype=np.float32)


@pytest.mark.parametrize(
    ("best", "asked", "kept"),
    [
        (E5.topic_min + 0.01, False, True),  # about the topic on its own best paragraph
        (E5.topic_min - 0.01, False, False),  # just below, and retrieval did not find it
        (E5.topic_min - 0.01, True, True),  # just below, but ``ask`` found one of its articles
        (E5.topic_min - E5.topic_asked_margin - 0.01, True, False),  # too far below even so
    ],
)
def test_a_story_is_about_the_topic_on_its_best_paragraph_or_when_ask_found_it(best, asked, kept):
    relevance = TopicRelevance(TOPIC, {"a1"} if asked else set())
    members = [_content("a1", [0.05, best]), _content("a2", [0.0])]
    rel = relevance.score(members, ["a1", "a2"], E5)
    assert (rel is not None) is kept
    if kept:
        assert rel == pytest.approx(best, abs=1e-6)  # the best paragraph of any member, not the mean
