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
    "ModelMismatch": "index.vectors.base",
    "ModelError": "index.embed.model",
    "VectorBackendError": "index.models",
    # a full disk, a read-only data dir, a damaged store: one sentence each (issue 26)
    "StoreProblem": "index.store.health",
    "StoreUnwritable": "index.store.health",
    "StoreDamaged": "index.store.health",
    "store_error": "index.store.health",
    "STORE_FILE": "index.store.health",
    "damaged_sentence": "index.store.health",
    "backup": "index.store.backup",
    "check_store": "index.store.backup",
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
    "say": "index.messages",
    "speaker_note": "index.messages",
    "counted": "index.messages",
    "shown_language": "index.language",
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
    "Timeline": "index.answer.timeline",
    "TimelineEntry": "index.answer.timeline",
    "SpeakerQuotes": "index.speakers.who_said",
    # a quote's few sentences for a phone, and the fingerprint a "Full passage" button carries (issue 25)
    "Excerpt": "index.answer.excerpt",
    "excerpt": "index.answer.excerpt",
    "quote_digest": "index.answer.excerpt",
    "Statement": "index.speakers.who_said",
    # what the command line needs beyond the bot
    "render": "index.messages",
    "configure_runtime": "index.config",
    "DEFAULT_TIMELINE_K": "index.answer.timeline",
    "MAX_STATEMENTS": "index.speakers.who_said",
    "ExtractError": "index.ingest.extract",
    "articles_from_file": "index.ingest.extract",
    "expected_articles": "index.ingest.extract",
    "iter_files": "index.ingest.extract",
    "is_url": "index.validate",
    "check_int": "index.validate",
    "MAX_K": "index.validate",
    "MAX_PAGE_K": "index.validate",
    "MAX_QUESTION_CHARS": "index.validate",
    "MAX_OFFSET": "index.validate",
}

__all__ = [
    "STORE_FILE",
    "backup",
    "check_store",
    "damaged_sentence",
    "check_int",
    "MAX_K",
    "MAX_PAGE_K",
    "MAX_QUESTION_CHARS",
    "MAX_OFFSET",
    "render",
    "configure_runtime",
    "DEFAULT_TIMELINE_K",
    "MAX_STATEMENTS",
    "Excerpt",
    "excerpt",
    "quote_digest",
    "ExtractError",
    "articles_from_file",
    "expected_articles",
    "iter_files",
    "is_url",
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
    "StoreDamaged",
    "StoreProblem",
    "StoreUnwritable",
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
    "speaker_note",
    "shown_language",
    "store_error",
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
    from index.answer.excerpt import Excerpt, excerpt, quote_digest
    from index.answer.timeline import DEFAULT_TIMELINE_K, Timeline, TimelineEntry
    from index.briefing.chart import BriefingChart
    from index.briefing.view import StoryView, briefing_markdown, briefing_view, clip_words
    from index.config import CoreSettings, configure_runtime
    from index.embed.model import ModelError
    from index.ingest.extract import ExtractError, articles_from_file, expected_articles, iter_files
    from index.language import shown_language
    from index.messages import counted, render, say, speaker_note
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
    from index.service import Newsdesk
    from index.sources import feeds
    from index.sources.fetch import ingest_urls
    from index.speakers.who_said import MAX_STATEMENTS, SpeakerQuotes, Statement
    from index.store.health import StoreDamaged, StoreProblem, StoreUnwritable, store_error
    from index.validate import (
        ACCEPTED_SUFFIXES,
        check_date_range,
        check_file_type,
        check_url_scheme,
        is_url,
        parse_date,
    )
    from index.vectors.base import ModelMismatch
