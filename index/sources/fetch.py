"""Article pages from the open web: fetch through the guarded client, extract with trafilatura, ingest.

Entry points: ``fetch_article(fetcher, url)`` (one page -> ``ArticleIn``, used by feed polling too),
``ingest_urls(desk, urls, scope)`` (async: fetch, extract, ingest in one batch) and ``ingest_urls_sync`` for the
CLI. The guard (``guard.py``) and the client (``client.py``) are re-exported here for callers that fetch.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from urllib.parse import urljoin, urlsplit

from index.ingest.extract import ExtractError, article_from_html
from index.models import ArticleIn, IngestItem, IngestReport
from index.sources.client import HTML_TYPES, USER_AGENT, Fetcher, FetchPolicy, FetchResult
from index.sources.desk import IngestDesk
from index.sources.guard import Allowlist, FetchError, GuardedResolver, check_url, non_public_reason
from index.validate import URL_SCHEMES

log = logging.getLogger(__name__)


def canonical_url(article_url: str | None, final_url: str) -> str:
    """The page's own canonical URL (made absolute) when it is http(s), else the URL it was fetched from."""
    if article_url:
        candidate = urljoin(final_url, article_url.strip())
        if urlsplit(candidate).scheme in URL_SCHEMES:
            return candidate
    return final_url


async def fetch_article(
    fetcher: Fetcher, url: str, origin: str | None = None
) -> tuple[ArticleIn, FetchResult]:
    """Fetch one page and extract it (trafilatura, in a thread); ``url`` of the article is its canonical URL."""
    result = await fetcher.fetch(url, accept=HTML_TYPES | {"text/plain"})
    text = result.text()
    try:
        article = await asyncio.to_thread(article_from_html, text, origin or url, result.final_url)
    except ExtractError as exc:
        raise FetchError(str(exc)) from exc
    article.url = canonical_url(article.url, result.final_url)
    if not article.source or article.source == "unknown":
        article.source = urlsplit(result.final_url).hostname or "unknown"
    return article, result


async def ingest_urls(
    desk: IngestDesk,
    urls: Sequence[str],
    scope: str = "",
    *,
    policy: FetchPolicy | None = None,
    fetcher: Fetcher | None = None,
) -> IngestReport:
    """Fetch, extract and ingest article pages; a URL that fails is a ``failed`` item, the rest go on."""
    report = IngestReport()
    if not urls:
        return report
    policy = policy or FetchPolicy.from_settings(desk.settings)

    async def one(f: Fetcher, url: str) -> ArticleIn | IngestItem:
        try:
            article, _ = await fetch_article(f, url)
            return article
        except FetchError as exc:
            log.info("fetch failed: %s", exc)
            return IngestItem(origin=url, status="failed", reason=str(exc))

    async def run(f: Fetcher) -> list[ArticleIn | IngestItem]:
        return await asyncio.gather(*(one(f, u) for u in dict.fromkeys(urls)))

    if fetcher is not None:
        outcomes = await run(fetcher)
    else:
        async with Fetcher(policy) as f:
            outcomes = await run(f)
    articles = [o for o in outcomes if isinstance(o, ArticleIn)]
    if articles:
        report.merge(await asyncio.to_thread(desk.ingest_articles, articles, scope))
    report.items.extend(o for o in outcomes if isinstance(o, IngestItem))
    return report


def ingest_urls_sync(
    desk: IngestDesk, urls: Iterable[str], scope: str = "", *, policy: FetchPolicy | None = None
) -> IngestReport:
    """``ingest_urls`` for synchronous callers (the CLI); must not be called from a running event loop."""
    return asyncio.run(ingest_urls(desk, list(urls), scope, policy=policy))


__all__ = [
    "USER_AGENT",
    "Allowlist",
    "FetchError",
    "FetchPolicy",
    "FetchResult",
    "Fetcher",
    "GuardedResolver",
    "canonical_url",
    "check_url",
    "fetch_article",
    "ingest_urls",
    "ingest_urls_sync",
    "non_public_reason",
]
