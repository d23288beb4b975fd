"""Article-level evidence: centroid cosines and the best articles' paragraphs joining the
hybrid candidates (without ever crossing the filters)."""

from __future__ import annotations

import numpy as np
import pytest

from index.models import Filters
from index.retrieval.article_evidence import centroid_cosines
from index.retrieval.search import Query, Sources, retrieve
from index.text import tokenize

Q = "How many people died in the tsunami?"


def test_centroid_cosine_is_the_cosine_with_the_normalised_mean():
    q = np.array([1.0, 0.0], dtype=np.float32)
    vectors = {1: np.array([1.0, 0.0]), 2: np.array([0.0, 1.0]), 3: np.array([1.0, 0.0])}
    cos = centroid_cosines(q, [(1, "a"), (2, "a"), (3, "b")], vectors)
    assert cos["a"] == pytest.approx(1 / np.sqrt(2))
    assert cos["b"] == pytest.approx(1.0)


def _query(desk, filters: Filters) -> tuple[Query, Sources]:
    q = Query(
        tokenize([Q])[0], desk.embedder.encode_query(Q), filters, desk.store.allowed_paragraph_ids(filters)
    )
    return q, Sources(desk.search_index(), desk.lexical, desk.store)


def test_the_best_articles_bring_paragraphs_no_retriever_ranked(wikinews_desk):
    q, src = _query(wikinews_desk, Filters())
    cands = retrieve(q, src, "hybrid", n=5)  # few per retriever, so expansion is what adds the rest
    expanded = [c for c in cands if c.dense_rank is None and c.lex_rank is None]
    assert expanded, "whole articles joined the candidates"
    articles = wikinews_desk.store.article_of([c.pid for c in expanded])
    assert len(set(articles.values())) <= 5
    assert all(c.dense != 0.0 for c in expanded)  # their cosine comes from the stored vectors


def test_expansion_never_crosses_the_filters(wikinews_desk):
    filters = Filters(since="2005-01-01")
    q, src = _query(wikinews_desk, filters)
    allowed = set(q.allowed.tolist())
    cands = retrieve(q, src, "hybrid", n=5)
    assert cands and {c.pid for c in cands} <= allowed
