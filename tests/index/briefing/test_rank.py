"""The briefing leads with the day's biggest story: ranking signals, weights, and the order on the Wikinews sample."""

from __future__ import annotations

from datetime import date

import pytest

from index.briefing import build_briefing
from index.briefing.rank import DAY_DECAY, importance, signals

from .wikinews import TSUNAMI

DAY = date(2024, 3, 5)

# The order an editor would give the sample's days: the tsunami, followed since the 27th, before the one-offs
# (the spam report, the asteroid that continues a fly-by of a week before, the Sensex record).
ORDER = {
    "2004-12-28": [TSUNAMI["2004-12-28"], "wikinews-2004-12-28-030"],
    "2004-12-29": [TSUNAMI["2004-12-29"], "wikinews-2004-12-29-031"],
    "2005-01-03": [TSUNAMI["2005-01-03"], "wikinews-2005-01-03-036"],
}


@pytest.mark.parametrize("day", sorted(ORDER))
def test_the_story_followed_for_days_leads_the_sample(wiki, day):
    b = build_briefing(wiki, date=day)
    assert [s.lead_article_id for s in b.stories] == ORDER[day], [s.headline for s in b.stories]
    lead = b.stories[0]
    assert lead.developing and lead.signals["articles_earlier"] > b.stories[1].signals["articles_earlier"]
    assert lead.score > b.stories[1].score
    assert b.to_dict()["stories"][0]["signals"] == lead.signals


def test_wider_coverage_outranks_a_novel_one_off():
    wide = signals([("CNN", DAY), ("USA Today", DAY), ("CNN", DAY)], [], DAY, 0.5, novelty=0.1)
    one_off = signals([("The Week", DAY)], [], DAY, 0.5, novelty=1.0)
    assert (wide.outlets_today, wide.articles_today) == (2, 3)
    assert importance(wide) > importance(one_off)


def test_a_story_carried_on_the_days_before_outranks_a_new_one_of_the_same_size():
    followed = signals(
        [("CNN", DAY)], [("CNN", date(2024, 3, 4)), ("USA Today", date(2024, 3, 3))], DAY, 0.5, 0.2
    )
    new = signals([("CNN", DAY)], [], DAY, 0.5, novelty=1.0)
    assert followed.days_covered == 3 and followed.outlets_earlier == 2
    assert followed.articles_earlier == pytest.approx(
        1 + DAY_DECAY
    )  # yesterday counts whole, the day before less
    assert importance(followed) > importance(new)


def test_novelty_only_breaks_a_tie():
    a = signals([("CNN", DAY)], [], DAY, 0.5, novelty=0.9)
    b = signals([("CNN", DAY)], [], DAY, 0.5, novelty=0.1)
    assert importance(a) > importance(b)
    bigger_but_familiar = signals([("CNN", DAY), ("CNN", DAY)], [], DAY, 0.5, novelty=0.0)
    assert importance(bigger_but_familiar) > importance(a)


def test_growing_and_fading_stories():
    growing = signals([("CNN", DAY)] * 3, [("CNN", date(2024, 3, 4))], DAY, 0.5, 0.3)
    fading = signals([("CNN", DAY)], [("CNN", date(2024, 3, 4))] * 3, DAY, 0.5, 0.3)
    assert growing.growth > 0 > fading.growth
    assert signals([("CNN", DAY)], [], DAY, 0.5, 1.0).growth == 0.0  # a new story neither grows nor fades
    # Fading needs the earlier articles to be this very story: a one-off beside a busier earlier *topic* does not.
    loose = signals([("CNN", DAY)], [("CNN", date(2024, 3, 4))] * 3, DAY, 0.5, 0.3, same_story=False)
    assert loose.growth == 0.0 and importance(loose) > importance(fading)
    assert (
        signals([("CNN", DAY)] * 3, [("CNN", date(2024, 3, 4))], DAY, 0.5, 0.3, same_story=False) == growing
    )
    # Articles dated today or later never count as "before"; undated ones are left out.
    assert signals([("CNN", DAY)], [("CNN", DAY), ("CNN", None)], DAY, 0.5, 1.0).articles_earlier == 0
