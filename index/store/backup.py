"""``newsdesk backup`` and ``newsdesk check``: a consistent copy of the store while others write, and its check.

Why SQLite's online backup API and not a file copy: the bot, a cron ``poll`` and an admin's CLI keep writing the
store (WAL mode: the committed data lives partly in ``newsdesk.db-wal`` until a checkpoint), so copying
``newsdesk.db`` can catch a half-checkpointed file or miss the newest commits. ``Connection.backup`` copies every
page in one step inside one read transaction: a snapshot of the last commit, taken without blocking the writers
(WAL readers and writers do not wait for each other). The copy is written beside its destination, quick-checked,
then renamed into place, so a backup file is always whole; the store records where it went (``backups.json``), so a
damaged store's sentence can name it.
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from index.messages import say
from index.store.health import STORE_FILE, StoreDamaged, damaged_sentence, failure_kind, record_backup

BUSY_TIMEOUT_S = (
    120.0  # as the store's own: a reindex swap is the longest transaction a backup may wait behind
)
MAX_PROBLEMS = 20  # integrity_check rows read (SQLite would list up to 100)


@dataclass
class BackupResult:
    dest: Path
    bytes: int
    articles: int
    paragraphs: int
    seconds: float


@dataclass
class CheckResult:
    ok: bool
    problems: list[str] = field(default_factory=list)
    articles: int = 0
    paragraphs: int = 0
    vectors: int = 0


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    return conn


def backup_destination(data_dir: Path, dest: Path) -> Path:
    """A folder gets a time-stamped file inside it; a file path is used as given (its folder must exist)."""
    db = (Path(data_dir) / STORE_FILE).resolve()
    dest = Path(dest).expanduser()
    if dest.is_dir():
        dest = dest / f"newsdesk-{time.strftime('%Y%m%d-%H%M%S')}.db"
    if not dest.parent.is_dir():
        raise ValueError(say("cli_backup_dest_missing", parent=dest.parent))
    if dest.resolve() == db:
        raise ValueError(say("cli_backup_same_file", dest=dest))
    return dest


def backup(data_dir: Path, dest: Path) -> BackupResult:
    """Copy the store to ``dest`` with the online backup API (consistent while other processes write)."""
    data_dir = Path(data_dir)
    db = data_dir / STORE_FILE
    if not db.is_file():
        raise ValueError(say("cli_backup_no_store", data_dir=data_dir.resolve()))
    dest = backup_destination(data_dir, dest)
    started = time.monotonic()
    partial = dest.with_name(f".{dest.name}.{os.getpid()}.partial")
    src = _connect(db)
    try:
        out = sqlite3.connect(partial, isolation_level=None)
        try:
            src.backup(out)  # every page in one step: one read transaction, one snapshot
            quick = out.execute("PRAGMA quick_check").fetchone()[0]
            if quick != "ok":
                raise StoreDamaged(damaged_sentence(data_dir, f"the copy fails its quick check: {quick}"))
            articles = out.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
            paragraphs = out.execute("SELECT COUNT(*) FROM paragraphs").fetchone()[0]
            out.execute(
                "PRAGMA journal_mode = DELETE"
            )  # one self-contained file, nothing in a -wal beside it
        finally:
            out.close()
        with open(partial, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(partial, dest)
    except sqlite3.DatabaseError as exc:
        partial.unlink(missing_ok=True)
        if failure_kind(exc) == "damaged":
            raise StoreDamaged(damaged_sentence(data_dir, str(exc))) from exc
        raise
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        src.close()
    result = BackupResult(dest, dest.stat().st_size, articles, paragraphs, time.monotonic() - started)
    record_backup(
        data_dir,
        {
            "path": str(dest.resolve()),
            "at": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
            "articles": articles,
            "paragraphs": paragraphs,
        },
    )
    return result


def check_store(data_dir: Path) -> CheckResult:
    """SQLite's integrity check, the full-text index's own check and the foreign keys, then what the store holds.

    Read-only apart from FTS5's ``integrity-check`` command (which writes nothing); a file too damaged to open is
    reported as a problem, not raised."""
    db = Path(data_dir) / STORE_FILE
    if not db.is_file():
        raise ValueError(say("cli_backup_no_store", data_dir=Path(data_dir).resolve()))
    result = CheckResult(ok=False)
    conn = _connect(db)
    try:
        try:
            rows = [r[0] for r in conn.execute(f"PRAGMA integrity_check({MAX_PROBLEMS})")]
        except sqlite3.DatabaseError as exc:
            result.problems.append(str(exc))
            return result
        for row in rows:  # "*** in database main ***\nPage 31: btreeInitPage() returns error code 11\n…"
            result.problems += [
                line.strip() for line in str(row).splitlines() if line.strip() and "***" not in line
            ]
        result.problems = [p for p in result.problems if p != "ok"]
        try:
            conn.execute("INSERT INTO paragraph_terms(paragraph_terms) VALUES('integrity-check')")
        except sqlite3.DatabaseError as exc:
            if failure_kind(exc) not in ("readonly", "io"):  # a read-only store cannot run FTS5's check
                result.problems.append(f"full-text index: {exc}")
        bad_keys = conn.execute("PRAGMA foreign_key_check").fetchall()
        if bad_keys:
            result.problems.append(
                f"{len(bad_keys)} row(s) point at a missing row (first in table {bad_keys[0][0]})"
            )
        if not result.problems:
            result.articles = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
            result.paragraphs, result.vectors = conn.execute(
                "SELECT COUNT(*), COUNT(vector) FROM paragraphs"
            ).fetchone()
    except sqlite3.DatabaseError as exc:
        result.problems.append(str(exc))
    finally:
        conn.close()
    result.ok = not result.problems
    return result
