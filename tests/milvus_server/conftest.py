"""Fixtures for the tests against a real Milvus server: the server (once per session, in a loopback-only network
namespace, SIGKILLed by process id at the end), a collection per test, data dirs, and ``newsdesk`` subprocesses.

These tests run under ``make milvus-test`` (pytest inside ``unshare --net --pid``). Under a plain ``make test`` the
process is in the host's network namespace, so ``milvus_server`` skips them with the reason; with
``NEWSDESK_MILVUS_TESTS=required`` (what ``make milvus-test`` sets in CI) the same reason fails them instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from pymilvus import MilvusClient

from index.service import Newsdesk
from index.store.articles import Store
from tests.conftest import ROOT

from .server import MilvusServer, why_not_here

REQUIRED = os.environ.get("NEWSDESK_MILVUS_TESTS", "") == "required"


@pytest.fixture(scope="session")
def milvus_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MilvusServer]:
    """The real Milvus 2.3.5 standalone server on 127.0.0.1:19530, for the session; always SIGKILLed by pid."""
    reason = why_not_here()
    if reason is not None:
        if REQUIRED:
            pytest.fail(f"NEWSDESK_MILVUS_TESTS=required but {reason}", pytrace=False)
        pytest.skip(reason)
    server = MilvusServer(tmp_path_factory.mktemp("milvus-server"))
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def server(milvus_server: MilvusServer) -> Iterator[MilvusServer]:
    """The session's server, running: a test that stopped it (the restart test) leaves it started again."""
    if not milvus_server.running:
        milvus_server.start()
    yield milvus_server
    if not milvus_server.running:
        milvus_server.start()


@pytest.fixture
def collection(request: pytest.FixtureRequest, server: MilvusServer) -> Iterator[str]:
    """This test's own alias (collection prefix) on the server; its collections are dropped afterwards."""
    prefix = "srv_" + "".join(ch if ch.isalnum() else "_" for ch in request.node.name)[:80]
    yield prefix
    if server.running:
        client = MilvusClient(uri=server.uri, timeout=30)
        if prefix in client.list_aliases().get("aliases", []):
            client.drop_alias(prefix)
        for name in client.list_collections():
            if name.startswith(prefix + "_"):
                client.drop_collection(name)
        client.close()


@pytest.fixture
def data(wikinews_dir: Path, tmp_path: Path) -> Path:
    """A data dir of this test's own holding the bundled Wikinews sample (its vectors stored, as ingest left them)."""
    path = tmp_path / "data"
    shutil.copytree(wikinews_dir, path)
    return path


@pytest.fixture
def env(server: MilvusServer, collection: str, data: Path) -> dict[str, str]:
    """The settings every process of the test shares: one data dir, one server, one collection."""
    return {
        "NEWSDESK_DATA_DIR": str(data),
        "NEWSDESK_VECTOR_BACKEND": "milvus",
        "NEWSDESK_MILVUS_URI": server.uri,
        "NEWSDESK_MILVUS_COLLECTION": collection,
        "NEWSDESK_ALLOW_HOSTS": "127.0.0.1",
    }


@pytest.fixture
def open_desk(make_desk, server: MilvusServer, collection: str, data: Path):
    """A long-running Newsdesk in this process (the session's model) on the test's data dir and collection."""

    def open_(**overrides) -> Newsdesk:
        settings = dict(vector_backend="milvus", milvus_uri=server.uri, milvus_collection=collection)
        settings.update(overrides)
        return make_desk(data, allow_hosts="127.0.0.1", **settings)

    return open_


def subprocess_env(env: dict[str, str]) -> dict[str, str]:
    return {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "PYTHONPATH": str(ROOT),
        **env,
    }


def newsdesk_argv(*argv: str) -> list[str]:
    return [sys.executable, "-m", "cli", *argv]


