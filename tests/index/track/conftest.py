"""Articles for the tracked-question tests: a story about a new island ferry told by three outlets (one carries
another's text word for word), and an unrelated one. None of it is in the bundled corpus."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from index.models import ArticleIn
from index.service import Newsdesk

QUESTION = "How long does the ferry crossing to Gull Island take?"
DAY1 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
DAY1_LATER = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
DAY2 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def article(source: str, slug: str, title: str, *paragraphs: str, date: str = "2026-11-20") -> ArticleIn:
    host = source.lower().replace(" ", "")
    return ArticleIn(
        paragraphs=list(paragraphs),
        title=title,
        source=source,
        date=date,
        url=f"https://{host}.example/{slug}",
        origin=f"{host}:{slug}",
    )


FERRY = (
    "The new battery ferry to Gull Island made its first crossing on Monday morning with forty passengers.",
    "The ferry crossing to Gull Island now takes nineteen minutes, the harbour master said, against forty "
    "minutes on the old diesel boat.",
)


@pytest.fixture
def ferry() -> ArticleIn:
    return article("Coast Post", "ferry", "Battery ferry starts Gull Island service", *FERRY)


@pytest.fixture
def ferry_copy() -> ArticleIn:
    """The same wire text under another outlet and URL: a syndicated copy."""
    return article("Harbour Times", "wire-ferry", "Gull Island gets a battery ferry", *FERRY)


@pytest.fixture
def ferry_follow_up() -> ArticleIn:
    """The same outlet, the same story, later the same day, in other words."""
    return article(
        "Coast Post",
        "ferry-day-two",
        "Gull Island ferry busy on its second day",
        "Queues formed at the pier on Tuesday as islanders tried the battery ferry to Gull Island.",
        "The crossing to Gull Island takes nineteen minutes on the new ferry, and the operator added two extra "
        "sailings in the evening.",
    )


@pytest.fixture
def ferry_other_outlet() -> ArticleIn:
    """The same story from an outlet that has not carried it yet."""
    return article(
        "Island News",
        "quiet-ferry",
        "Islanders praise the quiet Gull Island ferry",
        "Passengers on the battery ferry to Gull Island praised how quiet the ride had become.",
        "The ferry crossing to Gull Island takes nineteen minutes, Captain Mary Quinn said, and the new ferry "
        "makes the crossing to Gull Island without a sound.",
    )


@pytest.fixture
def gulls() -> ArticleIn:
    return article(
        "Coast Post",
        "gulls",
        "Gull count falls for a third year",
        "Volunteers counted four hundred and twelve nesting gulls on the cliffs this autumn.",
        "The bird society blamed the warmer sea, which drives the sand eels into deeper water.",
    )


@pytest.fixture
def ferry_explainer() -> ArticleIn:
    """An explainer that asks the tracked question in its own words and answers it: the best new match there is."""
    return article(
        "Ferry Guide",
        "crossing-time",
        "How long does the Gull Island ferry crossing take?",
        "How long does the ferry crossing to Gull Island take? The ferry crossing to Gull Island takes nineteen "
        "minutes, the ferry operator said.",
    )


@pytest.fixture
def council() -> ArticleIn:
    """A passage about the ferry that does not say how long the crossing takes: related, far below an answer."""
    return article(
        "Island Gazette",
        "council",
        "Island council meets",
        "The island council will meet on Friday to discuss the harbour budget and the new ferry timetable for Gull "
        "Island.",
    )


@pytest.fixture
def news_dir(wikinews_dir: Path, tmp_path: Path) -> Path:
    """A data dir of its own holding the bundled Wikinews sample, so the question's term weights are those of a
    real corpus rather than of a handful of test articles."""
    path = tmp_path / "news"
    shutil.copytree(wikinews_dir, path)
    return path


@pytest.fixture
def desk(make_desk, news_dir: Path) -> Newsdesk:
    return make_desk(news_dir)
