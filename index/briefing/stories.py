"""Daily briefing: the day's articles clustered into stories across outlets, ranked, each with verbatim quotes.

The stages, one module each (all from stored embeddings, nothing is re-embedded):

* ``window``: articles whose local publication day (``published_at`` in the configured time zone, else the stored
  ``date``) is the requested day; without a date, the 24 hours before now.
* ``content``: each article's vector, the lead-weighted mean of its stored paragraph vectors. A syndicated copy
  has no paragraphs of its own and shares its canonical article's vector (it joins that story as another outlet).
* ``cluster``: stories by average-linkage clustering of the day's article vectors (``Thresholds.cluster_min``:
  every cosine threshold is the store's model's, ``profiles.thresholds_for``).
* here: a story *continues* an article of the ``LOOKBACK_DAYS`` before when its centroid is close enough
  (``developing_threshold`` of the shorter text: two short texts of one story can share little), and *develops*
  when that article is the same story, not only its topic (the threshold of the two texts' mean length,
  ``_same_story``).
  Only a developing story says so: "Developing since" its earliest same-story day, "N in all", the "earlier:"
  links, a first quote that is new today, what changed. The ranking reads every continued article (a topic
  followed all week weighs, as an editor would weigh it), and growth below zero only for the same story
  (``rank``: outlets and articles today, the earlier days' articles, growth; recency and novelty only break
  ties), + topic relevance with a topic (``topic``). Then, without a topic, ``cluster.spread_topics``: a story
  whose centroid is at least ``Thresholds.same_topic`` close to one placed above it loses ``SAME_TOPIC_PENALTY``
  for its place (two elections, a story and the digest that leads with it); the lead never moves.
* ``quotes``: one to three sentence windows per story shown, cut from the stored paragraph by offsets and verified
  against a fresh read of it.

Method, thresholds and figures: ``notes/briefing.md``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date as Date
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from index.answer.spans import source_ref
from index.briefing.changes import changes
from index.briefing.cluster import cluster, developing_threshold, spread_topics
from index.briefing.content import load_contents
from index.briefing.profiles import Thresholds, thresholds_for
from index.briefing.quotes import candidates, choose_quotes, make_quote, verify_quotes
from index.briefing.rank import importance, signals
from index.briefing.topic import TOPIC_WEIGHT, TopicRelevance
from index.briefing.types import ArticleContent, ArticleItem, BriefingDesk
from index.briefing.window import Window, select_items, time_zone, window
from index.models import Briefing, Change, Quote, Story
from index.store.articles import Store

log = logging.getLogger(__name__)

LOOKBACK_DAYS = 7  # a story "develops" when it continues an article of the week before
PRIOR_ARTICLES = 5  # the closest earlier articles whose paragraphs tell what is not new today
# A developing story links this many of the earlier articles it continues (the closest first) as its background:
# a reader who meets the story today can read how it began (RTQA tuning half, top 3: 2 adds two questions of 30,
# more add none; notes/briefing.md).
BACKGROUND_ARTICLES = 2
UNKNOWN_RECENCY = 0.5  # date-only articles sit mid-window


@dataclass
class History:
    """The canonical texts of the ``LOOKBACK_DAYS`` before the window, each with its first day and articles."""

    contents: list[ArticleContent]
    first: dict[str, tuple[Date | None, list[ArticleItem]]]

    def matrix(self) -> np.ndarray | None:
        return np.stack([c.vector for c in self.contents]) if self.contents else None


@dataclass
class Built:
    """A ranked story before its quotes: the cluster's texts, centroid, and the earlier paragraphs it continues."""

    story: Story
    members: list[ArticleContent]
    centroid: np.ndarray
    prior: np.ndarray | None
    # the earlier texts it continues, latest first, each with the article that first carried it
    earlier: list[tuple[ArticleContent, ArticleItem]]
    thresholds: Thresholds  # the store's model's (``profiles.py``)
    # what ``rank.signals`` read besides the day: (outlet, local day) of its articles today and of every earlier
    # one it loosely continues, recency, novelty, whether those are the same story
    ranked_on: dict


