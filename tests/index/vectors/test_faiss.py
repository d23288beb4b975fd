"""The FAISS cache: exact while small, approximate (IVF-SQ8) past a size, with recall checked on real vectors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from index.models import ArticleIn
from index.store.articles import Store
from index.vectors.faiss import VectorIndex
from index.vectors.ivf import exact_top
from tests.conftest import SHARED, WIKINEWS

NEWSQA = SHARED / "newsqa-dev"


def _corpus(limit: int = 2500) -> tuple[list[ArticleIn], list[str]]:
    """Real news text and real questions: NewsQA dev when it is beside the checkout, else the Wikinews sample's
    paragraphs with its titles as questions (smaller, but the same kind of text)."""
    if (NEWSQA / "articles.jsonl").exists():
        lines = (NEWSQA / "articles.jsonl").read_text(encoding="utf-8").splitlines()
        questions = [
            json.loads(q)["question"] for q in (NEWSQA / "questions.jsonl").read_text().splitlines()[:300]
        ]
    else:
        lines = WIKINEWS.read_text(encoding="utf-8").splitlines()
        questions = [json.loads(line)["title"] for line in lines]
    articles, n = [], 0
    for line in lines:
        rec = json.loads(line)
        paras = [p for p in rec["text"].split("\n\n") if p.strip()]
        articles.append(ArticleIn(paragraphs=paras, title=rec["title"], source="Test", external_id=rec["id"]))
        n += len(paras)
        if n >= limit:
            break
    return articles, questions


@pytest.fixture(scope="module")
def real_index(tmp_path_factory, embedder):
    """A data dir of ~2,500 real paragraphs embedded with the real model, and real question vectors."""
    from index.config import CoreSettings
    from index.service import Newsdesk

    articles, questions = _corpus()
    data = tmp_path_factory.mktemp("ann") / "data"
    desk = Newsdesk.open(CoreSettings(data_dir=data), embedder=embedder)
    desk.ingest_articles(articles)
    desk.close()
    return data, embedder.encode(questions)


def test_past_the_size_limit_the_index_is_approximate_with_recall_at_least_097(real_index):
    data, qvecs = real_index
    store = Store(data / "newsdesk.db")
    try:
        epoch = store.epoch()
        exact = VectorIndex.open(data / "exact", store, 384, "m", epoch, exact_max=10**9)
        approx = VectorIndex.open(data / "approx", store, 384, "m", epoch, exact_max=1000)
        assert not exact.approximate and approx.approximate and len(approx) == len(exact) > 1000
        ids, vecs = exact.ids(), exact.vectors(exact.ids())
        truth = exact_top(qvecs, vecs, ids)
        got = np.stack([np.pad(approx.search(q, 10)[0], (0, 10))[:10] for q in qvecs])
        recall = np.mean([len(set(t) & set(g)) / 10 for t, g in zip(truth, got, strict=True)])
        assert recall >= 0.97, recall
        # the first candidates carry their stored vectors' scores, not 8-bit ones, and are ordered by them
        found, scores = approx.search(qvecs[0], 10)
        stored = vecs[np.searchsorted(ids, found)] @ qvecs[0]
        assert np.allclose(scores, stored, atol=1e-5) and list(scores) == sorted(scores, reverse=True)
    finally:
        store.close()


def test_approximate_index_filters_inside_the_search_and_survives_a_reload(real_index):
    data, qvecs = real_index
    store = Store(data / "newsdesk.db")
    try:
        approx = VectorIndex.open(data / "approx2", store, 384, "m", store.epoch(), exact_max=1000)
        ids = approx.ids()
        allowed = ids[::2]
        found, _ = approx.search(qvecs[0], 10, allowed)
        assert len(found) == 10 and set(found.tolist()) <= set(allowed.tolist())
        few = ids[:50]  # a narrow filter is answered exactly from the stored vectors
        found, scores = approx.search(qvecs[0], 5, few)
        assert set(found.tolist()) <= set(few.tolist()) and list(scores) == sorted(scores, reverse=True)
        on_disk = VectorIndex.read(data / "approx2" / "vectors.cache")
        assert on_disk.approximate  # the IVF index replaced the flat cache of the same position
        reloaded = VectorIndex.open(data / "approx2", store, 384, "m", store.epoch(), exact_max=1000)
        assert reloaded.approximate and reloaded.nprobe == approx.nprobe and len(reloaded) == len(approx)
        assert approx.remove(ids[:3]) == 3 and len(approx) == len(ids) - 3
    finally:
        store.close()


def test_vectors_of_reads_the_index_and_falls_back_to_the_store(wikinews_desk):
    vi = wikinews_desk.search_index()
    ids = vi.ids()[:5].tolist()
    stored_ids, stored = wikinews_desk.store.vectors(ids)
    got_ids, got = vi.vectors_of(ids, wikinews_desk.store)
    assert got_ids.tolist() == stored_ids.tolist() == ids and np.allclose(got, stored)
    vi.remove([ids[0]])  # as if another process had just added it and this cache had not caught up
    got_ids, got = vi.vectors_of(ids, wikinews_desk.store)
    assert got_ids.tolist() == ids and np.allclose(got, stored)


def test_nprobe_calibration_counts_identical_paragraphs_as_equal_answers():
    """Corpora repeat paragraphs (boilerplate, re-sent wire copy). 8-bit codes order such twins arbitrarily, so a
    recall that counts a twin as a miss never reaches the target and the index falls back to a full scan."""
    import faiss

    from index.vectors.ivf import TARGET_RECALL, calibrate_nprobe, recall_at_10

    rng = np.random.default_rng(1)
    centers = rng.normal(size=(32, 64)).astype(np.float32)
    base = centers[rng.integers(0, 32, 2000)] + rng.normal(0, 0.3, size=(2000, 64)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    vecs = np.repeat(base, 4, axis=0)  # every paragraph stored four times
    ids = np.arange(len(vecs), dtype=np.int64)
    index = faiss.index_factory(64, "IVF64,SQ8", faiss.METRIC_INNER_PRODUCT)
    index.train(vecs)
    index.add_with_ids(vecs, ids)
    nprobe = calibrate_nprobe(index, vecs, ids, np.random.default_rng(0))
    assert nprobe < 64
    qs = base[:50] + rng.normal(0, 0.05, size=(50, 64)).astype(np.float32)
    qs /= np.linalg.norm(qs, axis=1, keepdims=True)
    exact = exact_top(qs, vecs, ids)
    assert recall_at_10(index, qs, exact, nprobe, vecs, ids) >= TARGET_RECALL - 0.02
    _, found = index.search(qs, 10, params=faiss.SearchParametersIVF(nprobe=64))
    by_id = np.mean([len(set(e) & set(f)) / 10 for e, f in zip(exact.tolist(), found.tolist(), strict=True)])
    assert by_id < TARGET_RECALL  # even a full scan: counting twins as misses could never reach the target
