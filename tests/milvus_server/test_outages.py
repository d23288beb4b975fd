"""What a deployment on a real Milvus server lives through: ``newsdesk reindex`` switching the alias while another
process asks, and the server SIGKILLed and restarted mid-run (questions get one sentence while it is down, ingest
keeps committing to the store, the collection catches up after)."""

from __future__ import annotations

import json

import pytest
from pymilvus import MilvusClient

from index.messages import say
from index.models import VectorBackendError

from .conftest import Asker, assert_collection_mirrors_store, found_by, newsdesk, write_articles
from .stories import stories

pytestmark = pytest.mark.milvus_server


def alias_target(uri: str, alias: str) -> str:
    client = MilvusClient(uri=uri, timeout=30)
    try:
        return str(client.describe_alias(alias)["collection_name"])
    finally:
        client.close()


def collections(uri: str, prefix: str) -> list[str]:
    client = MilvusClient(uri=uri, timeout=30)
    try:
        return sorted(n for n in client.list_collections() if n.startswith(prefix + "_"))
    finally:
        client.close()


def test_reindex_switches_the_alias_while_another_process_asks(env, data, open_desk, server, collection):
    question = "Who won the election?"
    desks = [open_desk(), open_desk()]  # two long-running processes' indexes: both switch to the new epoch
    expected = desks[0].ask(question).quotes[0].title
    assert desks[1].ask(question).quotes[0].title == expected
    old = alias_target(server.uri, collection)
    askers = [Asker(desk, question, expected) for desk in desks]
    for asker in askers:
        asker.start()
    try:
        done = newsdesk(env, "reindex")
    finally:
        for asker in askers:
            asker.finish(more=3)  # a few questions after the swap too: each switches to the new epoch
    assert done.returncode == 0, done.stderr
    new = alias_target(server.uri, collection)
    for asker in askers:
        assert asker.wrong == [], asker.wrong[:5]
        assert asker.searched == [old, new]  # answered from the old collection, then from the new one
    desk = desks[0]
    assert desk.ask(question).quotes[0].title == expected
    assert new != old and collections(server.uri, collection) == [new]  # the old epoch's collection dropped
    assert_collection_mirrors_store(server.uri, collection, data)


def test_the_server_killed_and_restarted_mid_run(env, data, open_desk, server, collection, tmp_path):
    desk = open_desk()
    before, during = stories(0, 1)[0], stories(1, 2)
    assert desk.ingest_paths([write_articles(tmp_path / "a.jsonl", [before.record(0)])]).added == 1
    assert found_by(desk.ask(before.question), before)

    server.kill()  # SIGKILL by process id, as a crash or an OOM kill would
    # a question while it is down: one sentence, here and in a new process
    with pytest.raises(VectorBackendError) as exc:
        desk.ask(before.question)
    assert str(exc.value) == say("milvus_unavailable")
    with pytest.raises(VectorBackendError) as exc:  # asked again: still the same sentence
        desk.ask(before.question)
    assert str(exc.value) == say("milvus_unavailable")
    asked = newsdesk(env, "ask", before.question)
    assert asked.returncode != 0 and asked.stdout == ""
    (line,) = asked.stderr.strip().splitlines()
    assert "Milvus" in line and "Traceback" not in asked.stderr
    # ingest keeps committing to the store: in this process and in another one
    assert desk.ingest_paths([write_articles(tmp_path / "b.jsonl", [during[0].record(1)])]).added == 1
    done = newsdesk(env, "ingest", str(write_articles(tmp_path / "c.jsonl", [during[1].record(2)])), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["added"] == 1

    server.start()  # the same data dir: what was flushed before the kill is served again
    for story in (before, *during):
        assert found_by(desk.ask(story.question), story), story.title
    asked = newsdesk(env, "ask", during[1].question, "--json")
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)["quotes"][0]["title"] == during[1].title
    assert_collection_mirrors_store(server.uri, collection, data)


class ReindexElsewhereFirst:
    """This process's model, except that its next query embedding first lets another process reindex and switch
    to the new collection: the search that follows is the one the other process's switch raced."""

    def __init__(self, embedder, other, question: str):
        self.embedder, self.other, self.question = embedder, other, question
        self.fired = False

    def __getattr__(self, name: str):
        return getattr(self.embedder, name)

    def encode_query(self, text: str):
        if not self.fired:
            self.fired = True
            self.other.reindex()
            self.other.ask(self.question)  # its switch drops the collection this process is about to search
        return self.embedder.encode_query(text)


def test_a_question_whose_collection_is_dropped_under_it_is_answered_from_the_new_one(
    open_desk, server, collection, embedder, data
):
    asking, other = open_desk(), open_desk()
    question = "Who won the election?"
    expected = asking.ask(question).quotes[0].title
    old = alias_target(server.uri, collection)
    hook = ReindexElsewhereFirst(embedder, other, question)
    asking._embedder = hook
    answer = asking.ask(question)
    assert hook.fired and collections(server.uri, collection) != [old]
    assert answer.quotes[0].title == expected
    assert asking._vectors.name == alias_target(server.uri, collection)
    assert_collection_mirrors_store(server.uri, collection, data)
