"""A full disk, a read-only data dir and a damaged store (issue 26, items 6 and 7): the work stops at the first
failed write with one sentence (what was stored, what not, what to do) and no traceback, and resumes once there is
room; a damaged store makes every command say so in one sentence naming the backup to restore.

A full disk is made two ways: SQLite's own limit (``PRAGMA max_page_count``: the store gets the very error a full
disk gives, ``SQLITE_FULL``), which runs everywhere, and a real 1.5 MB filesystem (tmpfs), which needs root.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from index.service import Newsdesk
from index.sources import feeds
from index.store.health import StoreUnwritable
from tests.cli.conftest import newsdesk
from tests.conftest import WIKINEWS
from tests.index.sources.loopback_news import NewsSite, load_records

UNLIMITED = 1073741823  # SQLite's largest max_page_count


def fill_up(desk: Newsdesk, spare_pages: int) -> None:
    """The disk is full after ``spare_pages`` more pages (the store's connection gets SQLITE_FULL past them)."""
    pages = desk.store.query("PRAGMA page_count")[0][0]
    desk.store.query(f"PRAGMA max_page_count = {pages + spare_pages}")


def free_space(desk: Newsdesk) -> None:
    desk.store.query(f"PRAGMA max_page_count = {UNLIMITED}")


def whole(desk: Newsdesk) -> None:
    """Nothing half-stored: every article has all its paragraphs, every paragraph its vector; SQLite agrees."""
    rows = desk.store.query(
        "SELECT a.id, a.n_paragraphs n, COUNT(p.id) got, COUNT(p.vector) vec FROM articles a "
        "LEFT JOIN paragraphs p ON p.article_id = a.id GROUP BY a.id"
    )
    assert all(r["n"] == r["got"] == r["vec"] for r in rows), [dict(r) for r in rows]
    assert desk.store.query("PRAGMA integrity_check")[0][0] == "ok"


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records]


def test_full_disk_stops_ingest_at_the_first_failure_and_resumes(make_desk, caplog) -> None:
    desk = make_desk()
    fill_up(desk, spare_pages=40)
    with caplog.at_level(logging.INFO), pytest.raises(StoreUnwritable) as stopped:
        desk.ingest_paths([WIKINEWS])
    stored = desk.stats().articles
    assert 0 < stored < 41
    sentence = str(stopped.value)
    assert stopped.value.kind == "full" and "\n" not in sentence
    assert "is full (database or disk is full)" in sentence
    assert f"{stored} articles were stored whole before it" in sentence  # what was stored
    assert "the article being stored and any after it were not" in sentence  # what was not
    assert "free some space there, then run the same command again" in sentence  # what to do
    no_tracebacks(caplog)
    attempts = [r for r in caplog.records if "storing" in r.getMessage()]
    assert attempts == []  # stopped at the first failure: the other articles were not tried one by one
    whole(desk)

    free_space(desk)
    report = desk.ingest_paths([WIKINEWS])
    assert (report.added, report.unchanged, len(report.failed)) == (41 - stored, stored, 0)
    whole(desk)
    assert desk.ask("How many people died in the tsunami?").quotes


def test_full_disk_stops_a_reindex_which_resumes_later(wikinews_desk: Newsdesk, caplog) -> None:
    desk = wikinews_desk
    before = desk.ask("earthquake death toll").quotes[0].paragraph_id
    fill_up(desk, spare_pages=30)
    with caplog.at_level(logging.INFO), pytest.raises(StoreUnwritable) as stopped:
        desk.reindex()
    sentence = str(stopped.value)
    kept = desk.store.query("SELECT COUNT(*) FROM reindex_vectors")[0][0]
    assert kept < 162  # one 1,024-paragraph chunk here: all of it or none is kept aside
    assert f"{kept} of 162 paragraphs were re-embedded and kept aside" in sentence
    assert "previous vectors stay in service" in sentence and "it resumes where it stopped" in sentence
    no_tracebacks(caplog)
    assert desk.ask("earthquake death toll").quotes[0].paragraph_id == before  # still answering

    free_space(desk)
    calls: list[tuple[int, int]] = []
    report = desk.reindex(progress=lambda done, total: calls.append((done, total)))
    assert not report.failed and calls[0] == (kept, 162)  # resumed where it stopped
    whole(desk)


@pytest.fixture
async def site():
    s = NewsSite()
    await s.start()
    yield s
    await s.stop()


