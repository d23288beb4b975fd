"""Daily briefing: the day's articles clustered into stories across outlets, ranked, each with verbatim quotes.

Method (all from stored embeddings, nothing is re-embedded):

* Window: articles whose local publication day (``published_at`` converted to the configured time zone, else the
  stored ``date``) is the requested day; without a date, the 24 hours before now (date-only articles count when
  their day overlaps those 24 hours).
* Article vector: the mean of the article's stored paragraph vectors weighted by ``1/sqrt(ordinal)`` (the lead
  carries the story; long tails drift into background), captions left out, normalised. A syndicated copy has no
  paragraphs of its own and shares its canonical article's vector (it joins that story as another outlet).
* Stories: average-linkage agglomerative clustering of the day's article vectors, merging while the average
  cosine between two clusters is at least ``CLUSTER_MIN``. Average linkage (unlike single linkage) does not chain
  two different stories through one broad article; the threshold was set on RTQA days (see ``notes/briefing.md``).
* Developing: a story whose centroid has cosine >= ``developing_threshold(n)`` with an article of the
  ``LOOKBACK_DAYS`` days before continues that story. ``n`` is the smaller paragraph count of the two sides: the
  threshold rises from 0.40 (short texts, whose mean vectors are noisy, e.g. Wikinews) to 0.55 (long articles,
  whose mean vectors share a generic "news" direction, e.g. RTQA, where 0.40-0.50 still links unrelated
  features). Its first quote is then the most central paragraph *unlike* those earlier articles' paragraphs (what
  is new today), and ``first_seen`` is the earliest matching day.
* Quotes (``briefing_quotes.py``): one to three sentence windows of the story's paragraphs, scored by centrality
  (cosine with the story centroid) plus cues for attributed statements, decisions and figures, minus
  scene-setting and captions; chosen greedily without repeats, then cut from the stored paragraph by offsets and
  verified against a fresh read of it (``quotes.verify``).
* Ranking: ``ln(1+outlets) + 0.5 ln(1+articles) + 0.3 recency + 0.3 novelty`` (+ topic relevance with a topic).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from datetime import date as Date
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from index.briefing.quotes import candidates, choose_quotes, cue_score, make_quote, verify_quotes
from index.briefing.types import ArticleContent, ArticleItem, BriefingDesk
from index.models import Article, Briefing, Filters, SourceRef, Story

log = logging.getLogger(__name__)

CLUSTER_MIN = 0.55  # average cosine between two clusters of article vectors to merge them into one story
DEVELOPING_MIN = 0.40  # continuation threshold between short texts (<= 3 paragraphs) ...
DEVELOPING_LONG = 0.55  # ... rising linearly to this for long ones (>= 15 paragraphs)
LOOKBACK_DAYS = 7
TOPIC_MIN = 0.45  # cosine between the topic and a story's best paragraph (0.40 when `ask` also retrieves it)


# -- time window ---------------------------------------------------------------------------------------------------
def _parse_ts(value: str | None, tz: ZoneInfo) -> datetime | None:
    if not value:
        return None
    try:
        ts = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=ZoneInfo("UTC"))
    return ts.astimezone(tz)


def _local_day(article: Article, tz: ZoneInfo) -> tuple[Date | None, datetime | None]:
    ts = _parse_ts(article.published_at, tz)
    if ts is not None:
        return ts.date(), ts
    try:
        return (Date.fromisoformat(article.date[:10]) if article.date else None), None
    except ValueError:
        return None, None


def _window(date: str | None, tz: ZoneInfo, now: datetime | None) -> tuple[Date, datetime, datetime, bool]:
    """(day, start, end, default) of the briefing window, in ``tz``."""
    if date:
        day = Date.fromisoformat(date[:10])
        start = datetime(day.year, day.month, day.day, tzinfo=tz)
        return day, start, start + timedelta(days=1), False
    end = (now or datetime.now(tz)).astimezone(tz)
    return end.date(), end - timedelta(hours=24), end, True


def _in_window(
    day: Date | None, when: datetime | None, start: datetime, end: datetime, default: bool
) -> bool:
    if when is not None:
        return start <= when < end if not default else start <= when <= end
    if day is None:
        return False
    return start.date() <= day <= (end - timedelta(microseconds=1)).date()


def _select_items(
    desk: BriefingDesk,
    first: Date,
    last: Date,
    tz: ZoneInfo,
    scopes: tuple[str, ...] | None,
    sources: Sequence[str] | None,
) -> list[ArticleItem]:
    """Articles whose stored date is within [first-1, last+1] (a timestamp may move an article across midnight)."""
    articles = desk.store.articles_dated(
        (first - timedelta(days=1)).isoformat(), (last + timedelta(days=1)).isoformat(), scopes, sources
    )
    items = []
    for a in articles:
        day, when = _local_day(a, tz)
        items.append(
            ArticleItem(
                a.id, a.title, a.source, a.date, a.published_at, a.url, a.duplicate_of or a.id, day, when
            )
        )
    return items


# -- vectors -------------------------------------------------------------------------------------------------------
def _load_contents(desk: BriefingDesk, content_ids: Sequence[str]) -> dict[str, ArticleContent]:
    """Paragraphs and stored vectors of these canonical articles; articles without vectors are left out."""
    rows = desk.store.paragraphs_of(content_ids)
    if not rows:
        return {}
    indexed = desk.vectors.ids()
    rows = [r for r, keep in zip(rows, np.isin([p.id for p, _ in rows], indexed), strict=True) if keep]
    vecs = desk.vectors.vectors([p.id for p, _ in rows]) if rows else np.zeros((0, 1), np.float32)
    by_article: dict[str, list[int]] = {}
    for n, r in enumerate(rows):
        by_article.setdefault(r[0].article_id, []).append(n)
    out: dict[str, ArticleContent] = {}
    for aid, idx in by_article.items():
        paras = [rows[n][0] for n in idx]
        caption = [rows[n][1] for n in idx]
        v = vecs[idx]
        weights = np.array(
            [0.0 if c else 1.0 / math.sqrt(p.ordinal) for p, c in zip(paras, caption, strict=True)]
        )
        if weights.sum() == 0:
            weights = np.ones(len(paras))
        mean = (v * weights[:, None]).sum(axis=0)
        norm = float(np.linalg.norm(mean))
        if norm == 0:
            continue
        n_text = sum(1 for c in caption if not c)
        out[aid] = ArticleContent(aid, paras, v, caption, (mean / norm).astype(np.float32), n_text)
    return out


def developing_threshold(n_paragraphs: int) -> float:
    """Cosine above which a story continues an earlier article, for texts of ``n_paragraphs`` paragraphs."""
    frac = min(1.0, max(0.0, (n_paragraphs - 3) / 12))
    return DEVELOPING_MIN + frac * (DEVELOPING_LONG - DEVELOPING_MIN)


def cluster(vectors: np.ndarray, threshold: float) -> list[list[int]]:
    """Average-linkage agglomerative clustering on cosine similarity (rows are normalised vectors).

    Deterministic: ties go to the lowest indices. Returns clusters as sorted index lists, ordered by their first
    member. O(n^3) in numpy, a few milliseconds for a day's hundred articles.
    """
    n = len(vectors)
    if n == 0:
        return []
    sim = (vectors @ vectors.T).astype(np.float64)
    members: list[list[int] | None] = [[i] for i in range(n)]
    np.fill_diagonal(sim, -np.inf)
    active = np.ones(n, dtype=bool)
    while active.sum() > 1:
        masked = np.where(active[:, None] & active[None, :], sim, -np.inf)
        flat = int(np.argmax(masked))
        i, j = divmod(flat, n)
        if masked[i, j] < threshold:
            break
        i, j = min(i, j), max(i, j)
        a, b = len(members[i]), len(members[j])  # type: ignore[arg-type]
        merged = (a * sim[i] + b * sim[j]) / (a + b)
        sim[i, :] = merged
        sim[:, i] = merged
        sim[i, i] = -np.inf
        sim[j, :] = -np.inf
        sim[:, j] = -np.inf
        members[i] = sorted(members[i] + members[j])  # type: ignore[operator]
        members[j] = None
        active[j] = False
    return sorted((m for m in members if m is not None), key=lambda m: m[0])


# -- stories -------------------------------------------------------------------------------------------------------
def _sources_list(sources: Sequence[str] | str | None) -> list[str] | None:
    """``["CNN,USA Today", "The Week"]`` (repeated or comma-separated) -> ``["CNN", "USA Today", "The Week"]``."""
    if not sources:
        return None
    if isinstance(sources, str):
        sources = [sources]
    out = [s.strip() for chunk in sources for s in chunk.split(",") if s.strip()]
    return list(dict.fromkeys(out)) or None


def _topic_relevance(
    desk: BriefingDesk, topic: str, first: Date, last: Date, scopes
) -> tuple[np.ndarray | None, set[str]]:
    """The topic's query vector and the articles ``ask`` retrieves for it in the window (same machinery)."""
    hits: set[str] = set()
    filters = Filters(since=first.isoformat(), until=last.isoformat(), scopes=scopes)
    answer = desk.ask(topic, k=10, filters=filters, per_article=1)
    if not answer.no_answer:
        for q in answer.quotes:
            hits.add(q.article_id)
            hits.update(ref.article_id for ref in q.also_in)
    return desk.embedder.encode_query(topic), hits


