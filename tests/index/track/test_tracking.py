"""Tracked questions on a real index (real model, SQLite, FTS5): what fires, once, for whom."""

from __future__ import annotations

import threading

import pytest

from index import track
from index.models import ArticleIn
from index.track import ledger

from .conftest import DAY1, DAY1_LATER, DAY2, QUESTION


def test_fires_once_across_two_instances_on_one_data_dir(make_desk, news_dir, ferry, gulls) -> None:
    data = news_dir
    bot, cron = make_desk(data), make_desk(data)  # two processes' worth of Newsdesk on one data dir
    tq = track.add(bot, QUESTION, now=DAY1)
    cron.ingest_articles([ferry, gulls])
    fired = track.check(cron, now=DAY1) + track.check(bot, now=DAY1) + track.check(cron, now=DAY1)
    assert [a.quote.source for a in fired] == ["Coast Post"]
    assert "nineteen minutes" in fired[0].quote.text
    assert [a.id for a in track.alerts(bot, tq.id)] == [fired[0].id]
    # the sequence moved for everyone: nothing is left to check
    assert track.get(bot, tq.id).last_seq == bot.store.positions()[0]


def test_concurrent_checks_record_one_alert(make_desk, news_dir, ferry) -> None:
    data = news_dir
    desks = [make_desk(data) for _ in range(3)]
    track.add(desks[0], QUESTION, now=DAY1)
    desks[0].ingest_articles([ferry])
    results: list[list] = []
    start = threading.Barrier(len(desks))

    def run(desk) -> None:
        start.wait()
        results.append(track.check(desk, now=DAY1))

    threads = [threading.Thread(target=run, args=(d,)) for d in desks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(len(r) for r in results) == [0, 0, 1]
    assert len(track.alerts(desks[0])) == 1


def test_syndicated_copies_collapse_into_one_alert_listing_every_outlet(desk, ferry, ferry_copy) -> None:
    track.add(desk, QUESTION, now=DAY1)
    report = desk.ingest_articles([ferry, ferry_copy])
    assert report.duplicates == 1
    (alert,) = track.check(desk, now=DAY1)
    assert alert.outlets == ["Coast Post", "Harbour Times"]
    assert [r.source for r in alert.quote.also_in] == ["Harbour Times"]
    row = alert.to_dict()
    assert (
        row["outlets"] == ["Coast Post", "Harbour Times"] and row["url"] == "https://coastpost.example/ferry"
    )
    # the quote is the stored paragraph's text, by its offsets
    para = desk.store.paragraphs([alert.quote.paragraph_id])[alert.quote.paragraph_id]
    assert para.text[alert.quote.start : alert.quote.end] == alert.quote.text


def test_a_story_alerts_again_the_same_day_only_for_a_new_outlet(
    desk, ferry, ferry_follow_up, ferry_other_outlet
) -> None:
    tq = track.add(desk, QUESTION, now=DAY1)
    desk.ingest_articles([ferry])
    (first,) = track.check(desk, now=DAY1)
    desk.ingest_articles([ferry_follow_up])  # same outlet, same story, same day: quiet
    assert track.check(desk, now=DAY1_LATER) == []
    desk.ingest_articles([ferry_other_outlet])  # a new outlet adds a new passage: alerts, as the same story
    (second,) = track.check(desk, now=DAY1_LATER)
    assert second.outlets == ["Island News"] and second.story_key == first.story_key
    assert [a.quote.source for a in track.alerts(desk, tq.id)] == ["Coast Post", "Island News"]


def test_the_same_outlet_alerts_again_on_another_day(desk, ferry, ferry_follow_up) -> None:
    track.add(desk, QUESTION, now=DAY1)
    desk.ingest_articles([ferry])
    assert len(track.check(desk, now=DAY1)) == 1
    desk.ingest_articles([ferry_follow_up])
    (again,) = track.check(desk, now=DAY2)
    assert again.quote.source == "Coast Post" and again.day == "2026-11-21"


def test_from_now_on_articles_stored_before_the_question_do_not_alert(desk, ferry, gulls) -> None:
    desk.ingest_articles([ferry])
    tq = track.add(desk, QUESTION, now=DAY1)
    desk.ingest_articles([gulls])
    assert track.check(desk, now=DAY1) == []
    assert track.test(desk, tq.id, now=DAY1) == []  # nothing unchecked answers it ...
    (would,) = track.test(desk, tq.id, everything=True, now=DAY1)  # ... the older article would have
    assert would.id is None and would.quote.source == "Coast Post"
    assert track.alerts(desk, tq.id) == []  # a test records nothing


def test_only_new_paragraphs_are_read(desk, ferry, gulls, monkeypatch) -> None:
    desk.ingest_articles([gulls])
    tq = track.add(desk, QUESTION, now=DAY1)
    desk.ingest_articles([ferry])
    asked: list[tuple[int, int]] = []
    original = desk.store.new_paragraph_ids

    def spy(after, upto, scopes, source):
        asked.append((after, upto))
        return original(after, upto, scopes, source)

    monkeypatch.setattr(desk.store, "new_paragraph_ids", spy)
    track.check(desk, now=DAY1)
    head = desk.store.positions()[0]
    assert asked == [(tq.last_seq, head)] and head - tq.last_seq == 2  # the ferry's two paragraphs only
    track.check(desk, now=DAY1)
    assert len(asked) == 1  # nothing new: nothing read


def test_a_server_sees_shared_articles_and_its_own_only(desk, ferry, ferry_other_outlet) -> None:
    alpha = track.add(desk, QUESTION, server="111", channel="5", now=DAY1)
    beta = track.add(desk, QUESTION, server="222", channel="6", now=DAY1)
    desk.ingest_articles([ferry], scope="222")  # Beta's private upload
    fired = track.check(desk, now=DAY1)
    assert [(a.tracked_id, a.channel_id) for a in fired] == [(beta.id, "6")]
    desk.ingest_articles([ferry_other_outlet])  # shared
    fired = track.check(desk, servers=["111"], now=DAY1)  # the bot of server 111 checks only its own
    assert [a.tracked_id for a in fired] == [alpha.id]
    assert ledger.tracked(desk.store, beta.id).last_seq < desk.store.positions()[0]


def test_source_filter_and_removal(desk, ferry, ferry_other_outlet) -> None:
    only_island = track.add(desk, QUESTION, source="island news", now=DAY1)
    gone = track.add(desk, QUESTION, now=DAY1)
    track.remove(desk, gone.id)
    desk.ingest_articles([ferry, ferry_other_outlet])
    fired = track.check(desk, now=DAY1)
    assert [(a.tracked_id, a.quote.source) for a in fired] == [(only_island.id, "Island News")]
    assert [t.id for t in track.list_tracked(desk)] == [only_island.id]


def test_bad_requests_are_one_sentence(desk) -> None:
    with pytest.raises(track.TrackError, match="empty"):
        track.add(desk, "   ")
    with pytest.raises(track.TrackError, match="--server"):
        track.add(desk, QUESTION, channel="5")
    with pytest.raises(track.TrackError, match="No tracked question #9"):
        track.remove(desk, "#9")
    track.add(desk, QUESTION, server="1", max_per_server=1)
    with pytest.raises(track.TrackError, match="already tracks 1"):
        track.add(desk, "Who runs the ferry?", server="1", max_per_server=1)
    other = track.add(desk, QUESTION, server="2", max_per_server=1)
    with pytest.raises(track.TrackError, match="No tracked question"):
        track.remove(desk, other.id, server="1")  # another server's question


def test_delivery_is_claimed_once(desk, ferry) -> None:
    track.add(desk, QUESTION, server="1", channel="5", now=DAY1)
    desk.ingest_articles([ferry])
    track.check(desk, now=DAY1)
    (mine,) = track.claim_deliveries(desk, ["1"], "bot-a", now=DAY1)
    assert track.claim_deliveries(desk, ["1"], "bot-b", now=DAY1) == []  # claimed by bot-a
    assert track.mark_delivered(desk, mine.id, "bot-a", "posted:99", now=DAY1)
    assert track.claim_deliveries(desk, ["1"], "bot-b", now=DAY2) == []  # delivered: never again


def test_a_replaced_article_does_not_repeat_a_passage_already_alerted(desk, ferry) -> None:
    track.add(desk, QUESTION, now=DAY1)
    desk.ingest_articles([ferry])
    (first,) = track.check(desk, now=DAY1)
    corrected = ArticleIn(
        **{**ferry.__dict__, "paragraphs": ["A corrected first paragraph.", ferry.paragraphs[1]]}
    )
    assert desk.ingest_articles([corrected]).replaced == 1  # new paragraph ids, the same answering passage
    assert first.quote.text in desk.store.article_paragraphs(first.quote.article_id)[1].text
    assert track.check(desk, now=DAY2) == []
