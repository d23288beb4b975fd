"""The store's schema and its versioned migrations (``PRAGMA user_version`` says which have run).

Each migration moves the database from version ``n`` to ``n + 1`` inside one transaction, so a crash leaves either
the old or the new schema, never a mix; a newer database than this code knows is refused with one sentence.

Version 2 makes the store the only truth (the scale issue): every paragraph carries its vector, every deletion
leaves a tombstone that derived caches (the FAISS index) catch up from, and the lexical index is an FTS5 table
written in the same transaction as the paragraphs.

Version 3 adds tracked questions and their alert log (``index/track``): the log is shared by every process on the
data dir (bot, cron ``poll``, an admin's CLI), so "an alert fires once" holds across them.

Version 4 logs every change of an ``articles`` row (triggers), so the FAISS cache's filter fields (``facets.py``:
an article's day, scope, outlet and the copy it is of) catch up from the store like its vectors do, reading only
what changed, instead of asking SQL for every allowed paragraph id per question.

Version 5 creates the feed tables (``index/sources``) and the speaker tables (``index/speakers``) here, so every
table of the store is created by a migration, none on first use by its feature.

Version 6 records each article's language (``index/language.py``; NULL = unknown, which is what every article
stored before it is: the tokenizer treats unknown as it treated every text then, so its lexical terms stay valid).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable

from index.text import tokenize

log = logging.getLogger(__name__)


class SchemaError(RuntimeError):
    """The database was written by a newer Newsdesk, or a migration failed."""


V1 = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    date TEXT,
    published_at TEXT,
    url TEXT,
    author TEXT,
    scope TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL,
    duplicate_of TEXT REFERENCES articles(id) ON DELETE SET NULL,
    origin TEXT,
    title_derived INTEGER NOT NULL DEFAULT 0,
    n_paragraphs INTEGER NOT NULL DEFAULT 0,
    ingested_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_hash ON articles(content_hash);
CREATE INDEX IF NOT EXISTS articles_date ON articles(date);
CREATE INDEX IF NOT EXISTS articles_dup ON articles(duplicate_of);
CREATE TABLE IF NOT EXISTS paragraphs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    text TEXT NOT NULL,
    sentences TEXT NOT NULL,
    caption INTEGER NOT NULL DEFAULT 0,
    checksum TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS paragraphs_article ON paragraphs(article_id, ordinal);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

V2 = [
    "ALTER TABLE paragraphs ADD COLUMN vector BLOB",
    "CREATE TABLE tombstones (seq INTEGER PRIMARY KEY AUTOINCREMENT, paragraph_id INTEGER NOT NULL)",
    "CREATE VIRTUAL TABLE paragraph_terms USING fts5(terms, tokenize = 'unicode61')",
    "CREATE VIRTUAL TABLE paragraph_vocab USING fts5vocab(paragraph_terms, 'row')",
    """CREATE TRIGGER paragraphs_deleted AFTER DELETE ON paragraphs BEGIN
        DELETE FROM paragraph_terms WHERE rowid = old.id;
        INSERT INTO tombstones(paragraph_id) VALUES (old.id);
    END""",
    "CREATE INDEX articles_scope_date ON articles(scope, date)",
    # reindex writes the new vectors here, chunk by chunk (resumable), then swaps them in with one transaction
    "CREATE TABLE reindex_vectors (id INTEGER PRIMARY KEY, vector BLOB NOT NULL)",
]


V3 = [
    # A question asked again of every new paragraph. ``last_seq`` is the highest paragraph id already checked for
    # it (paragraph ids grow in commit order, so it is the store's sequence); ``scope`` '' = every article (CLI),
    # else a Discord server id (shared articles plus that server's own).
    """CREATE TABLE tracked (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        question TEXT NOT NULL,
        source TEXT,
        scope TEXT NOT NULL DEFAULT '',
        channel_id TEXT,
        created_at TEXT NOT NULL,
        created_by TEXT,
        active INTEGER NOT NULL DEFAULT 1,
        last_seq INTEGER NOT NULL DEFAULT 0,
        checked_at TEXT
    )""",
    "CREATE INDEX tracked_scope ON tracked(scope, active)",
    # One row per alert that fired. The quote is kept as fired (JSON), so the log outlives the article;
    # ``story_vector`` is the alerted article's vector (same-day story rule); delivery is claimed, then marked.
    """CREATE TABLE alerts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        tracked_id INTEGER NOT NULL REFERENCES tracked(id) ON DELETE CASCADE,
        paragraph_id INTEGER NOT NULL,
        article_id TEXT NOT NULL,
        story_key TEXT NOT NULL,
        day TEXT NOT NULL,
        outlets TEXT NOT NULL,
        quote TEXT NOT NULL,
        score REAL NOT NULL,
        story_vector BLOB,
        fired_at TEXT NOT NULL,
        claimed_by TEXT,
        claimed_at TEXT,
        delivered_at TEXT,
        delivery TEXT,
        UNIQUE(tracked_id, paragraph_id)
    )""",
    "CREATE INDEX alerts_day ON alerts(tracked_id, day)",
    "CREATE INDEX alerts_undelivered ON alerts(tracked_id) WHERE delivered_at IS NULL",
]


def lexical_text(text: str, title: str, title_derived: bool) -> str:
    """What the lexical index reads for a paragraph: the title, then the text (a derived title is the first
    sentence again, so it would count the lead twice)."""
    return text if title_derived else f"{title}\n{text}"


def terms_of(texts: list[str], lang: str | None = None) -> list[str]:
    """The FTS5 column for each text: our own tokens (stemmed, demonyms folded), space-joined."""
    return [" ".join(toks) for toks in tokenize(texts, lang)]


def _v0_to_v1(conn: sqlite3.Connection) -> None:
    # ``executescript`` would commit; one statement at a time keeps the migration in its transaction.
    for stmt in V1.split(";"):
        if stmt.strip():
            conn.execute(stmt)


def _v1_to_v2(conn: sqlite3.Connection) -> None:
    for stmt in V2:
        conn.execute(stmt)
    # The lexical index of paragraphs stored before version 2.
    last = 0
    while True:
        rows = conn.execute(
            "SELECT p.id, p.text, a.title, a.title_derived FROM paragraphs p JOIN articles a ON a.id = p.article_id "
            "WHERE p.id > ? ORDER BY p.id LIMIT 2000",
            (last,),
        ).fetchall()
        if not rows:
            break
        terms = terms_of([lexical_text(r[1], r[2], bool(r[3])) for r in rows])
        conn.executemany(
            "INSERT INTO paragraph_terms(rowid, terms) VALUES(?, ?)",
            [(r[0], t) for r, t in zip(rows, terms, strict=True)],
        )
        last = rows[-1][0]


def _v2_to_v3(conn: sqlite3.Connection) -> None:
    for stmt in V3:
        conn.execute(stmt)


V4 = [
    "CREATE TABLE article_changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, article_id TEXT NOT NULL)",
    """CREATE TRIGGER articles_inserted AFTER INSERT ON articles BEGIN
        INSERT INTO article_changes(article_id) VALUES (new.id);
    END""",
    """CREATE TRIGGER articles_updated AFTER UPDATE ON articles BEGIN
        INSERT INTO article_changes(article_id) VALUES (new.id);
        INSERT INTO article_changes(article_id) SELECT old.id WHERE old.id != new.id;
    END""",
    """CREATE TRIGGER articles_deleted AFTER DELETE ON articles BEGIN
        INSERT INTO article_changes(article_id) VALUES (old.id);
    END""",
]


def _v3_to_v4(conn: sqlite3.Connection) -> None:
    for stmt in V4:
        conn.execute(stmt)


# Version 5: the tables that were created on first use by their feature (feeds, speaker mentions), now created
# here like every other; ``IF NOT EXISTS`` because data dirs of earlier versions may already hold them.
V5 = [
    """CREATE TABLE IF NOT EXISTS feeds (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        url TEXT NOT NULL,
        scope TEXT NOT NULL DEFAULT '',
        every_seconds INTEGER NOT NULL DEFAULT 900,  -- 15 minutes
        title TEXT,
        etag TEXT,
        last_modified TEXT,
        last_polled TEXT,
        last_success TEXT,
        last_error TEXT,
        last_error_at TEXT,
        warning TEXT,
        added INTEGER NOT NULL DEFAULT 0,
        skipped INTEGER NOT NULL DEFAULT 0,
        failed INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        UNIQUE(url, scope)
    )""",
    """CREATE TABLE IF NOT EXISTS feed_items (
        feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        guid TEXT NOT NULL,
        link TEXT,
        title TEXT,
        status TEXT NOT NULL,
        reason TEXT,
        article_id TEXT,
        attempts INTEGER NOT NULL DEFAULT 1,
        seen_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (feed_id, guid)
    )""",
    "CREATE INDEX IF NOT EXISTS feed_items_link ON feed_items(link)",
    "CREATE TABLE IF NOT EXISTS speakers (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, key TEXT NOT NULL,"
    " mentions INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS speaker_mentions (paragraph_id INTEGER NOT NULL, speaker_id INTEGER NOT NULL,"
    " start INTEGER NOT NULL, end INTEGER NOT NULL, phrase TEXT NOT NULL,"
    " PRIMARY KEY (paragraph_id, speaker_id, start))",
    "CREATE INDEX IF NOT EXISTS speaker_mentions_speaker ON speaker_mentions(speaker_id, paragraph_id)",
]


def _v4_to_v5(conn: sqlite3.Connection) -> None:
    for stmt in V5:
        conn.execute(stmt)


def _v5_to_v6(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE articles ADD COLUMN language TEXT")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _v0_to_v1,
    _v1_to_v2,
    _v2_to_v3,
    _v3_to_v4,
    _v4_to_v5,
    _v5_to_v6,
]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database to ``SCHEMA_VERSION``; returns the version it had. Safe with concurrent openers: the
    version is re-read under the write lock, so two processes never run the same migration."""
    before = conn.execute("PRAGMA user_version").fetchone()[0]
    if before > SCHEMA_VERSION:
        raise SchemaError(
            f"This data dir was written by a newer Newsdesk (schema {before}, this one knows {SCHEMA_VERSION}): "
            "upgrade Newsdesk."
        )
    if before == SCHEMA_VERSION:
        return before
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for step in range(version, SCHEMA_VERSION):
            MIGRATIONS[step](conn)
            log.info("store schema migrated to version %d", step + 1)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return before
