"""The briefing window: local days in the configured time zone, and the store query behind it."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from index.briefing.types import ArticleItem
from index.briefing.window import select_items, time_zone, window
from index.models import ArticleIn

UTC = ZoneInfo("UTC")


def _item(day: date | None, when: datetime | None) -> ArticleItem:
    return ArticleItem("a", "t", "s", None, None, None, "a", day, when)


def test_a_dated_window_is_the_local_day_and_a_default_one_the_24_hours_before_now():
    win = window("2024-03-05", ZoneInfo("Europe/Paris"))
    assert (win.start.isoformat(), win.end.isoformat()) == (
        "2024-03-05T00:00:00+01:00",
        "2024-03-06T00:00:00+01:00",
    )
    assert win.contains(_item(None, datetime(2024, 3, 5, 22, 30, tzinfo=UTC)))  # 23:30 in Paris
    assert not win.contains(_item(None, datetime(2024, 3, 5, 23, 30, tzinfo=UTC)))  # 00:30 on the 6th there
    assert not win.contains(_item(None, win.end))  # the end of a dated window belongs to the next day
    assert win.contains(_item(date(2024, 3, 5), None)) and not win.contains(_item(None, None))
    now = datetime(2024, 3, 5, 9, 0, tzinfo=UTC)
    default = window(None, UTC, now)
    assert default.default and default.contains(_item(None, now))  # "now" itself is in the default window
    assert default.contains(_item(date(2024, 3, 4), None)) and not default.contains(
        _item(date(2024, 3, 3), None)
    )


def test_bad_dates_and_time_zones_are_one_sentence():
    with pytest.raises(ValueError, match="Not a date: 'yesterday'. Give it as YYYY-MM-DD."):
        window("yesterday", UTC)
    with pytest.raises(ValueError, match="Unknown time zone 'Mars/Olympus' \\(NEWSDESK_TIMEZONE\\)"):
        time_zone("Mars/Olympus")
    assert time_zone("").key == "UTC"


def test_items_come_with_their_local_day_scope_and_canonical_text(desk):
    text = ["The port reopened on Monday after a week of strikes, the harbour master said."]
    desk.ingest_articles(
        [
            ArticleIn(paragraphs=text, title="Port", source="Wire", date="2024-03-04", external_id="w"),
            ArticleIn(paragraphs=text, title="Port!", source="Daily", date="2024-03-04", external_id="copy"),
            ArticleIn(
                paragraphs=["Late news."],
                title="Late",
                source="Wire",
                date="2024-03-05",
                published_at="2024-03-05T02:00:00+00:00",
                external_id="late",
            ),
            ArticleIn(
                paragraphs=["Old news."], title="Old", source="Wire", date="2024-02-01", external_id="old"
            ),
        ]
    )
    desk.ingest_articles(
        [
            ArticleIn(
                paragraphs=["Guild news."], title="G", source="Guild", date="2024-03-04", external_id="g"
            )
        ],
        scope="42",
    )
    ny = ZoneInfo("America/New_York")
    items = {i.id: i for i in select_items(desk.store, date(2024, 3, 4), date(2024, 3, 4), ny, ("",))}
    assert set(items) == {"w", "copy", "late"}  # one stored day of margin each side; not the guild's article
    assert items["copy"].content_id == "w" and items["w"].content_id == "w"
    assert items["late"].local_day == date(2024, 3, 4)  # 21:00 on the 4th in New York
    assert "g" in {i.id for i in select_items(desk.store, date(2024, 3, 4), date(2024, 3, 4), ny, None)}
    assert [a.id for a in desk.store.articles_dated("2024-03-04", "2024-03-04", None, ["DAILY"])] == ["copy"]
