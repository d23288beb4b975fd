"""The FAISS cache's filter fields answer every filter exactly as the store's SQL does, and keep up with changes
made by another process (new paragraphs, syndicated copies that carry no paragraphs, deletions)."""

from __future__ import annotations

import numpy as np
import pytest

from index.models import ArticleIn, Filters
from index.vectors.facets import Allowed, Facets, NotExact
from index.vectors.faiss import VectorIndex

FILTERS = [
    Filters(as_of="2004-12-01"),
    Filters(since="2004-12-10"),
    Filters(until="2004-12-20"),
    Filters(since="2004-12-20", until="2004-12-21"),
    Filters(as_of="2004-12-21"),
    Filters(since="2004-12-01", until="2004-12-31"),
    Filters(source="wikinews"),
    Filters(
        source="GAZETTE"
    ),  # only a syndicated copy is from the Gazette: its canonical article's paragraphs
    Filters(source="Nonexistent Times"),
    Filters(scopes=("",)),
    Filters(scopes=("", "g1")),
    Filters(scopes=("g1",)),
    Filters(scopes=()),  # nothing in scope
    Filters(source="Local", scopes=("", "g1"), since="2004-01-01"),
    Filters(source="Gazette", as_of="2005-02-01", scopes=("", "g2")),
]


def _sql(desk, f: Filters) -> list[int]:
    ids = desk.store.allowed_paragraph_ids(f)
    return sorted(ids.tolist())


def _cache(desk, f: Filters) -> list[int]:
    allowed = desk.search_index().facets.allowed(f)  # the fields themselves: no fallback to SQL
    assert allowed is not None and allowed.count == len(allowed.ids())
    return allowed.ids().tolist()


@pytest.fixture
def mixed_desk(wikinews_desk):
    """Wikinews plus: a Gazette copy of a Wikinews article (no paragraphs of its own), a private article of server
    g1 from a local outlet, and an undated one."""
    first = wikinews_desk.store.article_rows()[0]
    paras = [p.text for p in wikinews_desk.context(_first_paragraph(wikinews_desk, first["id"]), 0, 50)[1]]
    report = wikinews_desk.ingest_articles(
        [ArticleIn(paras, "Copy", "Gazette", "2005-01-20", url="https://gazette.example/1")]
    )
    assert report.items[0].status.value == "duplicate", report.to_dict()
    wikinews_desk.ingest_articles(
        [
            ArticleIn(
                ["Flooding closed the river road for two days, the council said."],
                "Floods",
                "Local",
                "2004-12-05",
                url="https://local.example/1",
            )
        ],
        scope="g1",
    )
    wikinews_desk.ingest_articles(
        [
            ArticleIn(
                ["A statement without any date was issued."], "Undated", "Wire", url="https://wire.example/1"
            )
        ]
    )
    late = ArticleIn(["The council met late into the evening."], "Late", "Wire", "2004-12-20T21:30")
    late.url = "https://wire.example/2"
    wikinews_desk.ingest_articles([late])  # a date with a time: SQL sorts it after its bare day
    assert wikinews_desk.store.query("SELECT 1 FROM articles WHERE date = '2004-12-20T21:30'")
    return wikinews_desk


def _first_paragraph(desk, article_id: str) -> int:
    return int(desk.store.query("SELECT MIN(id) FROM paragraphs WHERE article_id=?", (article_id,))[0][0])


@pytest.mark.parametrize("f", FILTERS, ids=lambda f: str(f.describe() or "scopes=()"))
def test_every_filter_allows_what_sql_allows(mixed_desk, f):
    expected = _sql(mixed_desk, f)
    assert _cache(mixed_desk, f) == expected
    if f.source == "GAZETTE":
        assert expected, "the copy's canonical article must match its outlet"


def test_no_filter_is_none(mixed_desk):
    assert mixed_desk.search_index().allowed(Filters()) is None


def test_another_process_changes_are_seen(mixed_desk, make_desk):
    """A copy (no paragraphs), a new private article and a deletion by another desk on the same data dir."""
    before = _cache(mixed_desk, Filters(source="Herald"))
    assert before == []
    other = make_desk(mixed_desk.data_dir)
    second = mixed_desk.store.article_rows()[1]
    paras = [p.text for p in other.context(_first_paragraph(other, second["id"]), 0, 50)[1]]
    other.ingest_articles([ArticleIn(paras, "Copy", "Herald", "2005-01-21", url="https://herald.example/1")])
    other.ingest_articles(
        [
            ArticleIn(
                ["Second private note about the harbour."],
                "Harbour",
                "Local",
                "2004-12-06",
                url="https://local.example/2",
            )
        ],
        "g2",
    )
    gone = mixed_desk.store.article_rows()[2]["id"]
    with other.store.transaction() as conn:
        conn.execute("DELETE FROM articles WHERE id=?", (gone,))
    for f in [*FILTERS, Filters(source="herald"), Filters(scopes=("g2",))]:
        assert _cache(mixed_desk, f) == _sql(mixed_desk, f), f
    assert _cache(mixed_desk, Filters(source="herald"))


def test_fields_survive_the_cache_file(mixed_desk, make_desk):
    mixed_desk.search_index().save(mixed_desk.vector_dir)
    reopened = make_desk(mixed_desk.data_dir)
    vi = reopened.search_index()
    assert isinstance(vi, VectorIndex) and vi.facets.loaded
    for f in FILTERS:
        assert _cache(reopened, f) == _sql(reopened, f), f


def test_round_trip_keeps_every_field(mixed_desk):
    facets = mixed_desk.search_index().facets
    again = Facets.from_bytes(facets.to_bytes())
    assert again.article_ids == facets.article_ids and again.change_seq == facets.change_seq
    for name in ("day", "scope", "outlet", "copy_of"):
        assert np.array_equal(getattr(again, name), getattr(facets, name)[: len(facets.article_ids)])
    assert np.array_equal(again.para, facets.para)


def test_a_date_outside_the_rules_is_left_to_sql(mixed_desk):
    facets = mixed_desk.search_index().facets
    with pytest.raises(NotExact):
        facets.allowed(Filters(since="05/01/2004"))
    # the cache still answers, through the store
    assert mixed_desk.search_index().allowed(Filters(since="05/01/2004")) is not None


def test_filtered_search_uses_the_bitmap_and_matches_exact_search(mixed_desk):
    vi = mixed_desk.search_index()
    q = mixed_desk.embedder.encode_query("floods on the river road")
    for f in FILTERS:
        ids, _ = vi.search(q, 10, allowed=vi.allowed(f))
        allowed = set(_sql(mixed_desk, f))
        assert set(ids.tolist()) <= allowed
        exact, _ = vi.search(q, 10, allowed=np.asarray(sorted(allowed), dtype=np.int64))
        assert ids.tolist() == exact.tolist()


def test_allowed_from_ids_and_contains():
    a = Allowed.from_ids(np.asarray([2, 5, 7]))
    assert a.count == 3 and a.ids().tolist() == [2, 5, 7]
    assert a.contains(np.asarray([0, 2, 5, 8, 100, -1])).tolist() == [False, True, True, False, False, False]
