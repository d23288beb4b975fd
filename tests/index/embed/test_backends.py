"""Encoder backends of all-MiniLM-L6-v2 (torch, onnx, openvino): the same search results as torch fp32, one choice per
process, a change asks for reindex. (The default model, multilingual-e5-small, has one engine: tests/index/embed/test_e5.py.)"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from index.config import MINILM_MODEL, CoreSettings
from index.embed.backends import AUTO_ORDER, available, backend_of, exported_graph, identity
from index.embed.model import Embedder, ModelError, resolve_model
from index.ingest.segment import passages
from index.service import Newsdesk
from index.vectors import ModelMismatch
from tests.conftest import SHARED, WIKINEWS

GRAPH_BACKENDS = [b for b in AUTO_ORDER if b != "torch"]
TSUNAMI_Q = "How many people died in the tsunami?"


def needs(backend: str):
    return pytest.mark.skipif(not available(backend), reason=f"{backend} is not installed")


@pytest.fixture(scope="module", autouse=True)
def graph_cache_dir(tmp_path_factory):
    """Exported graphs go to a directory of this module's (never the user's cache)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEWSDESK_ENCODER_CACHE", str(tmp_path_factory.mktemp("encoders")))
        yield


@pytest.fixture(scope="session")
def dev_sample() -> tuple[list[str], list[str]]:
    """2,000 NewsQA dev paragraphs (split as ingest splits them) and 200 dev questions about those articles."""
    articles = SHARED / "newsqa-dev" / "articles.jsonl"
    if not articles.exists():
        pytest.skip(f"NewsQA dev set not available at {articles} (evaluation data lives in ../shared/data)")
    paragraphs: list[str] = []
    ids: set[str] = set()
    with articles.open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            paragraphs.extend(passages(rec["text"]))
            ids.add(rec["id"])
            if len(paragraphs) >= 2000:
                break
    with (SHARED / "newsqa-dev" / "questions.jsonl").open(encoding="utf-8") as fh:
        questions = [q["question"] for q in map(json.loads, fh) if q["article_id"] in ids]
    return paragraphs[:2000], questions[:200]


@pytest.fixture(scope="module")
def torch_fp32() -> Embedder:
    """The reference: sentence-transformers on torch, fp32 (the session's ``embedder`` is the default backend)."""
    return Embedder(MINILM_MODEL, backend="torch")


@pytest.fixture(scope="module")
def fp32_reference(torch_fp32, dev_sample) -> tuple[np.ndarray, np.ndarray]:
    paragraphs, questions = dev_sample
    return torch_fp32.encode(paragraphs), torch_fp32.encode(questions)


def top10(paragraph_vecs: np.ndarray, question_vecs: np.ndarray) -> np.ndarray:
    return np.argsort(-(question_vecs @ paragraph_vecs.T), axis=1, kind="stable")[:, :10]


@pytest.mark.parametrize("backend", [pytest.param(b, marks=needs(b)) for b in GRAPH_BACKENDS])
def test_backend_keeps_top10_agreement_with_fp32(backend, dev_sample, fp32_reference):
    paragraphs, questions = dev_sample
    ref_p, ref_q = fp32_reference
    emb = Embedder(MINILM_MODEL, backend=backend)
    got_p, got_q = emb.encode(paragraphs), emb.encode(questions)
    assert emb.identity == f"{MINILM_MODEL} [{backend} fp32]"  # it did not fall back to torch
    assert np.allclose(np.linalg.norm(got_p, axis=1), 1.0, atol=1e-4)
    expected, found = top10(ref_p, ref_q), top10(got_p, got_q)
    agreement = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(expected, found, strict=True)])
    assert agreement >= 0.98, f"{backend}: top-10 agreement {agreement:.4f} with torch fp32"
    # the query path (one text, no batching) gives the same vector as the batched one
    assert float(emb.encode_query(questions[0]) @ got_q[0]) > 0.9999


@pytest.mark.parametrize("backend", [pytest.param(b, marks=needs(b)) for b in GRAPH_BACKENDS])
def test_long_text_is_truncated_like_sentence_transformers(backend, torch_fp32):
    text = " ".join(f"word{i} of a very long paragraph about sanctions" for i in range(200))  # > 256 tokens
    ref = torch_fp32.encode([text, "short"])
    got = Embedder(MINILM_MODEL, backend=backend).encode([text, "short"])
    assert (ref * got).sum(axis=1).min() > 0.9999


