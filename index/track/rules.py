"""Checking tracked questions against new paragraphs, the rules that make an alert fire once, and delivery.

``check`` runs in whichever process stored something (``newsdesk ingest``/``poll``/``reindex``, the bot's loop):

1. read the store's head (the highest paragraph id assigned; every id up to it is committed or rolled back);
2. for each active question behind the head, find the answering passages in (its sequence, head] (``match``);
3. in one write transaction: re-read its sequence (another process may have checked part of the range
   meanwhile: only ids above it count), drop passages already alerted word for word from the same article (a
   replaced article's paragraphs get new ids), apply the same-day story rule against the alert log, insert the
   alerts, and move the sequence to the head. Each paragraph is therefore judged once per question, across
   processes.

Same-day story rule: an alert's story is that of an earlier alert of the same question and day whose article
vector is within ``STORY_MIN`` (the briefing's story threshold); a passage of a story already alerted that day
fires only when it brings an outlet that story has not had yet.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from index.briefing.cluster import CLUSTER_MIN
from index.briefing.profiles import thresholds_for
from index.language import question_language
from index.track import ledger as tlog
from index.track.match import Found, TrackDesk, alert_floor, find
from index.track.models import Alert, Tracked

log = logging.getLogger(__name__)

STORY_MIN = (
    CLUSTER_MIN  # cosine of two article vectors of one story (measured for the briefing: notes/briefing.md)
)


@dataclass
class Clock:
    """When a check runs: the timestamp recorded and the day of the same-day rule (in the configured zone)."""

    now: datetime
    zone: ZoneInfo

    @property
    def stamp(self) -> str:
        return self.now.astimezone(ZoneInfo("UTC")).isoformat(timespec="seconds")

    @property
    def day(self) -> str:
        return self.now.astimezone(self.zone).date().isoformat()

    def minus(self, seconds: float) -> str:
        return (
            (self.now - timedelta(seconds=seconds)).astimezone(ZoneInfo("UTC")).isoformat(timespec="seconds")
        )


def story_floor(desk: TrackDesk) -> float:
    """The briefing's story threshold for the model whose vectors the store holds (``briefing.profiles``)."""
    return thresholds_for(desk.store.model_identity()[0]).cluster_min


def same_story(
    vector: np.ndarray | None, stories: list[tlog.LoggedStory], floor: float = STORY_MIN
) -> tlog.LoggedStory | None:
    """The day's alerted story this article belongs to (the closest one over ``floor``, the model's
    ``STORY_MIN``), if any."""
    if vector is None:
        return None
    best, best_sim = None, floor
    for s in stories:
        if s.vector is None:
            continue
        sim = float(np.dot(vector, s.vector))
        if sim >= best_sim:
            best, best_sim = s, sim
    return best


def decide(
    found: list[Found],
    stories: list[tlog.LoggedStory],
    tq: Tracked,
    clock: Clock,
    story_min: float = STORY_MIN,
) -> list[tuple[Alert, Found]]:
    """Which found passages fire, best first, given the day's alerts so far (``stories`` grows as they fire)."""
    fired: list[tuple[Alert, Found]] = []
    for f in found:
        story = same_story(f.vector, stories, story_min)
        if story is not None:
            seen = {o for s in stories if s.story_key == story.story_key for o in s.outlets}
            if set(f.outlets) <= seen:
                log.debug(
                    "tracked %s: %s is a story already alerted today by the same outlets",
                    tq.id,
                    f.quote.article_id,
                )
                continue
            key = story.story_key
        else:
            key = f"{clock.day}/{f.quote.article_id}"
        alert = Alert(
            tracked_id=tq.id,
            question=tq.question,
            quote=f.quote,
            outlets=f.outlets,
            story_key=key,
            day=clock.day,
            fired_at=clock.stamp,
            scope=tq.scope,
            channel_id=tq.channel_id,
            language=question_language(tq.question),
        )
        stories.append(tlog.LoggedStory(key, f.outlets, story.vector if story is not None else f.vector))
        fired.append((alert, f))
    return fired


def check_one(
    desk: TrackDesk, tq: Tracked, head: int, clock: Clock, floor: float | None = None
) -> list[Alert]:
    """Check one question against (its sequence, ``head``], record what fires, move its sequence to ``head``."""
    qvec = desk.embedder.encode_query(tq.question)
    found = find(desk, tq, qvec, tq.last_seq, head, alert_floor(desk) if floor is None else floor)
    out: list[Alert] = []
    with desk.store.transaction() as conn:
        last = tlog.last_seq(conn, tq.id)
        if last is None:  # removed meanwhile
            return []
        said = tlog.alerted_texts(conn, tq.id, [f.quote.article_id for f in found])
        found = [
            f for f in found if f.quote.paragraph_id > last and (f.quote.article_id, f.quote.text) not in said
        ]
        stories = tlog.stories_of_day(conn, tq.id, clock.day)
        for alert, f in decide(found, stories, tq, clock, story_floor(desk)):
            alert.id = tlog.insert_alert(conn, alert, f.vector)
            if alert.id is not None:
                out.append(alert)
        tlog.advance(conn, tq.id, head, clock.stamp)
    if out:
        log.info("tracked question %s fired %d alert(s)", tq.id, len(out))
    return out


def check(desk: TrackDesk, clock: Clock, scopes: list[str] | None = None) -> list[Alert]:
    """Every active question (of these servers; None = all) against the paragraphs stored since its last check."""
    head, _ = desk.store.positions()
    fired: list[Alert] = []
    started, checked = time.perf_counter(), 0
    for tq in tlog.active(desk.store, scopes):
        if tq.last_seq < head:
            fired += check_one(desk, tq, head, clock)
            checked += 1
    if checked:
        log.info(
            "checked %d tracked question(s) up to paragraph %d in %.2f s: %d alert(s)",
            checked,
            head,
            time.perf_counter() - started,
            len(fired),
        )
    return fired


def test(desk: TrackDesk, tq: Tracked, clock: Clock, everything: bool = False) -> list[Alert]:
    """What would fire now for ``tq``, recording nothing: its unchecked paragraphs (or all, ``everything``),
    judged against today's alert log as a check would."""
    head, _ = desk.store.positions()
    after = 0 if everything else tq.last_seq
    found = find(desk, tq, desk.embedder.encode_query(tq.question), after, head, alert_floor(desk))
    stories = tlog.stories_of_day(desk.store, tq.id, clock.day)
    return [alert for alert, _ in decide(found, stories, tq, clock, story_floor(desk))]
