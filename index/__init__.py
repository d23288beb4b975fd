"""Newsdesk's retrieval core: articles -> paragraphs -> embeddings -> search -> verified quotes.

This module is the public API that front ends outside ``index/`` (the Discord bot) may import; everything else is
internal (an import-linter contract in ``pyproject.toml`` enforces it). Names load lazily, so importing a plain
dataclass does not start torch or FAISS.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    # the facade and its settings
    "Newsdesk": "index.service",
    "CoreSettings": "index.config",
    "ModelMismatch": "index.vectors",
    "ModelError": "index.embed",
    "VectorBackendError": "index.models",
    # plain data that crosses layers
    "Answer": "index.models",
    "Article": "index.models",
    "ArticleIn": "index.models",
    "Briefing": "index.models",
    "Filters": "index.models",
    "IngestItem": "index.models",
    "IngestReport": "index.models",
    "Paragraph": "index.models",
    "Quote": "index.models",
    "SourceRef": "index.models",
    "SourceStats": "index.models",
    "Stats": "index.models",
    "Story": "index.models",
    # sentences and rendering
    "say": "index.render",
    "counted": "index.render",
    "briefing_markdown": "index.briefing.view",
    "briefing_view": "index.briefing.view",
    "StoryView": "index.briefing.view",
    "clip_words": "index.briefing.view",
    # the briefing's chart (matplotlib loads only when one is drawn)
    "BriefingChart": "index.briefing.chart",
    # live sources
    "ingest_urls": "index.sources.fetch",
    "feeds": "index.sources",
    # the shared input rules (index/validate.py): every front end checks input the same way
    "ACCEPTED_SUFFIXES": "index.validate",
    "check_date_range": "index.validate",
    "check_file_type": "index.validate",
    "check_url_scheme": "index.validate",
    "parse_date": "index.validate",
    # timeline answers and who-said-what (issue 12)
    "Timeline": "index.timeline",
    "TimelineEntry": "index.timeline",
    "SpeakerQuotes": "index.who_said",
    "Statement": "index.who_said",
}

__all__ = [
    "ACCEPTED_SUFFIXES",
    "Answer",
    "Article",
    "ArticleIn",
    "Briefing",
    "BriefingChart",
    "CoreSettings",
    "Filters",
    "IngestItem",
    "IngestReport",
    "ModelError",
    "ModelMismatch",
    "Newsdesk",
    "Paragraph",
    "Quote",
    "SourceRef",
    "SourceStats",
    "SpeakerQuotes",
    "Statement",
    "Stats",
    "Story",
    "StoryView",
    "Timeline",
    "TimelineEntry",
    "VectorBackendError",
    "briefing_markdown",
    "briefing_view",
    "clip_words",
    "check_date_range",
    "check_file_type",
    "check_url_scheme",
    "counted",
    "feeds",
    "ingest_urls",
    "parse_date",
    "say",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'index' has no attribute {name!r}")
    mod = importlib.import_module(module)
    value = getattr(mod, name) if hasattr(mod, name) else importlib.import_module(f"{module}.{name}")
    globals()[name] = value
    return value


if TYPE_CHECKING:  # for type checkers and editors: the same names, eagerly
    from index.briefing.chart import BriefingChart
    from index.briefing.view import StoryView, briefing_markdown, briefing_view, clip_words
    from index.config import CoreSettings
    from index.embed import ModelError
    from index.models import (
        Answer,
        Article,
        ArticleIn,
        Briefing,
        Filters,
        IngestItem,
        IngestReport,
        Paragraph,
        Quote,
        SourceRef,
        SourceStats,
        Stats,
        Story,
        VectorBackendError,
    )
    from index.render import counted, say
    from index.service import Newsdesk
    from index.sources import feeds
    from index.sources.fetch import ingest_urls
    from index.timeline import Timeline, TimelineEntry
    from index.validate import (
        ACCEPTED_SUFFIXES,
        check_date_range,
        check_file_type,
        check_url_scheme,
        parse_date,
    )
    from index.vectors import ModelMismatch
    from index.who_said import SpeakerQuotes, Statement