def test_identity_names_backend_and_precision():
    assert identity(MINILM_MODEL, "torch") == MINILM_MODEL  # data dirs from before backends stay valid
    for backend in ("onnx", "openvino"):
        assert backend_of(identity(MINILM_MODEL, backend)) == backend
    assert backend_of(MINILM_MODEL) == "torch" and backend_of(None) is None


def test_unknown_backend_is_one_clear_sentence():
    with pytest.raises(ModelError, match="Unknown encoder backend 'cuda'.*NEWSDESK_ENCODER_BACKEND"):
        Embedder(MINILM_MODEL, backend="cuda")


@needs("onnx")
def test_graph_is_exported_once_and_reused():
    path = resolve_model(MINILM_MODEL)
    first = exported_graph(Path(path))
    stamp = first.stat().st_mtime_ns
    assert exported_graph(Path(path)) == first and first.stat().st_mtime_ns == stamp


@needs("onnx")
def test_broken_backend_falls_back_to_torch_with_one_line(tmp_path, monkeypatch, caplog):
    """A damaged exported graph: the process still embeds, with torch fp32, and says so once."""
    monkeypatch.setenv("NEWSDESK_ENCODER_CACHE", str(tmp_path / "cache"))
    graph = exported_graph(Path(resolve_model(MINILM_MODEL)))
    graph.write_bytes(b"not an onnx graph")
    emb = Embedder(MINILM_MODEL, backend="onnx")
    with caplog.at_level(logging.WARNING, logger="index.embed.model"):
        vec = emb.encode_query(TSUNAMI_Q)
    assert emb.identity == MINILM_MODEL and emb.encoder.backend == "torch"
    assert vec.shape == (384,) and abs(float(np.linalg.norm(vec)) - 1) < 1e-4
    warnings = [r for r in caplog.records if r.name == "index.embed.model" and r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "onnx" in warnings[0].getMessage()


@needs("onnx")
def test_backend_change_asks_for_reindex(tmp_path):
    """A MiniLM index built by its default backend (onnx fp32): ``auto`` keeps it; asking for torch refuses to mix
    vectors until ``reindex``, which records the new identity, and ``auto`` then keeps torch."""
    data = tmp_path / "data"
    onnx = f"{MINILM_MODEL} [onnx fp32]"
    auto = Newsdesk.open(CoreSettings(data_dir=data, model=MINILM_MODEL))
    auto.ingest_paths([WIKINEWS])
    assert auto.stats().model == onnx and auto.embedder.identity == onnx
    auto.close()
    desk = Newsdesk.open(CoreSettings(data_dir=data, model=MINILM_MODEL, encoder_backend="torch"))
    try:
        assert desk.stats().articles == 41  # commands that do not embed still work
        with pytest.raises(ModelMismatch, match="newsdesk reindex"):
            desk.ask(TSUNAMI_Q)
        with pytest.raises(ModelMismatch, match="newsdesk reindex"):
            desk.ingest_paths([WIKINEWS])
        desk.reindex()
        assert desk.stats().model == MINILM_MODEL
        assert desk.ask(TSUNAMI_Q, k=3).quotes
    finally:
        desk.close()
    again = Newsdesk.open(
        CoreSettings(data_dir=data, model=MINILM_MODEL)
    )  # auto now keeps torch: no reindex asked
    try:
        assert again.embedder.backend == "torch" and again.ask(TSUNAMI_Q, k=3).quotes
    finally:
        again.close()


@needs("onnx")
def test_each_backend_embeds_at_its_own_batch_size_unless_one_is_set(tmp_path, torch_fp32):
    """``bench/bench_batch.py`` chose each backend's batch; ``NEWSDESK_BATCH_SIZE`` still overrides it, and the batch
    size changes only the speed, never the vectors beyond float noise."""
    from index.embed.backends import BATCH

    onnx = Embedder(MINILM_MODEL, backend="onnx")
    assert (onnx.batch_size, torch_fp32.batch_size) == (BATCH["onnx"], BATCH["torch"]) == (4, 8)
    seen: list[int] = []
    run = onnx.encoder.encode
    onnx.encoder.encode = lambda texts, batch_size: seen.append(batch_size) or run(texts, batch_size)
    texts = passages(json.loads(WIKINEWS.read_text(encoding="utf-8").splitlines()[0])["text"])[:6]
    by_default = onnx.encode(texts)
    assert seen and set(seen) == {4}
    configured = Newsdesk.open(CoreSettings(data_dir=tmp_path / "data", NEWSDESK_BATCH_SIZE=32))
    try:
        assert configured.embedder.batch_size == 32
    finally:
        configured.close()
    onnx.batch_size = 32
    assert np.allclose(onnx.encode(texts), by_default, atol=1e-5)
