"""Clustering of article vectors into stories, the "continues an earlier story" threshold, and the topics' spread."""

from __future__ import annotations

import numpy as np
import pytest

from index.briefing.cluster import (
    CLUSTER_MIN,
    SAME_TOPIC_PENALTY,
    cluster,
    developing_threshold,
    spread_topics,
)
from index.briefing.profiles import MINILM


def _normalised(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def average_linkage(vectors: np.ndarray, threshold: float) -> list[list[int]]:
    """The definition, written out: merge the two clusters with the highest average pairwise cosine while it is
    at least ``threshold`` (what the briefing did by hand before scipy; the oracle for ``cluster``)."""
    clusters = [[i] for i in range(len(vectors))]
    sim = vectors.astype(np.float64) @ vectors.astype(np.float64).T
    while len(clusters) > 1:
        best, pair = -np.inf, (0, 0)
        for i in range(len(clusters)):
            for j in range(i + 1, len(clusters)):
                avg = sim[np.ix_(clusters[i], clusters[j])].mean()
                if avg > best:
                    best, pair = avg, (i, j)
        if best < threshold:
            break
        i, j = pair
        clusters[i] = sorted(clusters[i] + clusters.pop(j))
    return sorted(clusters, key=lambda c: c[0])


def test_cluster_is_average_linkage_with_a_threshold():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=16), rng.normal(size=16)
    rows = [a + 0.1 * rng.normal(size=16) for _ in range(3)] + [
        b + 0.1 * rng.normal(size=16) for _ in range(2)
    ]
    vecs = _normalised(np.stack(rows))
    assert cluster(vecs, 0.9) == [[0, 1, 2], [3, 4]]
    assert cluster(vecs, 1.01) == [[0], [1], [2], [3], [4]]
    assert cluster(vecs[:0], 0.5) == []
    assert cluster(vecs[:1], 0.5) == [[0]]


@pytest.mark.parametrize("seed", range(12))
def test_cluster_matches_the_definition_of_average_linkage(seed):
    """Days of 5-40 articles around a few stories, some near the threshold: same clusters as the oracle."""
    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(5, 40)), int(rng.integers(2, 8))
    centres = rng.normal(size=(k, 32))
    vecs = _normalised(centres[rng.integers(0, k, n)] + rng.normal(size=(n, 32)) * rng.uniform(0.3, 0.9))
    for threshold in (CLUSTER_MIN, 0.3, 0.7):
        assert cluster(vecs, threshold) == average_linkage(vecs, threshold)


def test_average_linkage_does_not_chain_through_a_broad_article():
    """Two stories and one article between them: single linkage would glue all three, average linkage does not."""
    left, right = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    broad = (left + right) / np.sqrt(2)  # cosine 0.71 with each story, 0 between the stories
    vecs = np.stack([left, broad, right]).astype(np.float32)
    groups = cluster(vecs, CLUSTER_MIN)
    assert [0, 1, 2] not in groups and len(groups) == 2


def test_developing_threshold_rises_with_length():
    assert developing_threshold(1) == developing_threshold(3) == MINILM.developing_min
    assert developing_threshold(15) == developing_threshold(40) == MINILM.developing_long
    assert MINILM.developing_min < developing_threshold(9) < MINILM.developing_long


def _topic_vectors() -> np.ndarray:
    """Four stories: 0 and 1 on one topic (cosine 0.6), 2 and 3 on two others."""
    return _normalised(np.array([[1.0, 0, 0, 0], [0.6, 0.8, 0, 0], [0, 0, 1.0, 0], [0, 0, 0, 1.0]]))


def test_a_second_story_on_a_shown_topic_yields_to_other_topics():
    order, above = spread_topics([3.0, 2.5, 2.0, 1.9], _topic_vectors(), same_topic=0.5)
    assert order == [0, 2, 3, 1]
    assert above[1] == pytest.approx(0.6) and above[0] == 0.0 and above[2] == 0.0


def test_a_much_bigger_second_story_keeps_its_place_and_the_lead_never_moves():
    big = [3.0, 1.9 + SAME_TOPIC_PENALTY, 1.5, 1.4]  # 1 weighs more than 2 even after its penalty
    assert spread_topics(big, _topic_vectors(), same_topic=0.5)[0] == [0, 1, 2, 3]
    assert spread_topics([3.0, 2.5, 2.0, 1.9], _topic_vectors(), same_topic=0.7)[0] == [
        0,
        1,
        2,
        3,
    ]  # not one topic
    assert spread_topics([1.0], _topic_vectors()[:1], same_topic=0.5) == ([0], [0.0])
    # the lead's own topic-mate close behind it: the lead stays, the mate yields
    assert spread_topics([3.0, 2.9, 2.8, 1.0], _topic_vectors(), same_topic=0.5)[0] == [0, 2, 1, 3]


def test_a_third_story_on_a_topic_loses_the_penalty_once():
    vectors = _normalised(np.array([[1.0, 0, 0], [0.9, 0.1, 0], [0.9, 0, 0.1], [0, 0, 1.0]]))
    # 1 and 2 each lose 1.0 once (not once per topic-mate above): 2.5 - 1 > 1.4 > 2.3 - 1
    order, above = spread_topics([3.0, 2.5, 2.3, 1.4], vectors, same_topic=0.5)
    assert order == [0, 1, 3, 2]
    assert above[2] == pytest.approx(max(vectors[2] @ vectors[0], vectors[2] @ vectors[1]))
