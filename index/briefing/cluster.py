"""Stories from article vectors: average-linkage clustering, and the threshold for "continues an earlier story".

Average linkage (unlike single linkage) does not chain two different stories through one broad article. Both
thresholds were read off RTQA and Wikinews days; ``notes/briefing.md`` has the figures.
"""

from __future__ import annotations

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

# Average cosine between two clusters of article vectors to merge them into one story: same-day RTQA articles
# answering the same question are >= 0.55 in 82% of pairs, unrelated same-day Wikinews stories stay below 0.5.
CLUSTER_MIN = 0.55
# A story continues an earlier article above a cosine that rises with the texts' length: short texts (Wikinews)
# give noisy mean vectors, long ones (RTQA) share a generic "news" direction that links unrelated features.
DEVELOPING_MIN = 0.40  # for texts of at most SHORT_PARAGRAPHS paragraphs ...
DEVELOPING_LONG = 0.55  # ... rising linearly to this at LONG_PARAGRAPHS and beyond
SHORT_PARAGRAPHS = 3
LONG_PARAGRAPHS = 15


def developing_threshold(n_paragraphs: int) -> float:
    """Cosine above which a story continues an earlier article, for texts of ``n_paragraphs`` paragraphs."""
    frac = min(1.0, max(0.0, (n_paragraphs - SHORT_PARAGRAPHS) / (LONG_PARAGRAPHS - SHORT_PARAGRAPHS)))
    return DEVELOPING_MIN + frac * (DEVELOPING_LONG - DEVELOPING_MIN)


def cluster(vectors: np.ndarray, threshold: float = CLUSTER_MIN) -> list[list[int]]:
    """Average-linkage agglomerative clustering of normalised row vectors, merging while the average cosine
    between two clusters is at least ``threshold``.

    scipy's UPGMA on cosine distances, cut at distance ``1 - threshold`` (average linkage is monotone, so the cut
    is exactly "merge while the average similarity is high enough"). Returns clusters as sorted index lists,
    ordered by their first member.
    """
    n = len(vectors)
    if n <= 1:
        return [[i] for i in range(n)]
    tree = linkage(np.asarray(vectors, dtype=np.float64), method="average", metric="cosine")
    labels = fcluster(tree, t=1.0 - threshold, criterion="distance")
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels.tolist()):
        groups.setdefault(label, []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])
