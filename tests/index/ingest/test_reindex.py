"""The server-private reindex: only one server's uploads are re-embedded, and every process's cache sees it."""

from __future__ import annotations

import numpy as np
import pytest

from index.config import MINILM_MODEL, CoreSettings
from index.models import Filters, IngestStatus
from index.service import Newsdesk
from index.vectors import ModelMismatch

ALPHA, BETA = "111", "222"
BRIDGE = (
    "---\ntitle: Harbour bridge reopens\nsource: Alpha Local\ndate: 2024-05-06\n---\n\n"
    "The harbour bridge reopened to traffic on Monday after eleven weeks of repairs to its cable anchors.\n\n"
    "The city engineer said the zinc coating of the new anchors should last forty years.\n"
)
FERRY = (
    "---\ntitle: Ferry timetable changes\nsource: Beta Daily\ndate: 2024-05-07\n---\n\n"
    "The island ferry will leave at half past six from June, an hour earlier than before.\n\n"
    "The operator said the change lets commuters reach the mainland before the first train.\n"
)
QUESTION = "How long should the zinc coating of the new anchors last?"


def blobs(desk: Newsdesk) -> dict[int, bytes]:
    return {r["id"]: r["vector"] for r in desk.store.query("SELECT id, vector FROM paragraphs")}


def scrambled(desk: Newsdesk, ids: list[int]) -> None:
    """Give these paragraphs wrong (random unit) vectors, the way every cache learns of it: what a re-embedding
    must repair."""
    rng = np.random.default_rng(7)
    vecs = rng.normal(size=(len(ids), desk.embedder.dimension)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    desk.store.replace_vectors(ids, vecs)


@pytest.fixture
def two_servers(wikinews_desk: Newsdesk) -> Newsdesk:
    assert wikinews_desk.ingest_bytes("bridge.md", BRIDGE.encode(), scope=ALPHA).added == 1
    assert wikinews_desk.ingest_bytes("ferry.md", FERRY.encode(), scope=BETA).added == 1
    return wikinews_desk


def test_only_the_servers_own_paragraphs_are_re_embedded(two_servers: Newsdesk) -> None:
    desk = two_servers
    alpha_ids = desk.store.private_paragraph_ids([ALPHA]).tolist()
    assert len(alpha_ids) == 2
    scrambled(desk, alpha_ids)
    before = blobs(desk)
    _, tomb0 = desk.store.positions()
    seen: list[tuple[int, int]] = []

    report = desk.reindex(progress=lambda d, t: seen.append((d, t)), scopes=("", ALPHA))

    after = blobs(desk)
    assert set(after) == set(before)  # no paragraph id changed
    changed = {pid for pid in after if after[pid] != before[pid]}
    assert changed == set(alpha_ids)  # the shared corpus and Beta's upload keep their exact bytes
    texts = desk.store.paragraph_texts(alpha_ids)
    expected = desk.embedder.encode([texts[pid] for pid in alpha_ids])
    got = np.stack([np.frombuffer(after[pid], dtype=np.float32) for pid in alpha_ids])
    assert np.allclose(got, expected, atol=1e-5)
    _, tomb1 = desk.store.positions()
    _, tombstoned = desk.store.tombstones_after(tomb0)
    assert sorted(tombstoned.tolist()) == sorted(alpha_ids) and tomb1 > tomb0
    assert [(i.status, i.title) for i in report.items] == [(IngestStatus.REINDEXED, "Harbour bridge reopens")]
    assert seen[0] == (0, 2) and seen[-1] == (2, 2)


def test_another_process_cache_catches_up_with_the_new_vectors(two_servers: Newsdesk, make_desk) -> None:
    desk = two_servers
    alpha_ids = desk.store.private_paragraph_ids([ALPHA]).tolist()
    scrambled(desk, alpha_ids)
    other = make_desk(desk.data_dir)  # a second process on the same data dir (the bot next to the CLI)
    alpha_only = Filters(scopes=("", ALPHA))
    assert len(other.search_index()) == desk.stats().vectors
    # with the scrambled vectors, dense search does not find Alpha's article
    assert not set(other.rank(QUESTION, "dense", n=3, filters=alpha_only)) & set(alpha_ids)

    desk.reindex(scopes=(ALPHA,))

    cache = other.search_index()  # caught up from the store's tombstones, not rebuilt
    assert len(cache) == desk.stats().vectors  # each vector once: removed, then read back
    stored = desk.store.vectors(alpha_ids)[1]
    assert np.allclose(cache.vectors(alpha_ids), stored, atol=1e-6)
    assert other.rank(QUESTION, "dense", n=1, filters=alpha_only)[0] in alpha_ids
    # and a third process opening the saved cache file later sees the same
    third = make_desk(desk.data_dir)
    assert np.allclose(third.search_index().vectors(alpha_ids), stored, atol=1e-6)


def test_a_server_without_uploads_re_embeds_nothing(two_servers: Newsdesk) -> None:
    desk = two_servers
    before, pos = blobs(desk), desk.store.positions()
    report = desk.reindex(scopes=("", "333"))
    assert report.items == [] and blobs(desk) == before and desk.store.positions() == pos
    assert desk.reindex(scopes=("",)).items == []  # the shared corpus alone is never "private"


def test_a_copy_is_reported_as_such(two_servers: Newsdesk) -> None:
    desk = two_servers
    copy = BRIDGE.replace("Alpha Local", "Alpha Weekly").replace("2024-05-06", "2024-05-07")
    assert desk.ingest_bytes("bridge-weekly.md", copy.encode(), scope=ALPHA).duplicates == 1
    report = desk.reindex(scopes=(ALPHA,))
    assert (report.reindexed, report.duplicates, len(report.failed)) == (1, 1, 0)


def test_a_model_change_needs_the_full_reindex(two_servers: Newsdesk) -> None:
    # Another encoder than the one the store's vectors came from (multilingual-e5-small, the default).
    other = Newsdesk.open(CoreSettings(data_dir=two_servers.data_dir, model=MINILM_MODEL))
    try:
        with pytest.raises(ModelMismatch):
            other.reindex(scopes=(ALPHA,))
    finally:
        other.close()