def build_briefing(
    desk: BriefingDesk,
    date: str | None = None,
    topic: str | None = None,
    sources: Sequence[str] | str | None = None,
    top: int = 8,
    scopes: tuple[str, ...] | None = None,
    now: datetime | None = None,
) -> Briefing:
    """The briefing of ``date`` (local day in ``desk.settings.timezone``; default: the 24 hours before now)."""
    return quote_stories(desk, *ranked_stories(desk, date, topic, sources, top, scopes, now))


def quote_stories(desk: BriefingDesk, briefing: Briefing, built: list[Built]) -> Briefing:
    """``briefing`` with the first ``briefing.top`` of ``built`` (in that order) quoted, their changes read."""
    for b in built[: briefing.top]:
        # Quotes only for the stories shown: sentence scoring is the costly part of a briefing.
        b.story.quotes, dropped = _quotes(desk.store, b)
        briefing.dropped_unverified += dropped
        b.story.changes = _changes(desk.store, b)
        briefing.stories.append(b.story)
    return briefing


def ranked_stories(
    desk: BriefingDesk,
    date: str | None = None,
    topic: str | None = None,
    sources: Sequence[str] | str | None = None,
    top: int = 8,
    scopes: tuple[str, ...] | None = None,
    now: datetime | None = None,
) -> tuple[Briefing, list[Built]]:
    """The briefing's frame (window, counts; no stories yet) and every story kept (outlets, topic), in the
    briefing's order, before quotes.

    ``build_briefing`` quotes the first ``top`` (``quote_stories``); the ranking's tuner
    (``bench/tune_briefing_rank.py``) quotes them all and re-orders them from what each one's ranking read
    (``Built.ranked_on``, ``Built.centroid``), from one clustering of the day."""
    tz = time_zone(desk.settings.timezone)
    win = window(date, tz, now)
    top = max(1, int(top))
    topic = " ".join(topic.split()) if topic else None
    wanted = _sources_list(sources)
    today_items, earlier_items = _items(desk.store, win, tz, scopes, wanted)
    briefing = Briefing(
        date=win.day.isoformat(),
        timezone=str(tz.key),
        window_start=win.start.isoformat(timespec="seconds"),
        window_end=win.end.isoformat(timespec="seconds"),
        topic=topic,
        sources=wanted,
        top=top,
        n_articles=len(today_items),
        default_window=win.default,
    )
    if not today_items:
        return briefing, []
    today, history = _contents(desk, today_items, earlier_items)
    if not today:
        return briefing, []
    t = thresholds_for(desk.store.model_identity()[0])
    built = _stories(desk, today, history, win, topic, scopes, t)
    briefing.n_stories = len(built)
    return briefing, built


def _sources_list(sources: Sequence[str] | str | None) -> list[str] | None:
    """``["CNN,USA Today", "The Week"]`` (repeated or comma-separated) -> ``["CNN", "USA Today", "The Week"]``."""
    if not sources:
        return None
    if isinstance(sources, str):
        sources = [sources]
    out = [s.strip() for chunk in sources for s in chunk.split(",") if s.strip()]
    return list(dict.fromkeys(out)) or None


def _items(
    store: Store, win: Window, tz: ZoneInfo, scopes: tuple[str, ...] | None, wanted: list[str] | None
) -> tuple[list[ArticleItem], list[ArticleItem]]:
    """The window's articles (of the wanted outlets) and the articles of the ``LOOKBACK_DAYS`` before it."""
    look_from = win.first_day - timedelta(days=LOOKBACK_DAYS)
    all_items = select_items(store, look_from, win.last_day, tz, scopes)
    today = [i for i in all_items if win.contains(i)]
    if wanted:
        lower = {s.lower() for s in wanted}
        today = [i for i in today if i.source.lower() in lower]
    ids = {i.id for i in today}
    earlier = [
        i
        for i in all_items
        if i.id not in ids and i.local_day is not None and look_from <= i.local_day < win.first_day
    ]
    return today, earlier


