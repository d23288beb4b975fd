"""What the briefing tests know about the bundled Wikinews sample."""

from __future__ import annotations

from index.models import Briefing, Story

# The tsunami articles of the sample, one per day: one story developing over a week.
TSUNAMI = {
    "2004-12-27": "wikinews-2004-12-27-027",
    "2004-12-28": "wikinews-2004-12-28-029",
    "2004-12-29": "wikinews-2004-12-29-032",
    "2004-12-31": "wikinews-2004-12-31-034",
    "2005-01-03": "wikinews-2005-01-03-037",
}


def story_of(briefing: Briefing, article_id: str) -> Story:
    return next(s for s in briefing.stories if article_id in s.article_ids)
