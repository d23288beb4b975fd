"""The store's schema is versioned: old data dirs are migrated in place, newer ones are refused."""

from __future__ import annotations

import sqlite3

import pytest

from index.store.articles import Store
from index.store.schema import SCHEMA_VERSION, V1, SchemaError


def _v1_database(path) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(V1)
    conn.execute(
        "INSERT INTO articles(id, key, title, source, content_hash, ingested_at) "
        "VALUES('a1', '|id:a1', 'Zebra news', 'Wire', 'h', '2024-01-01T00:00:00+00:00')"
    )
    conn.execute(
        "INSERT INTO paragraphs(article_id, ordinal, text, sentences, checksum) "
        "VALUES('a1', 1, 'A zebra escaped from the city zoo.', '[[0, 33]]', 'x')"
    )
    conn.commit()
    conn.close()


def test_a_version_1_database_is_migrated_with_its_lexical_index(tmp_path):
    path = tmp_path / "old.db"
    _v1_database(path)
    store = Store(path)
    try:
        assert store.query("PRAGMA user_version")[0][0] == SCHEMA_VERSION
        ids, _ = store.lexical_search(["zebra"], 5, None)
        assert ids.tolist() == [1]
        assert store.ids_without_vector().tolist() == [
            1
        ]  # no vector yet: the legacy import or reindex adds it
    finally:
        store.close()


def test_opening_twice_runs_each_migration_once(tmp_path):
    Store(tmp_path / "n.db").close()
    store = Store(tmp_path / "n.db")
    try:
        assert store.query("PRAGMA user_version")[0][0] == SCHEMA_VERSION
    finally:
        store.close()


def test_a_newer_database_is_refused_with_one_sentence(tmp_path):
    path = tmp_path / "new.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaError, match="newer Newsdesk"):
        Store(path)


def test_deleting_paragraphs_leaves_tombstones_for_the_caches(tmp_path):
    store = Store(tmp_path / "t.db")
    try:
        _, seq0 = store.positions()
        with store.transaction() as conn:
            conn.execute(
                "INSERT INTO articles(id, key, title, source, content_hash, ingested_at) "
                "VALUES('a', 'k', 't', 's', 'h', 'now')"
            )
            conn.execute(
                "INSERT INTO paragraphs(article_id, ordinal, text, sentences, checksum) VALUES('a',1,'x','[]','c')"
            )
        with store.transaction() as conn:
            gone = store.delete_paragraphs(conn, "a")
        last, ids = store.tombstones_after(seq0)
        assert ids.tolist() == gone and last > seq0
    finally:
        store.close()


def test_scoped_counts_see_only_their_scopes(wikinews_desk):
    assert wikinews_desk.stats(scopes=("999",)).articles == 0
    assert wikinews_desk.stats(scopes=("",)).articles == 41