def _contents(
    desk: BriefingDesk, window_items: list[ArticleItem], earlier_items: list[ArticleItem]
) -> tuple[list[ArticleContent], History]:
    """The window's canonical texts (each carrying its window articles) and the earlier days' ones."""
    contents = load_contents(
        desk, [i.content_id for i in window_items] + [i.content_id for i in earlier_items]
    )
    today: dict[str, ArticleContent] = {}
    for item in window_items:
        content = contents.get(item.content_id)
        if content is None:
            log.warning("briefing: article %s has no indexed paragraphs; left out", item.id)
            continue
        content.items.append(item)
        today.setdefault(content.id, content)
    first: dict[str, tuple[Date | None, list[ArticleItem]]] = {}
    for item in earlier_items:
        if item.content_id in today or item.content_id not in contents:
            continue
        day_seen, its = first.get(item.content_id, (None, []))
        if item.local_day is not None and (day_seen is None or item.local_day < day_seen):
            day_seen = item.local_day
        first[item.content_id] = (day_seen, its + [item])
    return list(today.values()), History([contents[cid] for cid in sorted(first)], first)


def _stories(
    desk: BriefingDesk,
    today: list[ArticleContent],
    history: History,
    win: Window,
    topic: str | None,
    scopes: tuple[str, ...] | None,
    t: Thresholds,
) -> list[Built]:
    """The day's stories in the briefing's order: by importance, then spread by topic (``spread_topics``); with a
    topic, only the stories about it, by importance and relevance (a topic's briefing is one topic by design)."""
    groups = cluster(np.stack([c.vector for c in today]), t.cluster_min)
    relevance = TopicRelevance.of(desk, topic, win, scopes) if topic else None
    earlier = history.matrix()
    built = []
    for group in groups:
        b = _story([today[n] for n in group], history, earlier, win, t)
        if relevance is not None:
            rel = relevance.score(b.members, b.story.article_ids, t)
            if rel is None:
                continue
            b.story.score += TOPIC_WEIGHT * rel
        built.append(b)
    built.sort(key=lambda b: (-b.story.score, b.story.headline, b.story.lead_article_id))
    for b in built:
        b.story.signals["same_topic_above"] = 0.0  # set below when the spread reads it
    if relevance is not None or len(built) < 2:
        return built
    order, top_sim = spread_topics(
        [b.story.score for b in built], np.stack([b.centroid for b in built]), t.same_topic
    )
    for i, b in enumerate(built):
        b.story.signals["same_topic_above"] = round(top_sim[i], 4)
    return [built[i] for i in order]


def _lead_item(content: ArticleContent) -> ArticleItem:
    """The window article that carries a text: the canonical itself when it is in the window, else a copy."""
    return next((i for i in content.items if i.id == content.id), content.items[0])


def _story(
    members: list[ArticleContent], history: History, earlier: np.ndarray | None, win: Window, t: Thresholds
) -> Built:
    """The story of one cluster, ranked, without quotes."""
    vecs = np.stack([c.vector for c in members])
    centroid = vecs.mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    items = sorted(
        (i for c in members for i in c.items),
        key=lambda i: (i.when.isoformat() if i.when else "", i.date or "", i.id),
    )
    lead = _lead_item(members[int(np.argmax(vecs @ centroid))])
    n_paras = sum(c.n_paras for c in members)
    continued, best_prior = _continued(centroid, n_paras, history, earlier, t)
    matched = [c for _, c in continued]
    same = _same_story(n_paras, continued, t)
    first_seen, earlier_ids = _first_seen(items, same, history)
    outlets = list(dict.fromkeys(i.source for i in items))
    novelty = max(0.0, min(1.0, 1.0 - best_prior))
    earlier_items = [i for c in matched for i in history.first[c.id][1]]
    background = [source_ref(min(history.first[c.id][1], key=_day_key)) for c in same[:BACKGROUND_ARTICLES]]
    ranked_on = {
        "today": [(i.source, i.local_day) for i in items],
        "earlier": [(i.source, i.local_day) for i in earlier_items],
        "recency": _recency(items, win),
        "novelty": novelty,
        "same_story": best_prior >= t.cluster_min,
    }
    weight = signals(day=win.first_day, **ranked_on)
    story = Story(
        headline=lead.title,
        lead_article_id=lead.id,
        quotes=[],
        articles=[source_ref(i) for i in items],
        outlets=outlets,
        first_seen=first_seen.isoformat() if first_seen else None,
        developing=bool(same),
        earlier_article_ids=earlier_ids,
        background=background,
        score=importance(weight),
        novelty=novelty,
        signals=weight.to_dict(),
    )
    prior = np.vstack([c.vectors for c in same[:PRIOR_ARTICLES]]) if same else None
    first_items = [(c, min(history.first[c.id][1], key=_day_key)) for c in same]
    first_items.sort(key=lambda t: _day_key(t[1]), reverse=True)
    return Built(story, members, centroid, prior, first_items, t, ranked_on)


