"""What live sources need from the service, as small protocols (a ``Newsdesk`` satisfies both).

The feed registry only touches SQLite, so the CLI can hand it a store-only desk without loading the model;
polling and URL ingestion also need ``ingest_articles``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from index.config import CoreSettings
from index.models import ArticleIn, IngestItem, IngestReport
from index.store.articles import Store


class RegistryDesk(Protocol):
    """The store (feed tables, URLs already indexed) and the settings (``allow_hosts``)."""

    @property
    def store(self) -> Store: ...

    @property
    def settings(self) -> CoreSettings: ...


class IngestDesk(RegistryDesk, Protocol):
    """A registry desk that can also ingest what was fetched (one batch, one report item per article)."""

    def ingest_articles(self, items: Iterable[ArticleIn | IngestItem], scope: str = "") -> IngestReport: ...
