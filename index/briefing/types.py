"""The story types shared by clustering (``stories``) and quote choice (``quotes``), and what a briefing needs
from the service (``BriefingDesk``).

They live apart from both so that neither imports the other's internals: ``stories`` builds them from the store,
``quotes`` reads them, and the dependency runs one way (stories -> quotes -> types).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date as Date
from datetime import datetime
from typing import Protocol

import numpy as np

from index.config import CoreSettings
from index.models import Answer, Filters, Paragraph
from index.store.articles import Store


class QueryEncoder(Protocol):
    def encode_query(self, text: str) -> np.ndarray: ...


class BriefingDesk(Protocol):
    """What ``build_briefing`` uses of a ``Newsdesk``: the store (with the stored vectors), the time zone, and for a
    topic the query encoder and ``ask`` (the same retrieval the analyst's questions get)."""

    @property
    def store(self) -> Store: ...

    @property
    def settings(self) -> CoreSettings: ...

    @property
    def embedder(self) -> QueryEncoder: ...

    def ask(
        self, question: str, *, k: int = 5, filters: Filters | None = None, per_article: int | None = None
    ) -> Answer: ...


@dataclass
class ArticleItem:
    """One article of the briefing's window (a canonical article or a syndicated copy of one)."""

    id: str
    title: str
    source: str
    date: str | None
    published_at: str | None
    url: str | None
    content_id: str  # the article whose paragraphs carry this text (itself, or the canonical of a copy)
    local_day: Date | None
    when: datetime | None  # publication time when known


@dataclass
class ArticleContent:
    """The paragraphs and stored vectors of one canonical text, and the window's articles that carry it."""

    id: str
    paragraphs: list[Paragraph]
    vectors: np.ndarray  # rows aligned with ``paragraphs``
    caption: list[bool]
    vector: np.ndarray  # the article vector
    n_paras: int  # paragraphs that are not captions
    items: list[ArticleItem] = field(default_factory=list)
