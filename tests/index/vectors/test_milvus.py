"""The Milvus backend (milvus-lite, embedded; a real Milvus server process per database file): the same answers as
FAISS, catch-up across instances, deletions, filters inside Milvus, and one sentence for every failure."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from pymilvus import DataType, MilvusClient

from index.models import Filters, VectorBackendError
from index.vectors.milvus import MilvusIndex, collection_name
from index.vectors.milvus_expr import (
    MilvusConfig,
    day_number,
    filter_expression,
    outlet_in_milvus,
    outlet_key,
)
from tests.conftest import WIKINEWS

QUESTIONS = [
    "How many people died in the tsunami?",
    "Who won the election?",
    "What did the court decide?",
    "Which company announced layoffs?",
    "What happened at the football match?",
]


@pytest.fixture
def milvus_desk(make_desk, wikinews_dir, tmp_path, milvus_uri, milvus_collection):
    """A copy of the Wikinews data dir searched through Milvus (collections dropped afterwards)."""
    copy = tmp_path / "wikinews-milvus"
    shutil.copytree(wikinews_dir, copy)
    desk = make_desk(
        copy, vector_backend="milvus", milvus_uri=str(milvus_uri), milvus_collection=milvus_collection
    )
    yield desk
    _drop_all(str(milvus_uri), milvus_collection)


def _drop_all(uri: str, prefix: str) -> None:
    client = MilvusClient(uri)
    if prefix in client.list_aliases().get("aliases", []):
        client.drop_alias(prefix)
    for name in client.list_collections():
        if name.startswith(prefix + "_"):
            client.drop_collection(name)


def _top(index, desk, text: str, k: int = 10, **kw) -> list[int]:
    return index.search(desk.embedder.encode_query(text), k, **kw)[0].tolist()


def test_milvus_gives_the_same_top_ten_as_faiss(milvus_desk, wikinews_desk):
    mi = milvus_desk.search_index()
    assert isinstance(mi, MilvusIndex) and mi.index_type == "FLAT"
    assert len(mi) == len(wikinews_desk.search_index()) > 100
    for text in QUESTIONS:
        assert _top(mi, milvus_desk, text) == _top(wikinews_desk.search_index(), wikinews_desk, text)


def test_answers_are_the_same_with_either_backend(milvus_desk, wikinews_desk):
    q = QUESTIONS[0]
    by_milvus = [x.paragraph_id for x in milvus_desk.ask(q).quotes]
    by_faiss = [x.paragraph_id for x in wikinews_desk.ask(q).quotes]
    assert by_milvus and by_milvus == by_faiss


def test_a_second_instance_catches_up_from_the_recorded_position(milvus_desk, make_desk, tmp_path):
    first = milvus_desk.search_index()
    second = make_desk(
        milvus_desk.data_dir,
        vector_backend="milvus",
        milvus_uri=first.config.uri,
        milvus_collection=first.config.prefix,
    )
    assert second.search_index().position == first.position  # read from the store's meta: nothing re-read
    before = set(second.store.paragraph_ids().tolist())
    doc = tmp_path / "volcano.txt"
    doc.write_text(
        "Volcano erupts on Zorblax island\n\nThe Zorblax volcano erupted at dawn, officials said.\n"
    )
    report = second.ingest_paths([doc])
    assert report.added == 1
    new_ids = set(second.store.paragraph_ids().tolist()) - before
    assert new_ids
    assert second.search_index().position.last_id > first.position.last_id
    # the first instance (another process, sharing the Milvus server and the store) sees it on its next search
    hits = _top(milvus_desk.search_index(), milvus_desk, "Zorblax volcano eruption", 3)
    assert hits[0] in new_ids


def test_deleted_paragraphs_leave_milvus(milvus_desk):
    mi = milvus_desk.search_index()
    best = _top(mi, milvus_desk, QUESTIONS[0], 1)[0]
    article_id = milvus_desk.store.article_of([best])[best]
    with milvus_desk.store.transaction() as conn:
        gone = milvus_desk.store.delete_paragraphs(conn, article_id)
    before = len(mi)
    mi = milvus_desk.search_index()
    assert len(mi) == before - len(gone)
    assert not set(_top(mi, milvus_desk, QUESTIONS[0], 50)) & set(gone)


def test_date_and_scope_filters_run_inside_milvus(milvus_desk, wikinews_desk):
    mi = milvus_desk.search_index()
    filters = Filters(since="2005-01-01", scopes=("",))
    allowed = milvus_desk.store.allowed_paragraph_ids(filters)
    inside = _top(mi, milvus_desk, QUESTIONS[0], 10, filters=filters)
    assert inside == _top(wikinews_desk.search_index(), wikinews_desk, QUESTIONS[0], 10, allowed=allowed)
    assert set(inside) <= set(allowed.tolist())
    assert _top(mi, milvus_desk, QUESTIONS[0], 10, filters=Filters(scopes=("guild-1",))) == []


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def syndicated_dir(wikinews_dir, tmp_path, make_desk) -> Path:
    """Wikinews plus every case the store's outlet rule has: a syndicated copy of a Wikinews article from the
    Gazette (matching "gazette" only through the copy), the Gazette's own articles (one undated), a copy from the
    Courier filed in a server's scope, a server's own article, and an outlet with a non-ASCII capital."""
    copy = tmp_path / "syndicated"
    shutil.copytree(wikinews_dir, copy)
    desk = make_desk(copy)
    wiki = [json.loads(line) for line in WIKINEWS.read_text(encoding="utf-8").splitlines()]

    def again(row: dict, source: str, n: int) -> dict:
        return {**row, "id": f"copy-{n}", "source": source, "url": f"https://{source.lower()}.example/{n}"}

    def own(n: int, source: str, date: str | None, title: str, text: str) -> dict:
        return dict(
            id=f"own-{n}", source=source, date=date, title=title, text=text, url=f"https://o.example/{n}"
        )

    shared = [
        again(wiki[0], "Gazette", 1),
        own(2, "Gazette", "2005-01-02", "Tsunami toll rises", "The tsunami death toll rose again on Monday."),
        own(3, "Gazette", None, "Court rules on election", "The supreme court decided the election dispute."),
        own(4, "ÄRZTE Blatt", "2004-12-29", "Doctors report", "Doctors saw more patients after the floods."),
        own(7, 'The "Quoted" Post', "2005-01-04", "Layoffs", "The company announced layoffs of 200 workers."),
        own(8, "Gazette", "2004-12-29T10:00", "Late sitting", "The council sat until late in the evening."),
    ]
    report = desk.ingest_paths([_jsonl(tmp_path / "shared.jsonl", shared)])
    assert (report.added, report.duplicates) == (5, 1), report.to_dict()
    private = [
        again(wiki[5], "Courier", 5),
        own(
            6,
            "Courier",
            "2005-01-05",
            "Football club wins",
            "The home club won the football match on Sunday.",
        ),
    ]
    report = desk.ingest_paths([_jsonl(tmp_path / "private.jsonl", private)], scope="guild-1")
    assert (report.added, report.duplicates) == (1, 1), report.to_dict()
    return copy


FILTER_CASES = [
    Filters(as_of="2004-12-20"),
    Filters(since="2004-12-25", until="2005-01-03"),
    Filters(until="2004-11-30"),
    Filters(until="2004-12-29"),  # a stored "2004-12-29T10:00" sorts after the bound in SQL: excluded
    Filters(since="2004-12-29", as_of="2004-12-30"),
    Filters(source="Gazette"),  # its own articles and Wikinews's article it syndicated
    Filters(source="gAZETTE"),
    Filters(source="Courier"),  # its own (a server's) article and the shared one its copy points to
    Filters(source="Ärzte BLATT"),  # SQLite folds ASCII letters only: this matches "ÄRZTE Blatt"…
    Filters(source="ärzte blatt"),  # …and this does not
    Filters(source="Wikinews"),
    Filters(source='the "QUOTED" post'),  # a quote inside the Milvus string literal
    Filters(source="bad\x02outlet"),  # no Milvus literal: answered through the store's allowed ids
    Filters(scopes=("",)),
    Filters(scopes=("", "guild-1")),
    Filters(scopes=("guild-1",)),
    Filters(scopes=()),
    Filters(source="gazette", since="2004-12-01", scopes=("", "guild-1")),
    Filters(source="courier", as_of="2005-01-06", scopes=("",)),
    Filters(source="wikinews", since="2004-12-26", as_of="2005-01-04", scopes=("", "guild-1")),
]


def test_every_filter_runs_inside_milvus_with_the_stores_answer(
    syndicated_dir, make_desk, milvus_uri, milvus_collection, monkeypatch
):
    """``search(filters=f)`` alone (no allowed ids) equals FAISS exact search restricted to the store's allowed
    ids, for every filter kind; then again with the outlet answered by the post-filter fallback."""
    faiss_desk = make_desk(syndicated_dir)
    desk = make_desk(
        syndicated_dir,
        vector_backend="milvus",
        milvus_uri=str(milvus_uri),
        milvus_collection=milvus_collection,
    )
    try:
        mi, store = desk.search_index(), desk.store
        (canonical,) = [
            r[0] for r in store.query("SELECT duplicate_of FROM articles WHERE source='Gazette'") if r[0]
        ]
        through_copy = [p.id for p in store.article_paragraphs(canonical)]
        assert through_copy and store.syndicated_paragraph_ids("GAZETTE") == through_copy
        assert "id in" in filter_expression(Filters(source="gazette"), through_copy)
        seen = 0
        for ids_max in (2_000, 0):  # the outlet inside Milvus, then by the post-filter fallback
            monkeypatch.setattr("index.vectors.milvus.ID_LIST_MAX", ids_max)
            for f in FILTER_CASES:
                allowed = store.allowed_paragraph_ids(f)
                for text in QUESTIONS[:3]:
                    q = desk.embedder.encode_query(text)
                    got = mi.search(q, 10, filters=f)[0].tolist()
                    want = faiss_desk.search_index().search(q, 10, allowed)[0].tolist()
                    assert got == want, (f, text, ids_max)
                    assert len(got) == min(10, len(allowed))
                    seen += len(got)
        assert seen
    finally:
        _drop_all(str(milvus_uri), milvus_collection)


def test_allowed_ids_as_a_list_or_post_filtered_give_the_exact_answer(
    milvus_desk, wikinews_desk, monkeypatch
):
    mi = milvus_desk.search_index()
    allowed = np.asarray(sorted(milvus_desk.store.paragraph_ids().tolist())[::3], dtype=np.int64)
    exact = _top(wikinews_desk.search_index(), wikinews_desk, QUESTIONS[0], 10, allowed=allowed)
    assert _top(mi, milvus_desk, QUESTIONS[0], 10, allowed=allowed) == exact  # ``id in [...]``
    monkeypatch.setattr("index.vectors.milvus.ID_LIST_MAX", 5)
    assert _top(mi, milvus_desk, QUESTIONS[0], 10, allowed=allowed) == exact  # post-filter, grown top-k


def test_filter_expression_and_day_numbers():
    # a time after the day sorts after the bare day, as SQL compares the strings
    assert day_number("2024-03-05T10:00:00Z") == 2 * 20240305 + 1 and day_number("2024-03-05") == 2 * 20240305
    assert day_number(None) == -1 and day_number("March 5") == -1
    expr = filter_expression(Filters(until="2024-01-31", scopes=("", "42")))
    assert expr == '(day >= 0 and day <= 40480262) and scope in ["", "42"]'
    assert outlet_key("ÄRZTE Blatt") == "Ärzte blatt"  # SQLite's lower(): ASCII letters only
    assert outlet_in_milvus('O"Brien') and not outlet_in_milvus("a\x02b") and not outlet_in_milvus("x" * 600)
    expr = filter_expression(Filters(source='O"Brien', as_of="2024-02-01"), [7, 9])
    assert expr == '(outlet == "o\\"brien" or id in [7, 9]) and (day >= 0 and day < 40480402)'


def test_reindex_builds_aside_and_switches_the_alias(milvus_desk):
    old = milvus_desk.search_index()
    milvus_desk.reindex()
    new = milvus_desk.search_index()
    assert new.name != old.name and len(new) == len(old)
    client = new.client
    assert client.describe_alias(new.config.prefix)["collection_name"] == new.name
    assert not client.has_collection(old.name)
    assert _top(new, milvus_desk, QUESTIONS[0], 1)


def test_ivf_sq8_recall_at_10_against_exact_on_real_vectors(make_desk, wikinews_dir, tmp_path, milvus_uri):
    copy = tmp_path / "ivf"
    shutil.copytree(wikinews_dir, copy)
    desk = make_desk(
        copy, vector_backend="milvus", milvus_uri=str(milvus_uri), milvus_collection="t_ivf", exact_max=50
    )
    try:
        mi = desk.search_index()
        assert mi.index_type == "IVF_SQ8" and mi.nprobe > 0
        ids, vecs = desk.store.vectors(desk.store.paragraph_ids().tolist())
        rng = np.random.default_rng(0)
        queries = [desk.embedder.encode_query(q) for q in QUESTIONS]
        queries += list(
            vecs[rng.choice(len(vecs), 20, replace=False)] + rng.normal(0, 0.05, (20, vecs.shape[1]))
        )
        recall = []
        for q in queries:
            q = np.asarray(q, dtype=np.float32) / np.linalg.norm(q)
            exact = set(ids[np.argsort(-(vecs @ q), kind="stable")[:10]].tolist())
            recall.append(len(exact & set(mi.search(q, 10)[0].tolist())) / 10)
        assert np.mean(recall) >= 0.97
    finally:
        _drop_all(str(milvus_uri), "t_ivf")


def test_unreachable_server_is_one_sentence(wikinews_desk, make_desk):
    desk = make_desk(wikinews_desk.data_dir, vector_backend="milvus", milvus_uri="http://127.0.0.1:9")
    with pytest.raises(VectorBackendError, match=r"^Milvus at http://127.0.0.1:9 cannot be reached \("):
        desk.ask(QUESTIONS[0])


@pytest.mark.parametrize("level", ["session", "Bounded"])
def test_the_consistency_level_is_a_setting(level, milvus_desk, make_desk, milvus_uri, milvus_collection):
    desk = make_desk(
        milvus_desk.data_dir,
        vector_backend="milvus",
        milvus_uri=str(milvus_uri),
        milvus_collection=milvus_collection,
        milvus_consistency=level,
    )
    assert desk.search_index().config.consistency == level.capitalize()  # spelled as Milvus spells it
    assert _top(desk.search_index(), desk, QUESTIONS[0]) == _top(
        milvus_desk.search_index(), milvus_desk, QUESTIONS[0]
    )


def test_an_unknown_consistency_level_is_one_sentence(wikinews_desk, make_desk):
    desk = make_desk(wikinews_desk.data_dir, vector_backend="milvus", milvus_consistency="Eventually")
    with pytest.raises(
        VectorBackendError, match="^NEWSDESK_MILVUS_CONSISTENCY is 'Eventually': use Strong, "
    ):
        desk.ask(QUESTIONS[0])


def test_bad_backend_name_is_one_sentence(wikinews_desk, make_desk):
    desk = make_desk(wikinews_desk.data_dir, vector_backend="annoy")
    with pytest.raises(ValueError, match="NEWSDESK_VECTOR_BACKEND is 'annoy': use faiss or milvus"):
        desk.ask(QUESTIONS[0])


def test_a_collection_of_another_dimension_is_one_sentence(wikinews_desk, milvus_uri, milvus_collection):
    client = MilvusClient(str(milvus_uri))
    epoch = wikinews_desk.store.epoch()
    name = collection_name(milvus_collection, epoch)
    schema = MilvusClient.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vec", DataType.FLOAT_VECTOR, dim=8)
    client.create_collection(name, schema=schema)
    try:
        config = MilvusConfig(str(milvus_uri), prefix=milvus_collection)
        with pytest.raises(
            VectorBackendError, match=f"{name} holds 8-dimensional vectors but the model gives 384"
        ):
            MilvusIndex.open(config, wikinews_desk.store, 384, "m", epoch)
    finally:
        client.drop_collection(name)


def test_outage_during_a_question_then_catch_up_when_milvus_is_back(make_desk, wikinews_dir, tmp_path):
    from milvus_lite.server_manager import server_manager_instance

    uri = str(tmp_path / "own-milvus.db")  # a server of this test's own, so stopping it harms no other test
    copy = tmp_path / "outage"
    shutil.copytree(wikinews_dir, copy)
    desk = make_desk(copy, vector_backend="milvus", milvus_uri=uri, milvus_collection="outage")
    assert desk.ask(QUESTIONS[0]).quotes
    server_manager_instance.release_server(uri)  # Milvus goes away
    with pytest.raises(VectorBackendError, match="^Search is unavailable right now"):
        desk.ask(QUESTIONS[0])
    doc = tmp_path / "quake.txt"
    doc.write_text(
        "Quake shakes Quorvania\n\nA strong earthquake shook Quorvania on Monday, officials said.\n"
    )
    assert desk.ingest_paths([doc]).added == 1  # ingest needs only the store
    answer = desk.ask("Which country did the earthquake shake on Monday?")  # back: reconnects, catches up
    assert any("Quorvania" in q.text for q in answer.quotes)
    server_manager_instance.release_server(uri)


def test_the_cli_says_one_sentence_when_milvus_is_unreachable(wikinews_dir, tmp_path, monkeypatch, capsys):
    from cli.main import main

    copy = tmp_path / "cli"
    shutil.copytree(wikinews_dir, copy)
    monkeypatch.setenv("NEWSDESK_VECTOR_BACKEND", "milvus")
    monkeypatch.setenv("NEWSDESK_MILVUS_URI", "http://127.0.0.1:9")
    assert main(["ask", QUESTIONS[0], "--data-dir", str(copy)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Milvus at http://127.0.0.1:9 cannot be reached" in err[0]


def test_the_bot_shows_the_outage_sentence_not_a_traceback():
    from bot.errors import user_message

    error = VectorBackendError("Search is unavailable right now: the vector index (Milvus) does not answer.")
    assert user_message(error, "/ask") == str(error)


def test_another_deployment_on_the_same_alias_never_drops_our_collection(milvus_desk, make_desk, tmp_path):
    ours = milvus_desk.search_index()
    other = make_desk(
        tmp_path / "other",
        vector_backend="milvus",
        milvus_uri=ours.config.uri,
        milvus_collection=ours.config.prefix,
    )
    doc = tmp_path / "note.txt"
    doc.write_text(
        "Harbour reopens\n\nThe harbour reopened on Tuesday after repairs, the port authority said.\n"
    )
    assert other.ingest_paths([doc]).added == 1
    theirs = other.search_index()
    assert theirs.name != ours.name and len(theirs) == len(other.store.paragraph_ids()) > 0
    assert ours.client.has_collection(ours.name)  # their alias switch left our collection alone
    assert _top(milvus_desk.search_index(), milvus_desk, QUESTIONS[0], 1)


def test_a_reopened_ivf_collection_keeps_its_probes(milvus_desk, milvus_uri, milvus_collection):
    first = milvus_desk.search_index()
    config = MilvusConfig(str(milvus_uri), prefix=milvus_collection, exact_max=50)
    store, epoch = milvus_desk.store, milvus_desk.store.epoch()
    first.config = config
    first.count = first.config.exact_max + 1
    first._grow_index_if_due()  # the FLAT collection outgrew exact_max: IVF_SQ8 built on its rows
    assert first.index_type == "IVF_SQ8"
    again = MilvusIndex.open(config, store, first.dimension, first.model, epoch)
    assert (again.index_type, again.nprobe) == ("IVF_SQ8", first.nprobe) and again.nprobe > 0
    assert again.search(milvus_desk.embedder.encode_query(QUESTIONS[0]), 5)[0].tolist()


def test_a_milvus_lite_file_held_by_another_process_is_one_sentence(milvus_desk):
    """milvus-lite serves one process: a second process (here a real one) is told so, and how to share."""
    import subprocess
    import sys

    uri = milvus_desk.search_index().config.uri  # opened (and locked) by this test process
    code = (
        "from index.vectors.milvus_expr import MilvusConfig, connect\n"
        "from index.models import VectorBackendError\n"
        f"try:\n    connect(MilvusConfig({uri!r}))\nexcept VectorBackendError as exc:\n    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout
    assert f"The embedded Milvus database {uri} could not be opened" in out
    assert "milvus-lite serves one process at a time" in out


def test_a_call_failing_once_is_retried(monkeypatch):
    """A channel the server closed while idle (gRPC GOAWAY "too many pings", seen in a long test session)
    reconnects on the next call: one retry, then the failure propagates."""
    from index.vectors.milvus_expr import _retried

    monkeypatch.setattr("index.vectors.milvus_expr.RETRY_PAUSE", 0)
    calls: list[int] = []

    def flaky() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("UNAVAILABLE: too many pings")
        return 7

    assert _retried(flaky) == 7 and len(calls) == 2
    with pytest.raises(ValueError):
        _retried(lambda: int("not a number"))
