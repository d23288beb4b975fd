"""The briefing's time window: the requested local day (or the 24 hours before now) in the configured time zone,
and which stored articles fall into it.

An article's local day comes from ``published_at`` converted to the time zone when it has one, else from its stored
``date``; a date-only article counts for a default window when its day overlaps those 24 hours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date as Date
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from index.briefing.types import ArticleItem
from index.messages import say
from index.models import Article
from index.store.articles import Store

UTC = ZoneInfo("UTC")
DEFAULT_HOURS = 24  # without a date, a briefing covers the day just past, whatever the hour it is asked
# A publication time can move an article across midnight once converted to the time zone, so the store is asked
# for one stored day more on each side than the local days wanted.
MARGIN = timedelta(days=1)


@dataclass(frozen=True)
class Window:
    """The briefing's window, in its time zone; ``default`` when no date was given."""

    day: Date
    start: datetime
    end: datetime
    default: bool

    @property
    def first_day(self) -> Date:
        return self.start.date()

    @property
    def last_day(self) -> Date:
        return (self.end - timedelta(microseconds=1)).date()

    def contains(self, item: ArticleItem) -> bool:
        """Whether the article was published in the window (by its time, else by its day)."""
        if item.when is not None:
            return self.start <= item.when <= self.end if self.default else self.start <= item.when < self.end
        if item.local_day is None:
            return False
        return self.first_day <= item.local_day <= self.last_day


def time_zone(name: str) -> ZoneInfo:
    """The configured time zone; a name zoneinfo does not know is one sentence naming the setting."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(say("briefing_bad_timezone", name=name)) from exc


def window(date: str | None, tz: ZoneInfo, now: datetime | None = None) -> Window:
    """The local day ``date`` (``YYYY-MM-DD``) in ``tz``, or the ``DEFAULT_HOURS`` before ``now``."""
    if date:
        try:
            day = Date.fromisoformat(date[:10])
        except ValueError as exc:
            raise ValueError(say("briefing_bad_date", date=date)) from exc
        start = datetime(day.year, day.month, day.day, tzinfo=tz)
        return Window(day, start, start + timedelta(days=1), False)
    end = (now or datetime.now(tz)).astimezone(tz)
    return Window(end.date(), end - timedelta(hours=DEFAULT_HOURS), end, True)


def _timestamp(value: str | None, tz: ZoneInfo) -> datetime | None:
    """An ISO timestamp in ``tz`` (naive ones are UTC); None when absent or unreadable."""
    if not value:
        return None
    try:
        ts = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(tz)


def local_day(article: Article, tz: ZoneInfo) -> tuple[Date | None, datetime | None]:
    """(local day, publication time) of an article: from ``published_at`` when readable, else its ``date``."""
    ts = _timestamp(article.published_at, tz)
    if ts is not None:
        return ts.date(), ts
    try:
        return (Date.fromisoformat(article.date[:10]) if article.date else None), None
    except ValueError:
        return None, None


def select_items(
    store: Store, first: Date, last: Date, tz: ZoneInfo, scopes: Sequence[str] | None
) -> list[ArticleItem]:
    """The articles that may fall on the local days ``first``..``last``, each with its local day and time."""
    articles = store.articles_dated((first - MARGIN).isoformat(), (last + MARGIN).isoformat(), scopes)
    items = []
    for a in articles:
        day, when = local_day(a, tz)
        content_id = a.duplicate_of or a.id  # a syndicated copy shares its canonical article's paragraphs
        items.append(
            ArticleItem(a.id, a.title, a.source, a.date, a.published_at, a.url, content_id, day, when)
        )
    return items
