"""Article vectors from stored paragraph vectors (nothing is re-embedded).

An article's vector is the mean of its paragraph vectors weighted by ``1/sqrt(ordinal)``: the lead carries the
story, long tails drift into background. Captions are left out (they describe a picture, not the story), and the
mean is normalised so that dot products are cosines.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import numpy as np

from index.briefing.types import ArticleContent, BriefingDesk
from index.models import Paragraph

log = logging.getLogger(__name__)


def article_vector(
    paragraphs: Sequence[Paragraph], caption: Sequence[bool], vectors: np.ndarray
) -> np.ndarray | None:
    """The normalised, lead-weighted mean of ``vectors`` (rows aligned with ``paragraphs``); None if it is zero."""
    weights = np.array(
        [0.0 if c else 1.0 / math.sqrt(p.ordinal) for p, c in zip(paragraphs, caption, strict=True)]
    )
    if weights.sum() == 0:  # only captions: better their mean than no vector at all
        weights = np.ones(len(paragraphs))
    mean = (vectors * weights[:, None]).sum(axis=0)
    norm = float(np.linalg.norm(mean))
    if norm == 0:
        return None
    return (mean / norm).astype(np.float32)


def load_contents(desk: BriefingDesk, content_ids: Sequence[str]) -> dict[str, ArticleContent]:
    """Paragraphs, stored vectors and article vector of these canonical articles.

    Paragraphs without a stored vector (an ingest still embedding, a failed embedding) are left out, and an
    article with none left is left out of the briefing.
    """
    rows = desk.store.paragraphs_of(content_ids)
    if not rows:
        return {}
    # Stored vectors come from the store itself: a briefing needs neither the model nor the FAISS cache.
    ids, vectors = desk.store.vectors([p.id for p, _ in rows])
    have = set(ids.tolist())
    rows = [row for row in rows if row[0].id in have]
    by_article: dict[str, list[int]] = {}
    for n, (para, _) in enumerate(rows):
        by_article.setdefault(para.article_id, []).append(n)
    out: dict[str, ArticleContent] = {}
    for aid, idx in by_article.items():
        paragraphs = [rows[n][0] for n in idx]
        caption = [rows[n][1] for n in idx]
        rows_vectors = vectors[idx]
        vector = article_vector(paragraphs, caption, rows_vectors)
        if vector is None:
            continue
        n_text = sum(1 for c in caption if not c)
        out[aid] = ArticleContent(aid, paragraphs, rows_vectors, caption, vector, n_text)
    return out
