"""The bot with a full disk or a damaged store (issue 26, items 6 and 7): the admin is told the same one sentence
as the command line, and a bot that starts on a damaged store stops with that sentence, not a traceback."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from tests.bot.helpers import replies
from tests.bot.test_admin import ARTICLE, FERRY, ingest_file
from tests.bot.test_shutdown import bot_process


async def test_ingest_on_a_full_disk_tells_the_admin_what_was_stored(world) -> None:
    w, start = world
    bot = await start()
    emu = w.emu
    store = bot.desk.store
    pages = store.query("PRAGMA page_count")[0][0]
    store.query(f"PRAGMA max_page_count = {pages}")  # SQLite's own "database or disk is full" from now on
    msg = await ingest_file(emu, w.alpha, w.admin, "bridge.md", ARTICLE.encode())
    assert msg["flags"] & 64  # only the admin sees it
    text = msg["content"]
    assert text.startswith("Stopped at the first failed write: the disk holding ") and "is full" in text
    assert "0 articles were stored whole before it" in text and "free some space there" in text
    assert [a["result"] for a in bot.state.audit_log()] == ["error: StoreUnwritable"]

    store.query("PRAGMA max_page_count = 1073741823")  # space freed: the same upload now goes in
    msg = await ingest_file(emu, w.alpha, w.admin, "bridge.md", ARTICLE.encode())
    assert "added 1" in msg["content"]
    msg = await ingest_file(emu, w.alpha, w.admin, "ferry.md", FERRY.encode())
    assert "added 1" in msg["content"]


async def test_a_bot_started_on_a_damaged_store_says_so_in_one_sentence(world, tmp_path: Path) -> None:
    w, _ = world
    data = tmp_path / "data"  # the world's copy of the template index
    db = data / "newsdesk.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    with open(db, "r+b") as fh:
        fh.truncate(db.stat().st_size // 2)
    proc = await bot_process(w.emu, data, tmp_path)
    _, err = await asyncio.wait_for(proc.communicate(), 240)
    text = err.decode()
    assert proc.returncode == 2, text
    assert f"newsdesk: The store {db} is damaged" in text and "Traceback" not in text
    assert ".recover" in text
    token = None  # nothing was answered: the bot never connected to the gateway
    assert token is None and not w.emu.messages


async def test_a_question_on_a_damaged_store_gets_one_sentence(world, allow_errors) -> None:
    w, start = world
    bot = await start()
    emu = w.emu
    data = Path(bot.settings.data_dir)

    def damage() -> None:  # pages overwritten under the running bot (a disk fault)
        store = bot.desk.store
        store.query("PRAGMA wal_checkpoint(TRUNCATE)")
        with open(data / "newsdesk.db", "r+b") as fh:
            fh.seek(4096 * 8)
            fh.write(b"\xde\xad\xbe\xef" * 1024 * 200)
        store.query("PRAGMA cache_size = 0")

    await asyncio.to_thread(damage)
    token = await emu.slash("sources", w.alpha, w.admin)
    (msg,) = await replies(emu, token)
    assert "its store is damaged" in msg["content"] and msg["flags"] & 64
    assert any("is damaged" in r.getMessage() and ".recover" in r.getMessage() for r in allow_errors.records)
    assert not any(r.exc_info for r in allow_errors.records)  # the log has the sentence, not a traceback
