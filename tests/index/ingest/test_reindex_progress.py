"""Reindex progress moves with every model batch (issue 26, item 5): a 3,074-paragraph rebuild read "0 / 3,074"
for 38 s because progress was only reported per 1,024-paragraph chunk. Asserted by granularity, not by time."""

from __future__ import annotations

from index.service import Newsdesk


def steps_of(calls: list[tuple[int, int]]) -> list[int]:
    done = [d for d, _ in calls]
    return [b - a for a, b in zip(done, done[1:], strict=False)]


def test_full_reindex_reports_every_model_batch(wikinews_desk: Newsdesk) -> None:
    calls: list[tuple[int, int]] = []
    report = wikinews_desk.reindex(progress=lambda done, total: calls.append((done, total)))
    assert not report.failed
    total = wikinews_desk.stats().paragraphs
    batch = wikinews_desk.embedder.batch_size
    assert calls[0] == (0, total) and calls[-1] == (total, total)
    assert all(t == total for _, t in calls)
    assert all(0 <= step <= batch for step in steps_of(calls)), calls  # never a silent chunk
    moving = sorted({d for d, _ in calls if 0 < d < total})
    assert len(moving) >= total // batch - 1 and moving, calls  # 162 paragraphs: 64, 128 on the way


def test_private_reindex_reports_every_model_batch(wikinews_desk: Newsdesk) -> None:
    desk = wikinews_desk
    with (
        desk.store.transaction() as conn
    ):  # as if one server had uploaded the sample: the private reindex's work
        conn.execute("UPDATE articles SET scope = '4242'")
    calls: list[tuple[int, int]] = []
    report = desk.reindex(progress=lambda done, total: calls.append((done, total)), scopes=("4242",))
    assert not report.failed
    total = desk.stats(("4242",)).paragraphs
    assert calls[0] == (0, total) and calls[-1][0] == total
    assert all(0 <= step <= desk.embedder.batch_size for step in steps_of(calls)), calls
    assert any(0 < d < total for d, _ in calls), calls
