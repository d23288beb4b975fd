"""Stories from article vectors: average-linkage clustering, the threshold for "continues an earlier story", and
the order in which a second story on a topic yields its place to other topics unless it weighs much more.

Average linkage (unlike single linkage) does not chain two different stories through one broad article. The
thresholds (stories, developing, same topic) are per model (``profiles.py``: a cosine means something else under
e5 than under MiniLM) and were read off RTQA and Wikinews days; ``notes/briefing.md`` has the figures.
"""

from __future__ import annotations

import numpy as np

from index.briefing.profiles import MINILM, Thresholds

# MiniLM's story threshold, for code that compares MiniLM article vectors outside a briefing (the alerts' same-story
# rule); a briefing takes its model's from ``profiles.thresholds_for``.
CLUSTER_MIN = MINILM.cluster_min
# A story on a topic already shown above it loses this much importance (``spread_topics``): about what separates a
# story carried by two outlets from a one-off, so a much bigger second story on a topic keeps its place. On RTQA's
# tuning half any value from 0.3 to 100 gave the same coverage (notes/briefing.md). In importance units: under other
# weights (``rank.Weights``) the same penalty weighs more or less.
SAME_TOPIC_PENALTY = 1.0
# The developing threshold rises linearly between these paragraph counts (``Thresholds.developing_*``).
SHORT_PARAGRAPHS = 3
LONG_PARAGRAPHS = 15


def developing_threshold(n_paragraphs: int, t: Thresholds = MINILM) -> float:
    """Cosine above which a story continues an earlier article, for texts of ``n_paragraphs`` paragraphs."""
    frac = min(1.0, max(0.0, (n_paragraphs - SHORT_PARAGRAPHS) / (LONG_PARAGRAPHS - SHORT_PARAGRAPHS)))
    return t.developing_min + frac * (t.developing_long - t.developing_min)


def cluster(vectors: np.ndarray, threshold: float = CLUSTER_MIN) -> list[list[int]]:
    """Average-linkage agglomerative clustering of row vectors, merging while the average cosine between two
    clusters is at least ``threshold``.

    UPGMA on the cosine matrix with the Lance-Williams update (the similarity of a merged cluster to any other is
    the size-weighted mean of its parts', which is exactly the average pairwise cosine), stopped at the threshold:
    the same clusters as scipy's ``linkage(method="average", metric="cosine")`` cut at ``1 - threshold``, without
    importing scipy (half a second of every briefing command's start). A day of n articles costs n argmax passes
    over an n x n matrix. Returns clusters as sorted index lists, ordered by their first member.
    """
    n = len(vectors)
    if n <= 1:
        return [[i] for i in range(n)]
    v = np.asarray(vectors, dtype=np.float64)
    v = v / (np.linalg.norm(v, axis=1, keepdims=True) + 1e-300)
    sim = v @ v.T
    np.fill_diagonal(sim, -np.inf)
    size = np.ones(n)
    members: list[list[int]] = [[i] for i in range(n)]
    while True:
        i, j = divmod(int(np.argmax(sim)), n)
        if not sim[i, j] >= threshold:
            break
        merged = (size[i] * sim[i] + size[j] * sim[j]) / (size[i] + size[j])
        sim[i, :] = merged
        sim[:, i] = merged
        sim[i, i] = -np.inf
        sim[j, :] = -np.inf
        sim[:, j] = -np.inf
        size[i] += size[j]
        members[i] += members[j]
        members[j] = []
    return sorted((sorted(m) for m in members if m), key=lambda g: g[0])


def spread_topics(
    scores: list[float], centroids: np.ndarray, same_topic: float, penalty: float = SAME_TOPIC_PENALTY
) -> tuple[list[int], list[float]]:
    """The order of a day's stories (given most important first, ties already broken) in which a story on a topic
    already placed above it loses ``penalty`` of its importance once (a third story on a topic loses it once too),
    and for each story (by input index) its highest cosine with a story placed above it (0 for the lead, never
    below 0).

    Why: clustering joins one story's articles, not one topic's; an editor does not spend two of three lines on two
    elections, or on a story and the news digest that leads with it, while one-off stories the week's news quiz
    asks about (a recall, a tribe's last member) wait below. Greedy, as maximal marginal relevance: each next place
    goes to the story with the highest importance after its penalty; the lead never moves. A centroid cosine cannot
    tell a topic from a beat (a contract beside a media-rights deal), so a beat's second story yields too.
    """
    n = len(scores)
    if n <= 1:
        return list(range(n)), [0.0] * n
    c = np.asarray(centroids, dtype=np.float64)
    sim = c @ c.T
    base = np.asarray(scores, dtype=np.float64)
    closest = np.full(n, -np.inf)  # each story's highest cosine with a story placed so far
    placed = np.zeros(n, dtype=bool)
    order: list[int] = []
    top_sim = [0.0] * n
    for _ in range(n):  # n vector passes: a day of hundreds of stories stays in milliseconds
        adjusted = np.where(closest >= same_topic, base - penalty, base)
        adjusted[placed] = -np.inf
        best = int(np.argmax(adjusted))  # ties: the earlier (more important, then headline) story
        placed[best] = True
        top_sim[best] = max(float(closest[best]), 0.0) if order else 0.0
        order.append(best)
        closest = np.maximum(closest, sim[best])
    return order, top_sim