def _day_key(item: ArticleItem) -> tuple[str, str]:
    return (item.local_day.isoformat() if item.local_day else "", item.id)


def _continued(
    centroid: np.ndarray, n_paras: int, history: History, earlier: np.ndarray | None, t: Thresholds
) -> tuple[list[tuple[float, ArticleContent]], float]:
    """The earlier texts this story continues with their similarity (closest first), and the highest similarity
    to any earlier text."""
    if earlier is None:
        return [], 0.0
    sims = earlier @ centroid
    matched = sorted(
        (
            (float(s), c)
            for s, c in zip(sims, history.contents, strict=True)
            if s >= developing_threshold(min(n_paras, c.n_paras), t)
        ),
        key=lambda t: (-t[0], t[1].id),
    )
    return matched, float(sims.max())


def _same_story(
    n_paras: int, continued: list[tuple[float, ArticleContent]], t: Thresholds
) -> list[ArticleContent]:
    """Of the earlier texts a story continues (closest first), those that are the same story, not only its topic.

    ``_continued`` takes the threshold of the shorter text, so a six-paragraph feature "continued" a 44-paragraph
    news digest at 0.39 (RTQA under e5), and the briefing said "Developing since" a day the story did not exist.
    Here the threshold is that of the two texts' mean length: two short texts keep their leniency (the sample's
    two-paragraph tsunami pieces: 0.27 under e5, and the five-paragraph relief piece after them), a short text
    beside a long one does not; two long texts need the same-day same-story bar (``developing_long`` =
    ``cluster_min`` under both models), which still lets an obituary continue a piece on cancelled films at 0.51.
    On RTQA's tuning half the ranking's coverage is unchanged (e5 and MiniLM 0.733 @3)."""
    return [c for sim, c in continued if sim >= developing_threshold((n_paras + c.n_paras) // 2, t)]


def _first_seen(
    items: list[ArticleItem], matched: list[ArticleContent], history: History
) -> tuple[Date | None, list[str]]:
    """The earliest day the story was seen (today's, or an earlier matching day) and the earlier articles."""
    days = [i.local_day for i in items if i.local_day is not None]
    first_seen = min(days) if days else None
    earlier_ids: list[str] = []
    for c in matched:
        day, its = history.first[c.id]
        earlier_ids += [i.id for i in its]
        if day is not None and (first_seen is None or day < first_seen):
            first_seen = day
    return first_seen, list(dict.fromkeys(earlier_ids))


def _recency(items: list[ArticleItem], win: Window) -> float:
    """Where the latest publication time falls in the window (0 = its start, 1 = its end)."""
    when = [i.when for i in items if i.when is not None]
    if not when:
        return UNKNOWN_RECENCY
    span = (win.end - win.start).total_seconds() or 1.0
    return max(0.0, min(1.0, (max(when) - win.start).total_seconds() / span))


def _quotes(store: Store, b: Built) -> tuple[list[Quote], int]:
    """One to three verified quotes of a story (for a developing story the first is what is new today)."""
    quotes = []
    t = b.thresholds
    for cand in choose_quotes(candidates(b.members, b.centroid, b.prior, t), b.story.developing, t):
        item = _lead_item(cand.content)
        also = [source_ref(i) for i in cand.content.items if i.id != item.id]
        quotes.append(make_quote(cand, item, also))
    return verify_quotes(store, quotes)


def _changes(store: Store, b: Built) -> list[Change]:
    """What changed since the earlier days' articles (developing stories only), each side verified verbatim; a
    change with a side that no longer matches the stored text is left out (never shown half)."""
    if not b.story.developing or not b.earlier:
        return []
    found = changes(b.members, b.earlier, {c.id: _lead_item(c) for c in b.members})
    kept = []
    for change in found:
        _, dropped = verify_quotes(store, [change.today, change.before])
        if not dropped:
            kept.append(change)
    return kept


__all__ = ["LOOKBACK_DAYS", "Built", "build_briefing", "quote_stories", "ranked_stories"]
