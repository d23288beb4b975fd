"""Plain data that crosses layers.

Everything the service returns is one of these dataclasses, so the CLI, the terminal session and the Discord bot
render the same objects and nothing below ``bot/`` ever sees a Discord type. ``to_dict`` gives the JSON contract
that ``--json`` prints (scripts rely on its field names: extend, never rename).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date as Date
from datetime import datetime
from enum import StrEnum
from typing import Any

from index.messages import say


@dataclass
class ArticleIn:
    """An article as extracted from a source, before it is stored."""

    paragraphs: list[str]
    title: str = ""
    source: str = "unknown"
    date: str | None = None  # ISO date "YYYY-MM-DD"; never invented
    published_at: str | None = None  # full ISO timestamp when the source gives one
    url: str | None = None
    author: str | None = None
    external_id: str | None = None  # the record's own id (JSON "id"), kept as the article id
    origin: str = ""  # where it came from: a path, a URL, "attachment:name"
    title_derived: bool = False
    # Metadata read from the text rather than given: field -> the text it was read from (a dateline, a credit).
    inferred: dict[str, str] = field(default_factory=dict)
    language: str | None = None  # ISO 639-1 when the source says so; else identified at ingest


@dataclass
class Article:
    id: str
    title: str
    source: str
    date: str | None
    url: str | None
    author: str | None = None
    published_at: str | None = None
    scope: str = ""  # "" = visible everywhere; otherwise a Discord server id
    duplicate_of: str | None = None
    n_paragraphs: int = 0
    title_derived: bool = False
    language: str | None = None  # ISO 639-1 (index/language.py); None = unknown


@dataclass
class Paragraph:
    id: int  # stable SQLite integer id == FAISS id
    article_id: str
    ordinal: int  # 1-based paragraph number inside the article
    text: str
    sentences: list[tuple[int, int]] = field(default_factory=list)  # character spans


@dataclass
class SourceRef:
    """Another outlet that carried the same text (a syndicated copy)."""

    article_id: str
    source: str
    title: str
    url: str | None
    date: str | None


@dataclass
class Quote:
    """A verbatim span of a stored paragraph: (paragraph_id, start, end) first, text second."""

    text: str
    article_id: str
    title: str
    source: str
    date: str | None
    url: str | None
    paragraph: int  # 1-based paragraph number in the article
    paragraph_id: int
    start: int
    end: int
    score: float
    also_in: list[SourceRef] = field(default_factory=list)
    # For "what did X say" questions: True when the quote is a statement attributed to X, False when it is only
    # about X (X is quoted nowhere searched), None for other questions.
    attributed: bool | None = None
    language: str | None = None  # the article's (ISO 639-1): the quote is verbatim in this language
    # The part of ``score`` that is evidence of an answer (the score without the priors, which only rank): what
    # the relevance bar reads, and what ``newsdesk eval --unanswerable`` draws its trade-off curve over.
    evidence: float | None = None
    # What a person sees instead of the score: "strong match" or "related" (``answer.compose.confidence``).
    confidence: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Answer:
    question: str
    quotes: list[Quote]
    no_answer: bool = False
    # What was searched (for the honest no-answer and for the footer): paragraphs, filters. With Milvus and a filter,
    # "paragraphs" is counted (in SQL) only for a no-answer, so a found answer costs no count.
    searched: dict[str, Any] = field(default_factory=dict)
    nearest_misses: list[Quote] = field(default_factory=list)
    dropped_unverified: int = 0
    # Who a "what did X say" question asks about (as asked), and whether X is quoted in what was searched; when
    # not, the quotes are passages about X and the answer says so first.
    speaker: str | None = None
    speaker_quoted: bool | None = None
    # When X is not quoted among the answer's passages: how many statements of X the who-said-what index holds
    # under the same filters (0: X is quoted nowhere; more: X is quoted, but none of it answers this question;
    # None: that index has not read everything stored yet, so only the answer's own passages were judged).
    speaker_statements: int | None = None
    language: str | None = None  # the question's (quotes in another language say theirs)
    # The answerability model's probability that the first passage passing the bar answers the question (below the
    # encoder's threshold the answer is "no relevant passage"); None for the bare baselines or when none passed.
    answerability: float | None = None

    def last_page(self, k: int) -> bool:
        """Whether no passage after these passes the relevance bar, for a page that asked for ``k`` quotes: ``ask``
        returns up to ``k`` passing quotes, so fewer (on an answer, not a no-answer) means the bar stopped it. The
        one rule every front end uses to say so (the terminal's last page, the bot's More button)."""
        return not self.no_answer and len(self.quotes) < k

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "no_answer": self.no_answer,
            "quotes": [q.to_dict() for q in self.quotes],
            "nearest_misses": [q.to_dict() for q in self.nearest_misses],
            "searched": self.searched,
            "speaker": self.speaker,
            "speaker_quoted": self.speaker_quoted,
            "speaker_statements": self.speaker_statements,
            "language": self.language,
            "answerability": self.answerability,
        }


class IngestStatus(StrEnum):
    """What ingest did with one article (a ``str``, so JSON and comparisons with plain strings keep working)."""

    ADDED = "added"
    UNCHANGED = "unchanged"
    REPLACED = "replaced"
    DUPLICATE = "duplicate"  # same or nearly the same text as an indexed article: shown as "also in"
    FAILED = "failed"
    REINDEXED = "reindexed"  # re-embedded by ``reindex``; its text did not change


@dataclass
class IngestItem:
    origin: str
    status: IngestStatus
    article_id: str | None = None
    title: str | None = None
    reason: str | None = None  # for failed, and for duplicate (of what)


@dataclass
class IngestReport:
    items: list[IngestItem] = field(default_factory=list)

    def count(self, status: IngestStatus) -> int:
        return sum(1 for i in self.items if i.status == status)

    @property
    def added(self) -> int:
        return self.count(IngestStatus.ADDED)

    @property
    def unchanged(self) -> int:
        return self.count(IngestStatus.UNCHANGED)

    @property
    def replaced(self) -> int:
        return self.count(IngestStatus.REPLACED)

    @property
    def duplicates(self) -> int:
        return self.count(IngestStatus.DUPLICATE)

    @property
    def reindexed(self) -> int:
        return self.count(IngestStatus.REINDEXED)

    @property
    def failed(self) -> list[IngestItem]:
        return [i for i in self.items if i.status == IngestStatus.FAILED]

    def merge(self, other: IngestReport) -> None:
        self.items.extend(other.items)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "unchanged": self.unchanged,
            "replaced": self.replaced,
            "duplicates": self.duplicates,
            "reindexed": self.reindexed,
            "failed": [{"origin": i.origin, "reason": i.reason} for i in self.failed],
            "items": [asdict(i) for i in self.items],
        }


@dataclass
class SourceStats:
    source: str
    articles: int
    first_date: str | None
    last_date: str | None


@dataclass
class Stats:
    articles: int
    paragraphs: int
    vectors: int
    duplicates: int
    sources: int
    model: str
    dimension: int
    data_dir: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Filters:
    """Search filters. Dates are ISO strings; ``as_of`` keeps only articles published before it."""

    source: str | None = None
    since: str | None = None
    until: str | None = None
    as_of: str | None = None
    scopes: tuple[str, ...] | None = None  # None = every scope (CLI); the bot passes ("", guild_id)

    def describe(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, ())}


@dataclass
class Change:
    """One figure a developing story reports today next to the same figure in an earlier day's article, each a
    verbatim span of its stored paragraph ("what changed since yesterday", never worded by Newsdesk)."""

    today: Quote  # the figure in today's article
    before: Quote  # the same kind of figure in the closest earlier article that gave one
    also_today: list[SourceRef] = field(
        default_factory=list
    )  # other articles of today giving the same figure

    def to_dict(self) -> dict[str, Any]:
        return {
            "today": self.today.to_dict(),
            "before": self.before.to_dict(),
            "also_today": [asdict(r) for r in self.also_today],
        }


@dataclass
class Story:
    """One story of a daily briefing: articles from one or more outlets clustered by their stored embeddings."""

    headline: str  # the title of the story's most central article
    lead_article_id: str
    quotes: list[Quote]  # one to three verbatim spans; for a developing story the first is what is new today
    articles: list[SourceRef]  # every article of the window in the story, syndicated copies included
    outlets: list[str]  # distinct outlets, in the order they first carried the story
    first_seen: str | None  # earliest date the story was seen (an earlier day's when it is developing)
    developing: bool = False  # the same story as articles of the days before the briefing's day
    earlier_article_ids: list[str] = field(default_factory=list)  # those earlier articles of the same story
    # the closest of those, shown (linked) under the story as its background: what a reader follows it from
    background: list[SourceRef] = field(default_factory=list)
    score: float = 0.0  # importance used for the ranking (outlets, articles, recency, novelty)
    novelty: float = 1.0  # 1 - similarity to the earlier days' articles
    # what the ranking read (index/briefing/rank.py), and same_topic_above: the highest cosine with a story placed
    # above it (index/briefing/cluster.py: spread_topics; 0 for the lead and in a topic's briefing)
    signals: dict[str, float] = field(default_factory=dict)
    changes: list[Change] = field(
        default_factory=list
    )  # figures that changed since the earlier days' articles

    @property
    def article_ids(self) -> list[str]:
        return [a.article_id for a in self.articles]

    def to_dict(self) -> dict[str, Any]:
        return {
            "headline": self.headline,
            "lead_article_id": self.lead_article_id,
            "developing": self.developing,
            "first_seen": self.first_seen,
            "n_outlets": len(self.outlets),
            "outlets": self.outlets,
            "n_articles": len(self.articles),
            "article_ids": self.article_ids,
            "articles": [asdict(a) for a in self.articles],
            "quotes": [q.to_dict() for q in self.quotes],
            "earlier_article_ids": self.earlier_article_ids,
            "background": [asdict(a) for a in self.background],
            "score": round(self.score, 4),
            "novelty": round(self.novelty, 4),
            "signals": self.signals,
            "changes": [c.to_dict() for c in self.changes],
        }


@dataclass
class Briefing:
    """A day's stories, ranked by importance; ``empty`` when nothing was published in the window."""

    date: str  # the briefing's day (local date in ``timezone``)
    timezone: str
    window_start: str  # ISO timestamps of the window, in ``timezone``
    window_end: str
    stories: list[Story] = field(default_factory=list)
    topic: str | None = None
    sources: list[str] | None = None
    top: int = 8
    n_articles: int = 0  # articles published in the window (after the source/scope filters)
    n_stories: int = 0  # stories found before the ``top`` cut (and after the topic filter)
    dropped_unverified: int = 0  # quotes dropped because they did not match the stored text
    default_window: bool = False  # True when no date was given: the 24 hours before now

    @property
    def empty(self) -> bool:
        return not self.stories

    @property
    def window_label(self) -> str:
        """The window as a person reads it: "Tuesday 28 December 2004, UTC", or for the default window "the 24
        hours to Tuesday 28 December 2004, 09:00 Europe/Paris"."""
        if self.default_window:
            end = datetime.fromisoformat(self.window_end)
            day = say("briefing_day", d=end.date(), year=True)
            return say("briefing_window_hours", day=day, time=f"{end:%H:%M}", tz=self.timezone)
        return say(
            "briefing_window_day",
            day=say("briefing_day", d=Date.fromisoformat(self.date[:10]), year=True),
            tz=self.timezone,
        )

    @property
    def message(self) -> str:
        """The one sentence an empty briefing says (from the message catalogue, the same in every front end)."""
        if self.n_articles == 0:
            when = "in " + self.window_label if self.default_window else "on " + self.date
            by = f" by {', '.join(self.sources)}" if self.sources else ""
            return say("briefing_no_articles", when=when, by=by)
        if not self.stories and self.topic:
            return say("briefing_no_topic", topic=self.topic, n_articles=self.n_articles, date=self.date)
        return ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "timezone": self.timezone,
            "window_start": self.window_start,
            "window_end": self.window_end,
            "window": self.window_label,
            "topic": self.topic,
            "sources": self.sources,
            "top": self.top,
            "n_articles": self.n_articles,
            "n_stories": self.n_stories,
            "empty": self.empty,
            "message": self.message,
            "dropped_unverified": self.dropped_unverified,
            "stories": [s.to_dict() for s in self.stories],
        }


class VectorBackendError(ValueError):
    """The vector backend (Milvus) is misconfigured or not answering; the message is one sentence for people.

    A ``ValueError`` on purpose: the CLI and the bot already show a core ``ValueError`` as its sentence, so an
    outage during a question reaches the user as "search is unavailable", never a traceback. The store is never
    left half-written by it: the index catches up from the store once the backend answers again."""
