"""Retrieval methods: each ranks by its own signal; the hybrid method is the one answers use."""

from __future__ import annotations

import shutil

import pytest
from pymilvus import MilvusClient

from index.models import Filters
from index.retrieval.search import METHODS, Query, Sources, retrieve
from index.text import tokenize

Q = "How many people died in the tsunami?"


@pytest.fixture(params=["faiss", "milvus"])
def wikinews_desk(request, make_desk, wikinews_dir, tmp_path, milvus_uri, milvus_collection):
    """Every retrieval test runs against both vector backends (Milvus: the session's milvus-lite)."""
    copy = tmp_path / "wikinews-data"
    shutil.copytree(wikinews_dir, copy)
    if request.param == "faiss":
        yield make_desk(copy)
        return
    yield make_desk(
        copy, vector_backend="milvus", milvus_uri=str(milvus_uri), milvus_collection=milvus_collection
    )
    client = MilvusClient(str(milvus_uri))
    if milvus_collection in client.list_aliases().get("aliases", []):
        client.drop_alias(milvus_collection)
    for name in client.list_collections():
        if name.startswith(milvus_collection + "_"):
            client.drop_collection(name)


def _query(desk, text: str, filters: Filters | None = None) -> tuple[Query, Sources]:
    filters = filters or Filters()
    q = Query(
        tokenize([text])[0],
        desk.embedder.encode_query(text),
        filters,
        desk.store.allowed_paragraph_ids(filters),
    )
    return q, Sources(desk.search_index(), desk.lexical, desk.store)


def test_every_method_is_registered():
    assert set(METHODS) == {"hybrid", "rrf", "dense", "bm25"}


def test_dense_ranks_by_cosine(wikinews_desk):
    q, src = _query(wikinews_desk, Q)
    cands = retrieve(q, src, "dense")
    assert cands and all(c.lex_rank is None for c in cands)
    assert [c.score for c in cands] == sorted((c.dense for c in cands), reverse=True)


def test_bm25_ranks_by_lexical_score_only(wikinews_desk):
    q, src = _query(wikinews_desk, Q)
    cands = retrieve(q, src, "bm25")
    assert cands and all(c.dense_rank is None for c in cands)
    assert cands[0].score == pytest.approx(1.0)  # normalised by the best BM25 score


def test_rrf_uses_ranks_not_scores(wikinews_desk):
    q, src = _query(wikinews_desk, Q)
    cands = retrieve(q, src, "rrf")
    both = [c for c in cands if c.dense_rank is not None and c.lex_rank is not None]
    assert both, "the two retrievers share candidates on this question"
    c = both[0]
    assert c.score == pytest.approx(1 / (61 + c.dense_rank) + 1 / (61 + c.lex_rank))


def test_hybrid_gives_lexical_only_candidates_their_exact_cosine(wikinews_desk):
    q, src = _query(wikinews_desk, Q)
    cands = retrieve(q, src, "hybrid")
    lexical_only = [c for c in cands if c.dense_rank is None]
    assert lexical_only and all(c.dense != 0.0 for c in lexical_only)


def test_filters_apply_to_both_retrievers(wikinews_desk):
    q, src = _query(wikinews_desk, Q, Filters(since="2005-01-01"))
    cands = retrieve(q, src, "hybrid")
    assert cands
    dates = {
        a.date
        for a in wikinews_desk.store.articles(
            list(wikinews_desk.store.article_of([c.pid for c in cands]).values())
        ).values()
    }
    assert dates and all(d >= "2005-01-01" for d in dates)


def test_unknown_method_is_a_clear_error(wikinews_desk):
    q, src = _query(wikinews_desk, Q)
    with pytest.raises(ValueError, match="unknown search method"):
        retrieve(q, src, "magic")