def newsdesk(env: dict[str, str], *argv: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """``newsdesk ARGV`` as a process of its own with the test's settings: exit status, stdout, stderr."""
    return subprocess.run(
        newsdesk_argv(*argv),
        capture_output=True,
        text=True,
        env=subprocess_env(env),
        timeout=timeout,
        cwd=ROOT.parent,  # no .env of the checkout's is read
    )


def write_articles(path: Path, articles: list[dict]) -> Path:
    path.write_text("".join(json.dumps(a) + "\n" for a in articles), encoding="utf-8")
    return path


def collection_contents(uri: str, alias: str) -> tuple[str, np.ndarray, np.ndarray]:
    """What the server holds behind ``alias``: the collection's name, its ids (sorted) and their vectors, read
    with Strong consistency by a client of its own."""
    client = MilvusClient(uri=uri, timeout=60)
    try:
        name = str(client.describe_alias(alias)["collection_name"])
        rows = client.query(
            name, filter="id >= 0", output_fields=["id", "vec"], limit=16_384, consistency_level="Strong"
        )
        (count,) = client.query(name, filter="", output_fields=["count(*)"], consistency_level="Strong")
    finally:
        client.close()
    rows.sort(key=lambda r: r["id"])
    ids = np.asarray([r["id"] for r in rows], dtype=np.int64)
    vecs = np.asarray([r["vec"] for r in rows], dtype=np.float32)
    assert int(count["count(*)"]) == len(ids), "count(*) disagrees with the rows the collection returns"
    return name, ids, vecs


def assert_collection_mirrors_store(uri: str, alias: str, data_dir: Path) -> int:
    """Every stored paragraph once in the collection, nothing else, each with exactly its stored vector (so
    nothing was re-embedded on the way): the store is the truth, the collection its copy. Returns the count."""
    _, ids, vecs = collection_contents(uri, alias)
    store = Store(data_dir / "newsdesk.db")
    try:
        stored = np.sort(store.paragraph_ids())
        assert len(np.unique(ids)) == len(ids), "a paragraph id twice in the collection"
        assert ids.tolist() == stored.tolist(), (
            f"collection {len(ids)} ids vs store {len(stored)}: missing {sorted(set(stored) - set(ids))[:10]}, "
            f"extra {sorted(set(ids) - set(stored))[:10]}"
        )
        got_ids, stored_vecs = store.vectors(ids.tolist(), vecs.shape[1])  # in the order asked
        assert got_ids.tolist() == ids.tolist()
        assert np.array_equal(stored_vecs, vecs), "a vector in the collection differs from the stored one"
    finally:
        store.close()
    return len(ids)


def found_by(answer, story) -> bool:
    """The answer's first quote is from ``story``'s article."""
    return bool(answer.quotes) and answer.quotes[0].title == story.title


class Asker(threading.Thread):
    """A long-running process's questions, asked back to back until stopped; every failure is kept."""

    def __init__(self, desk, question: str, expect: str):
        super().__init__(daemon=True)
        self.desk, self.question, self.expect = desk, question, expect
        self.stop = threading.Event()
        self.asked = 0
        self.wrong: list[str] = []
        self.searched: list[str] = []  # the collection each answer came from, in order, without repeats

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                answer = self.desk.ask(self.question)
                top = answer.quotes[0].title if answer.quotes else "(no answer)"
                if top != self.expect:
                    self.wrong.append(top)
                name = getattr(self.desk._vectors, "name", "")
                if not self.searched or self.searched[-1] != name:
                    self.searched.append(name)
            except Exception as exc:  # noqa: BLE001 - recorded; the test asserts there is none
                self.wrong.append(f"{type(exc).__name__}: {exc}")
            self.asked += 1

    def finish(self, more: int = 0, timeout: float = 120) -> None:
        """Stop after ``more`` further questions."""
        target, deadline = self.asked + more, time.monotonic() + timeout
        while self.asked < target and self.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.stop.set()
        self.join(timeout)
