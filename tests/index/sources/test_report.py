"""What a poll did, summarised as counts (a poll of thousands of items is one sentence, not a list)."""

from __future__ import annotations

import json

from index.sources.report import FeedPollResult, FeedPollStatus, ItemOutcome, ItemStatus, PollReport


def _report() -> PollReport:
    items = [
        ItemOutcome("a", "http://x/a", "A", ItemStatus.ADDED, fetched=True),
        ItemOutcome("b", "http://x/b", "B", ItemStatus.DUPLICATE, "indexed as a copy", fetched=True),
        ItemOutcome("c", "http://x/c", "C", ItemStatus.FAILED, "HTTP 500"),
    ] + [ItemOutcome(f"d{i}", None, "D", ItemStatus.DEFERRED, "later") for i in range(4800)]
    busy = FeedPollResult(1, "http://x/feed", entries=4805, seen=2, items=items, deferred=4800)
    broken = FeedPollResult(2, "http://y/feed", FeedPollStatus.ERROR, "http://y/feed answered HTTP 500.")
    quiet = FeedPollResult(3, "http://z/feed", FeedPollStatus.NOT_MODIFIED, feed_http=304)
    return PollReport([busy, broken, quiet], seconds=12.34)


def test_the_report_counts_what_front_ends_summarise():
    r = _report()
    assert (r.added, r.skipped, r.failed, r.deferred, r.seen, r.pages_fetched) == (1, 1, 1, 4800, 2, 2)
    assert [f.feed_id for f in r.errors] == [2]
    data = json.loads(json.dumps(r.to_dict()))
    assert data["deferred"] == 4800 and data["feeds"][0]["items"][0]["status"] == "added"


def test_summary_is_one_sentence_of_counts():
    assert _report().summary() == (
        "1 article added from 3 feeds in 12.3 s, 1 skipped, 1 failed; 4,800 items deferred to later polls; "
        "1 of 3 feeds could not be polled."
    )
    assert PollReport().summary() == "No feeds due."


def test_each_feed_has_its_line():
    busy, broken, quiet = _report().feeds
    assert busy.summary() == (
        "#1 http://x/feed: 4,805 items, 2 seen before, 1 added, 1 copy of stories already indexed, 0 skipped, "
        "1 failed; 2 pages fetched; 4,800 items deferred to later polls"
    )
    assert broken.summary() == "#2 http://y/feed: FAILED: http://y/feed answered HTTP 500."
    assert "not modified since the last poll (HTTP 304)" in quiet.summary()
