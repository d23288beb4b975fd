"""``newsdesk backup`` while another process writes, and an answer from the restored copy (issue 26, item 7).

The backup is a real ``newsdesk backup`` process; the writer is this process ingesting the Wikinews sample article
by article (one commit each), and a second writer holds a write transaction open with an uncommitted article while
the backup runs. The copy must be a consistent snapshot: whole articles only, none of the uncommitted one.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
from pathlib import Path

from index.config import CoreSettings
from index.ingest.extract import articles_from_file
from index.service import Newsdesk
from index.store.health import last_backup
from tests.cli.conftest import newsdesk
from tests.conftest import WIKINEWS

PAUSE_AT = 30  # the writer waits here until the backup is done, so the backup surely runs mid-ingest


def test_backup_during_a_concurrent_ingest_answers_from_the_restored_copy(embedder, tmp_path: Path) -> None:
    data = tmp_path / "data"
    desk = Newsdesk.open(CoreSettings(data_dir=data), embedder=embedder)
    articles = list(articles_from_file(WIKINEWS))
    started, backed_up = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def ingest() -> None:
        try:
            for n, article in enumerate(articles, 1):
                if n == PAUSE_AT:
                    backed_up.wait(300)
                desk.ingest_articles([article])  # one article, one commit
                if n == 10:
                    started.set()
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)
            started.set()

    writer = threading.Thread(target=ingest)
    writer.start()
    try:
        assert started.wait(300) and not errors
        # a second writer in the middle of a transaction: its article is not committed during the backup
        other = sqlite3.connect(data / "newsdesk.db", timeout=60, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute(
            "INSERT INTO articles(id, key, title, source, content_hash, ingested_at) "
            "VALUES ('uncommitted', 'k', 'Never committed', 'Test', 'h', '2026-01-01')"
        )
        dest = tmp_path / "backups"
        dest.mkdir()
        done = newsdesk("backup", str(dest), "--json", "--data-dir", str(data))
        other.execute("ROLLBACK")
        other.close()
        assert done.returncode == 0, done.stderr
        taken = json.loads(done.stdout)
        assert writer.is_alive()  # the ingest was still going on while the copy was taken
    finally:
        backed_up.set()
        writer.join(600)
    assert not errors, errors
    assert desk.stats().articles == len(articles)
    desk.close()

    copy = Path(taken["dest"])
    assert last_backup(data)["path"] == str(copy)  # recorded: a damaged store's sentence names it
    restored = tmp_path / "restored"
    restored.mkdir()
    shutil.copy(copy, restored / "newsdesk.db")
    check = newsdesk("check", "--data-dir", str(restored))
    assert check.returncode == 0 and "is intact" in check.stdout, check.stderr

    back = Newsdesk.open(CoreSettings(data_dir=restored), embedder=embedder)
    try:
        stats = back.stats()
        assert 10 <= stats.articles < PAUSE_AT and stats.articles == taken["articles"]
        assert back.store.query("SELECT COUNT(*) FROM articles WHERE id = 'uncommitted'")[0][0] == 0
        rows = back.store.query(
            "SELECT a.n_paragraphs n, COUNT(p.id) got, COUNT(p.vector) vec FROM articles a "
            "LEFT JOIN paragraphs p ON p.article_id = a.id GROUP BY a.id"
        )
        assert all(r["n"] == r["got"] == r["vec"] for r in rows)  # whole articles only
        first = articles[0]
        answer = back.ask(first.title, k=3)
        assert answer.quotes and answer.quotes[0].title == first.title  # answered from the restored copy
    finally:
        back.close()
