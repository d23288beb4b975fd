"""The feeds commands' output: a poll of a huge feed is summarised, not thousands of lines."""

from __future__ import annotations

from cli.feeds import MAX_ITEM_LINES, poll_lines
from index.sources.feeds import FeedPollResult, ItemOutcome


def test_a_long_deferred_list_is_summarised():
    items = [ItemOutcome(f"g{i}", None, f"Story {i}", "added") for i in range(200)]
    items += [
        ItemOutcome(f"d{i}", None, f"Later {i}", "deferred", reason="left for the next poll")
        for i in range(4800)
    ]
    result = FeedPollResult(1, "https://example.org/feed", "ok", entries=5000, items=items, deferred=4800)
    lines = poll_lines(result)
    assert len(lines) == 1 + MAX_ITEM_LINES + 1
    assert "4,800 items deferred to later polls" in lines[0]
    assert (
        lines[-1]
        == f"    … and {4800 - MAX_ITEM_LINES:,} items deferred to later polls (not listed one by one)"
    )


def test_a_short_report_lists_every_notable_item():
    items = [
        ItemOutcome("a", None, "Kept", "added"),
        ItemOutcome("b", None, "Copy", "duplicate", reason="same text as x"),
    ]
    lines = poll_lines(FeedPollResult(2, "https://example.org/f", "ok", entries=2, items=items))
    assert lines[1:] == ["    [duplicate] Copy: same text as x"]
    assert "1 copy of stories already indexed" in lines[0] and "2 items" in lines[0]