async def test_full_disk_stops_a_poll_which_resumes_later(make_desk, site, caplog) -> None:
    desk = make_desk(allow_hosts="127.0.0.1")
    records = load_records()
    site.feed("/full.rss", "Full", [site.article(r) for r in records[:6]])
    await asyncio.to_thread(feeds.add_feed, desk, site.url("/full.rss"))
    fill_up(desk, spare_pages=6)
    with caplog.at_level(logging.INFO), pytest.raises(StoreUnwritable) as stopped:
        await feeds.poll(desk, force=True)
    assert "Stopped at the first failed write" in str(stopped.value)
    no_tracebacks(caplog)
    stored = desk.stats().articles
    assert stored < 6
    whole(desk)

    free_space(desk)
    report = await feeds.poll(desk, force=True)
    assert desk.stats().articles == 6 and report.added == 6 - stored
    whole(desk)


# -- a real tiny filesystem and a read-only one (root only: it mounts a tmpfs) -------------------------------------
@pytest.fixture
def tiny_fs(tmp_path: Path):
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1500k", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a 1.5 MB tmpfs here (needs root): {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def one_sentence(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_a_real_full_then_read_only_filesystem(tiny_fs: Path) -> None:
    data = tiny_fs / "data"
    first = newsdesk("ingest", str(WIKINEWS), "--data-dir", str(data))
    assert first.returncode == 1
    sentence = one_sentence(first.stderr)
    assert f"the disk holding {data} is full" in sentence and "were stored whole before it" in sentence
    second = newsdesk("ingest", str(WIKINEWS), "--data-dir", str(data))  # still full: one sentence again
    assert second.returncode == 1 and "unchanged" in one_sentence(second.stderr)
    stats = newsdesk("stats", "--json", "--data-dir", str(data))
    stored = int(stats.stdout.split('"articles": ')[1].split(",")[0])
    assert 0 < stored < 41
    check = newsdesk("check", "--data-dir", str(data))
    assert check.returncode == 0 and "is intact" in check.stdout

    subprocess.run(["mount", "-o", "remount,size=30m", str(tiny_fs)], check=True)  # space freed
    resumed = newsdesk("ingest", str(WIKINEWS), "--data-dir", str(data))
    assert resumed.returncode == 0, resumed.stderr
    assert f"added {41 - stored} · unchanged {stored}" in resumed.stdout

    subprocess.run(["mount", "-o", "remount,ro", str(tiny_fs)], check=True)
    extra = tiny_fs.parent / "extra.md"
    extra.write_text(
        "---\ntitle: A read-only day\nsource: Test\ndate: 2004-12-30\n---\n\nNothing can be written.\n"
    )
    refused = newsdesk("ingest", str(extra), "--data-dir", str(data))
    assert refused.returncode == 1
    assert f"{data} cannot be written" in one_sentence(refused.stderr)


# -- a damaged store -----------------------------------------------------------------------------------------------
COMMANDS = [
    ["stats"],
    ["sources"],
    ["ask", "tsunami"],
    ["briefing", "--date", "2004-12-28"],
    ["ingest", str(WIKINEWS)],
    ["reindex"],
    ["feeds", "list"],
    ["poll"],
    ["track", "list"],
    ["quotes", "--speaker", "Bush"],
    ["backup", "/tmp"],
]


def test_a_damaged_store_makes_every_command_say_so_naming_the_backup(
    wikinews_dir: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(wikinews_dir, data)
    backups = tmp_path / "backups"
    backups.mkdir()
    taken = newsdesk("backup", str(backups), "--data-dir", str(data))
    assert taken.returncode == 0, taken.stderr
    (copy,) = backups.iterdir()
    db = data / "newsdesk.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    with open(db, "r+b") as fh:  # truncated: what a full disk during a copy, or a bad restore, leaves
        fh.truncate(db.stat().st_size // 2)
    for argv in COMMANDS:
        done = newsdesk(*argv, "--data-dir", str(data))
        assert done.returncode == 1, (argv, done.stdout, done.stderr)
        sentence = one_sentence(done.stderr)
        assert f"The store {db} is damaged" in sentence, (argv, sentence)
        assert f"copying {copy} (taken " in sentence and f"over {db}" in sentence, (argv, sentence)
        assert f"sqlite3 {db} .recover | sqlite3 recovered.db" in sentence  # the last resort
    check = newsdesk("check", "--data-dir", str(data))
    assert check.returncode == 1 and "is damaged" in check.stderr and "Traceback" not in check.stderr

    shutil.copy(copy, db)  # restored as the sentence says
    for leftover in (data / "newsdesk.db-wal", data / "newsdesk.db-shm"):
        leftover.unlink(missing_ok=True)
    restored = newsdesk("check", "--data-dir", str(data))
    assert restored.returncode == 0 and "41 articles" in restored.stdout, restored.stderr
