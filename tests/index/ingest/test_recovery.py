"""Several processes on one data dir, kill -9 mid-write, damaged cache files: nothing lost, nothing re-embedded.

Every test here runs real processes (``python -c``) against a real data dir: SQLite's locking, the cache file
and the catch-up are exercised exactly as a bot, a cron ``poll`` and an admin's CLI would exercise them.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from index.config import CoreSettings
from index.service import Newsdesk
from index.vectors.faiss import VectorIndex
from index.vectors.faiss_file import CACHE_FILE, read_header
from tests.conftest import ROOT, WIKINEWS

ENV = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}

# A child that ingests a JSONL file article by article, saying after each commit how many are stored.
INGEST_CHILD = textwrap.dedent(
    """
    import sys, time
    import index.ingest.write as ingest
    from index.config import CoreSettings, configure_runtime
    from index.service import Newsdesk

    configure_runtime()
    ingest.EMBED_CHUNK = int(sys.argv[3])      # small batches: many commits
    pause = float(sys.argv[4])
    real_commit = ingest.commit

    def commit(*a, **kw):
        item = real_commit(*a, **kw)
        print("COMMITTED", item.article_id, flush=True)
        time.sleep(pause)
        return item

    ingest.commit = commit
    desk = Newsdesk.open(CoreSettings(data_dir=sys.argv[1]))
    report = desk.ingest_paths([sys.argv[2]])
    print("DONE", report.added, flush=True)
    """
)


def _spawn(code: str, *args: object) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code, *map(str, args)], stdout=subprocess.PIPE, text=True, env=ENV
    )


def _halves(tmp_path: Path) -> tuple[Path, Path]:
    lines = WIKINEWS.read_text(encoding="utf-8").splitlines()
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text("\n".join(lines[::2]) + "\n", encoding="utf-8")
    b.write_text("\n".join(lines[1::2]) + "\n", encoding="utf-8")
    return a, b


def _vectorless(data: Path) -> int:
    conn = sqlite3.connect(data / "newsdesk.db")
    try:
        return conn.execute("SELECT COUNT(*) FROM paragraphs WHERE vector IS NULL").fetchone()[0]
    finally:
        conn.close()


def test_two_concurrent_ingests_lose_no_vector(tmp_path, embedder):
    data = tmp_path / "data"
    Newsdesk.open(CoreSettings(data_dir=data)).close()  # schema first, so both children only write
    a, b = _halves(tmp_path)
    children = [_spawn(INGEST_CHILD, data, a, 16, 0.05), _spawn(INGEST_CHILD, data, b, 16, 0.05)]
    outs = [c.communicate(timeout=600)[0] for c in children]
    assert all(c.returncode == 0 for c in children), outs
    desk = Newsdesk.open(CoreSettings(data_dir=data), embedder=embedder)
    try:
        stats = desk.stats()
        assert stats.articles == 41 and stats.vectors == stats.paragraphs > 100
        assert len(desk.search_index()) == stats.paragraphs  # the FAISS cache holds both processes' work
        assert desk.ask("How many people died in the tsunami?", k=3).quotes
    finally:
        desk.close()


def test_kill_9_mid_ingest_leaves_only_whole_articles(tmp_path, embedder):
    data = tmp_path / "data"
    child = _spawn(INGEST_CHILD, data, WIKINEWS, 4, 0.2)
    try:
        for _ in range(5):  # let five articles commit, then kill it mid-stream
            assert child.stdout.readline().startswith("COMMITTED")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    assert _vectorless(data) == 0  # no paragraph is stored without its vector
    desk = Newsdesk.open(CoreSettings(data_dir=data), embedder=embedder)
    try:
        before = desk.stats()
        assert 5 <= before.articles < 41 and before.vectors == before.paragraphs
        report = desk.ingest_paths([WIKINEWS])
        assert report.unchanged == before.articles and report.added == 41 - before.articles
        assert desk.stats().vectors == desk.stats().paragraphs
    finally:
        desk.close()


def test_a_reader_sees_another_process_article_without_restart(wikinews_desk, tmp_path):
    question = "Why did the harbour master of Port Elsewhere resign?"
    assert wikinews_desk.ask(question).no_answer
    article = tmp_path / "new.md"
    article.write_text(
        "---\ntitle: Harbour master resigns\nsource: Test Wire\ndate: 2005-01-20\n---\n"
        "The harbour master of Port Elsewhere resigned on Thursday after a ferry ran aground, "
        "saying he took full responsibility for the failed inspection of its engines.\n",
        encoding="utf-8",
    )
    child = _spawn(INGEST_CHILD, wikinews_desk.data_dir, article, 16, 0)
    out = child.communicate(timeout=600)[0]
    assert child.returncode == 0 and "DONE 1" in out, out
    answer = wikinews_desk.ask(question)  # the same open desk, no restart
    assert not answer.no_answer and answer.quotes[0].source == "Test Wire"


@pytest.mark.parametrize("damage", ["truncate", "body", "empty", "garbage"])
def test_damaged_vector_cache_is_rebuilt_not_fatal(wikinews_desk, embedder, damage, caplog):
    first = wikinews_desk.ask("How many people died in the tsunami?", k=3)
    data = wikinews_desk.data_dir
    wikinews_desk.close()
    cache = data / "index" / CACHE_FILE
    raw = cache.read_bytes()
    cut = {"truncate": raw[: len(raw) // 2], "body": raw[:-1000], "empty": b"", "garbage": b"\x00junk" * 50}
    cache.write_bytes(cut[damage])  # "body": the header whole, the streamed FAISS index cut short
    desk = Newsdesk.open(CoreSettings(data_dir=data), embedder=embedder)
    try:
        again = desk.ask("How many people died in the tsunami?", k=3)
        assert [q.paragraph_id for q in again.quotes] == [q.paragraph_id for q in first.quotes]
        assert any("damaged" in r.getMessage() for r in caplog.records)
        # the rebuilt cache replaced the damaged file (a saver reads only headers, and checks the length they give)
        assert read_header(cache)["count"] == len(VectorIndex.read(cache)) == desk.stats().vectors
    finally:
        desk.close()


def test_cli_stats_with_a_damaged_cache_prints_no_traceback(wikinews_desk):
    data = wikinews_desk.data_dir
    wikinews_desk.ask("tsunami", k=1)
    (data / "index" / CACHE_FILE).write_bytes(b"")
    for argv in (["stats", "--json"], ["ask", "tsunami", "-k", "1", "--json"]):
        proc = subprocess.run(
            [sys.executable, "-m", "cli", "--data-dir", str(data), *argv],
            capture_output=True,
            text=True,
            env=ENV,
            timeout=600,
        )
        assert proc.returncode == 0, proc.stderr
        assert "Traceback" not in proc.stderr
        json.loads(proc.stdout)


# A reindex that embeds slowly, so another process can ingest while it runs.
SLOW_REINDEX = textwrap.dedent(
    """
    import sys, time
    import index.ingest.write as ingest
    from index.config import CoreSettings, configure_runtime
    from index.embed.model import Embedder
    from index.service import Newsdesk

    configure_runtime()
    ingest.EMBED_CHUNK = 32
    real = Embedder.encode

    def slow(self, texts, progress=None):
        print("CHUNK", flush=True)
        time.sleep(0.3)
        return real(self, texts, progress)

    Embedder.encode = slow
    desk = Newsdesk.open(CoreSettings(data_dir=sys.argv[1]))
    report = desk.reindex()
    print("DONE", len(report.failed), flush=True)
    """
)


def test_ingest_during_reindex_is_kept(wikinews_desk, tmp_path, embedder):
    data = wikinews_desk.data_dir
    wikinews_desk.close()
    reindexer = _spawn(SLOW_REINDEX, data)
    assert reindexer.stdout.readline().startswith("CHUNK")
    article = tmp_path / "late.md"
    article.write_text(
        "---\ntitle: Late news\nsource: Test Wire\ndate: 2005-01-21\n---\n"
        "A lighthouse keeper on the island of Fairhaven reported a whale stranded on the northern beach.\n",
        encoding="utf-8",
    )
    ingester = _spawn(INGEST_CHILD, data, article, 16, 0)
    assert "DONE 1" in ingester.communicate(timeout=600)[0]
    out = reindexer.communicate(timeout=900)[0]
    assert reindexer.returncode == 0 and "DONE 0" in out, out
    desk = Newsdesk.open(CoreSettings(data_dir=data), embedder=embedder)
    try:
        stats = desk.stats()
        assert stats.articles == 42 and stats.vectors == stats.paragraphs
        answer = desk.ask("What did the lighthouse keeper on Fairhaven report?")
        assert not answer.no_answer and answer.quotes[0].source == "Test Wire"
    finally:
        desk.close()
    assert _vectorless(data) == 0
