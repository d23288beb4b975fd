"""When the store cannot be written or read: a full disk, a read-only data dir, a damaged file.

Why: the store (``newsdesk.db``) is the one file that holds every article and vector. Before this module a full
disk made ``ingest`` print a traceback for every remaining article (and try each of them), and a truncated file made
every command print ``sqlite3.DatabaseError: database disk image is malformed``. Now:

* a write that fails because the disk is full, the data dir is read-only or the device refuses it stops the work
  at that first failure (``StoreUnwritable``): one sentence says what was stored, what was not, and what to do;
* a store that cannot be read (``StoreDamaged``) gets one sentence naming the last backup to restore
  (``newsdesk backup`` records it beside the store) and ``sqlite3 .recover`` as the last resort.

``store_error`` turns a low-level exception (``sqlite3.Error``, ``OSError``) into one of these, or returns None when
it is something else (a bug keeps its traceback). Every front end (CLI, bot) calls it; the core raises the two
classes where it knows what was stored.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import sqlite3
from pathlib import Path
from typing import Any

from index.messages import say

log = logging.getLogger(__name__)

STORE_FILE = "newsdesk.db"
BACKUP_RECORD = (
    "backups.json"  # beside the store: the last backup `newsdesk backup` took (read when it is damaged)
)

# SQLite's primary result codes (the low byte of an extended code).
SQLITE_READONLY, SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB = (
    8,
    10,
    11,
    13,
    14,
    26,
)
FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
READONLY_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}


class StoreProblem(Exception):
    """The store cannot be used as asked; ``str()`` is one sentence for people."""


class StoreUnwritable(StoreProblem):
    """A write failed (disk full, read-only, I/O error): the work stopped there; nothing is half-stored."""

    def __init__(self, sentence: str, kind: str):
        super().__init__(sentence)
        self.kind = kind  # "full", "readonly" or "io"


class StoreDamaged(StoreProblem):
    """The store file cannot be read: restore a backup."""


def failure_kind(exc: BaseException) -> str | None:
    """``full``, ``readonly``, ``io`` or ``damaged`` for a storage failure; None for anything else."""
    if isinstance(exc, StoreUnwritable):
        return exc.kind
    if isinstance(exc, StoreDamaged):
        return "damaged"
    if isinstance(exc, sqlite3.Error):
        code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
        text = str(exc).lower()
        if code == SQLITE_FULL or "disk is full" in text:
            return "full"
        if code == SQLITE_READONLY or "readonly database" in text:
            return "readonly"
        if code in (SQLITE_CORRUPT, SQLITE_NOTADB) or "malformed" in text or "not a database" in text:
            return "damaged"
        if code in (SQLITE_IOERR, SQLITE_CANTOPEN) or "disk i/o error" in text:
            return "io"
        return None
    if isinstance(exc, OSError) and exc.errno is not None:
        if exc.errno in FULL_ERRNOS:
            return "full"
        if exc.errno in READONLY_ERRNOS:
            return "readonly"
        if exc.errno == errno.EIO:
            return "io"
    return None


def is_store_failure(exc: BaseException) -> bool:
    """Whether ``exc`` is the store failing (stop the work now) rather than one bad input (go on)."""
    return failure_kind(exc) is not None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def store_error(
    exc: BaseException, data_dir: Path, done: str | None = None, then: str = ""
) -> StoreProblem | None:
    """The one-sentence error for a storage failure (``done``: what was stored before it; ``then``: what running
    the command again does), or None when ``exc`` is not one."""
    if isinstance(exc, StoreProblem):
        return exc
    kind = failure_kind(exc)
    if kind is None:
        return None
    if kind == "damaged":
        return StoreDamaged(damaged_sentence(data_dir, _reason(exc)))
    if kind == "io" and not _writable(Path(data_dir)):  # SQLite says "unable to open" on a read-only disk
        kind = "readonly"
    return unwritable(kind, _reason(exc), data_dir, done, then)


def _writable(data_dir: Path) -> bool:
    """Whether the data dir and its store can be written (``access`` reports a read-only mount even to root)."""
    db = data_dir / STORE_FILE
    return os.access(data_dir, os.W_OK) and (not db.exists() or os.access(db, os.W_OK))


def unwritable(
    kind: str, error: str, data_dir: Path, done: str | None = None, then: str = ""
) -> StoreUnwritable:
    where = Path(data_dir).resolve()
    sentence = say(
        "store_unwritable",
        why=say(f"store_why_{kind}", data_dir=where),
        error=error,
        done=done or say("store_done_generic"),
        todo=say(f"store_todo_{kind}", data_dir=where, then=then),
    )
    return StoreUnwritable(sentence, kind)


def ingest_done(report: Any) -> str:
    """What an ingest stopped by a failed write had stored (its ``IngestReport`` so far)."""
    stored = report.added + report.replaced + report.duplicates
    summary = say(
        "ingest_summary",
        added=report.added,
        unchanged=report.unchanged,
        replaced=report.replaced,
        duplicates=report.duplicates,
        failed=len(report.failed),
    )
    return say("store_done_ingest", stored=stored, summary=summary)


def reindex_done(store: Any) -> str | None:
    """What a stopped reindex kept, read back from the store: the vectors written aside so far."""
    try:
        kept = store.query("SELECT COUNT(*) n FROM reindex_vectors")[0]["n"]
        total = store.paragraph_count()
    except sqlite3.Error:
        return None
    return say("store_done_reindex", done=f"{kept:,}", total=total)


# -- the last backup, named when the store is damaged -------------------------------------------------------------
def last_backup(data_dir: Path) -> dict[str, Any] | None:
    """What ``newsdesk backup`` last recorded in ``data_dir`` (path, time, articles), if the file still exists."""
    try:
        record = json.loads((Path(data_dir) / BACKUP_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    last = record.get("last") if isinstance(record, dict) else None
    if not isinstance(last, dict) or not Path(str(last.get("path", ""))).is_file():
        return None
    return last


def record_backup(data_dir: Path, entry: dict[str, Any]) -> bool:
    """Remember the backup just taken (False, with a warning, when the data dir cannot be written)."""
    path = Path(data_dir) / BACKUP_RECORD
    try:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps({"last": entry}, indent=2) + "\n", encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        log.warning("the backup was taken but could not be recorded in %s (%s)", path, exc.strerror)
        return False
    return True


def damaged_sentence(data_dir: Path, error: str) -> str:
    db = (Path(data_dir) / STORE_FILE).resolve()
    backup = last_backup(data_dir)
    return say(
        "store_damaged",
        db=db,
        error=error,
        backup=backup["path"] if backup else None,
        taken=backup.get("at", "") if backup else "",
    )
