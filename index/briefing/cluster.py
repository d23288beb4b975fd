"""Stories from article vectors: average-linkage clustering, and the threshold for "continues an earlier story".

Average linkage (unlike single linkage) does not chain two different stories through one broad article. Both
thresholds are per model (``profiles.py``: a cosine means something else under e5 than under MiniLM) and were read
off RTQA and Wikinews days; ``notes/briefing.md`` has the figures.
"""

from __future__ import annotations

import numpy as np

from index.briefing.profiles import MINILM, Thresholds

# MiniLM's story threshold, for code that compares MiniLM article vectors outside a briefing (the alerts' same-story
# rule); a briefing takes its model's from ``profiles.thresholds_for``.
CLUSTER_MIN = MINILM.cluster_min
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