def _story(
    members: list[ArticleContent],
    earlier: list[ArticleContent],
    earlier_first: dict[str, tuple[Date | None, list[ArticleItem]]],
    start: datetime,
    end: datetime,
) -> tuple[Story, np.ndarray, np.ndarray | None]:
    """The story of one cluster (without quotes) with its centroid and the earlier paragraphs it continues."""
    vecs = np.stack([c.vector for c in members])
    centroid = vecs.mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    items = sorted(
        (i for c in members for i in c.items),
        key=lambda i: (i.when.isoformat() if i.when else "", i.date or "", i.id),
    )
    lead_content = members[int(np.argmax(vecs @ centroid))]
    lead_item = next((i for i in lead_content.items if i.id == lead_content.id), lead_content.items[0])
    # Developing: the story continues articles of the days before.
    matched: list[tuple[float, ArticleContent]] = []
    best_prior = 0.0
    if earlier:
        sims = np.stack([c.vector for c in earlier]) @ centroid
        n_paras = sum(c.n_paras for c in members)
        best_prior = float(sims.max())
        matched = sorted(
            (
                (float(s), c)
                for s, c in zip(sims, earlier, strict=True)
                if s >= developing_threshold(min(n_paras, c.n_paras))
            ),
            key=lambda t: (-t[0], t[1].id),
        )
    developing = bool(matched)
    days = [i.local_day for i in items if i.local_day is not None]
    first_seen = min(days) if days else None
    earlier_ids: list[str] = []
    for _, c in matched:
        day, its = earlier_first[c.id]
        earlier_ids += [i.id for i in its]
        if day is not None and (first_seen is None or day < first_seen):
            first_seen = day
    prior_vecs = np.vstack([c.vectors for _, c in matched[:5]]) if matched else None
    when = [i.when for i in items if i.when is not None]
    span = (end - start).total_seconds() or 1.0
    recency = max(0.0, min(1.0, (max(when) - start).total_seconds() / span)) if when else 0.5
    novelty = max(0.0, min(1.0, 1.0 - best_prior))
    outlets = list(dict.fromkeys(i.source for i in items))
    score = math.log1p(len(outlets)) + 0.5 * math.log1p(len(items)) + 0.3 * recency + 0.3 * novelty
    story = Story(
        headline=lead_item.title,
        lead_article_id=lead_item.id,
        quotes=[],
        articles=[SourceRef(i.id, i.source, i.title, i.url, i.date) for i in items],
        outlets=outlets,
        first_seen=first_seen.isoformat() if first_seen else None,
        developing=developing,
        earlier_article_ids=list(dict.fromkeys(earlier_ids)),
        score=score,
        novelty=novelty,
    )
    return story, centroid, prior_vecs


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
    tz_name = desk.settings.timezone or "UTC"
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"Unknown time zone {tz_name!r} (NEWSDESK_TIMEZONE): use a name like Europe/Paris."
        ) from exc
    try:
        day, start, end, default = _window(date, tz, now)
    except ValueError as exc:
        raise ValueError(f"Not a date: {date!r}. Give it as YYYY-MM-DD.") from exc
    top = max(1, int(top))
    topic = " ".join(topic.split()) if topic else None
    wanted = _sources_list(sources)
    wanted_lower = {s.lower() for s in wanted} if wanted else None
    first_day, last_day = start.date(), (end - timedelta(microseconds=1)).date()
    look_from = first_day - timedelta(days=LOOKBACK_DAYS)
    all_items = _select_items(desk, look_from, last_day, tz, scopes, None)
    window = [i for i in all_items if _in_window(i.local_day, i.when, start, end, default)]
    if wanted_lower is not None:
        window = [i for i in window if i.source.lower() in wanted_lower]
    window_ids = {i.id for i in window}
    earlier_items = [
        i
        for i in all_items
        if i.id not in window_ids and i.local_day is not None and look_from <= i.local_day < first_day
    ]
    briefing = Briefing(
        date=day.isoformat(),
        timezone=str(tz.key),
        window_start=start.isoformat(timespec="seconds"),
        window_end=end.isoformat(timespec="seconds"),
        topic=topic,
        sources=wanted,
        top=top,
        n_articles=len(window),
        default_window=default,
    )
    if not window:
        return briefing
    contents = _load_contents(desk, [i.content_id for i in window] + [i.content_id for i in earlier_items])
    today: dict[str, ArticleContent] = {}
    for item in window:
        content = contents.get(item.content_id)
        if content is None:
            log.warning("briefing: article %s has no indexed paragraphs; left out", item.id)
            continue
        content.items.append(item)
        today.setdefault(content.id, content)
    earlier_first: dict[str, tuple[Date | None, list[ArticleItem]]] = {}
    for item in earlier_items:
        if item.content_id in today or item.content_id not in contents:
            continue
        day_seen, its = earlier_first.get(item.content_id, (None, []))
        if item.local_day is not None and (day_seen is None or item.local_day < day_seen):
            day_seen = item.local_day
        earlier_first[item.content_id] = (day_seen, its + [item])
    earlier = [contents[cid] for cid in sorted(earlier_first)]
    order = list(today.values())
    if not order:
        return briefing
    groups = cluster(np.stack([c.vector for c in order]), CLUSTER_MIN)
    qvec, hits = _topic_relevance(desk, topic, first_day, last_day, scopes) if topic else (None, set())
    built = []
    for group in groups:
        members = [order[n] for n in group]
        story, centroid, prior_vecs = _story(members, earlier, earlier_first, start, end)
        if topic:
            rel = max(float((c.vectors @ qvec).max()) for c in members) if qvec is not None else 0.0
            if not (rel >= TOPIC_MIN or (set(story.article_ids) & hits and rel >= TOPIC_MIN - 0.05)):
                continue
            story.score += 2.0 * rel
        built.append((story, members, centroid, prior_vecs))
    built.sort(key=lambda t: (-t[0].score, t[0].headline, t[0].lead_article_id))
    briefing.n_stories = len(built)
    for story, members, centroid, prior_vecs in built[:top]:
        # Quotes only for the stories shown: sentence scoring is the costly part of a briefing.
        chosen = choose_quotes(candidates(members, centroid, prior_vecs), story.developing)
        quotes = []
        for cand in chosen:
            item = next((i for i in cand.content.items if i.id == cand.content.id), cand.content.items[0])
            also = [
                SourceRef(i.id, i.source, i.title, i.url, i.date)
                for i in cand.content.items
                if i.id != item.id
            ]
            quotes.append(make_quote(cand, item, also))
        story.quotes, dropped = verify_quotes(desk.store, quotes)
        briefing.dropped_unverified += dropped
        briefing.stories.append(story)
    return briefing


__all__ = ["build_briefing", "cluster", "cue_score", "developing_threshold", "verify_quotes"]
