"""Fetching pages and feeds from the open web without opening a door into the host's own network.

An admin command that fetches a URL is a classic server-side request forgery channel: a page (or a redirect)
pointing at ``http://10.0.0.1/`` or ``http://169.254.169.254/`` would make the bot read the private network. So:

* only ``http`` and ``https``; every redirect is followed by hand (at most ``max_redirects``) and re-checked;
* the host is resolved by *our* resolver inside the aiohttp connector, and every address it returns must be
  global (not private, loopback, link-local, multicast, reserved, unspecified, shared, IPv4-mapped versions of
  those) unless ``NEWSDESK_ALLOW_HOSTS`` lists the host or a CIDR range holding the address. The connector
  connects to exactly the addresses that were vetted, so DNS rebinding cannot swap in another one; IP literals
  (which aiohttp never resolves) are vetted before the request is made;
* connect/read/total timeouts, a download cap enforced while streaming, a content-type allowlist, and a cap on
  the decompressed size (we decompress ourselves, so a gzip bomb stops at the cap);
* a per-host concurrency limit and a descriptive User-Agent, so polling many items is polite.

Every failure is a ``FetchError`` whose message is one sentence an admin can act on.

Entry points: ``Fetcher`` (async context manager; ``await fetcher.fetch(url, etag=..., last_modified=...)``),
``ingest_urls(desk, urls, scope)`` (async: fetch, extract with trafilatura, ingest) and ``ingest_urls_sync`` for
the CLI.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import ResolveResult
from aiohttp.resolver import ThreadedResolver

from index.config import CoreSettings
from index.extract import ExtractError, article_from_html, decode
from index.models import ArticleIn, IngestItem, IngestReport
from index.sources.desk import IngestDesk

log = logging.getLogger(__name__)

USER_AGENT = "NewsdeskBot/0.1 (+contact in README)"
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
        "application/feed+json",
    }
)
DEFAULT_TYPES = HTML_TYPES | FEED_TYPES | {"text/plain"}
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class FetchError(Exception):
    """A URL that could not be fetched; ``str(exc)`` is one sentence for the admin.

    Deliberately not an ``OSError``: aiohttp would wrap an ``OSError`` raised by the resolver into a generic
    connection error and the reason (a refused private address) would be lost.
    """


@dataclass(frozen=True)
class FetchPolicy:
    """Limits for one fetcher; the defaults suit news pages and feeds (kilobytes, rarely a few MB)."""

    allow_hosts: str = ""  # comma-separated host names or CIDR ranges (NEWSDESK_ALLOW_HOSTS)
    connect_timeout: float = 10.0
    read_timeout: float = 20.0  # longest silence between two chunks
    total_timeout: float = 60.0  # whole request, so a server dripping bytes cannot hold a slot forever
    max_bytes: int = 5 * 1024 * 1024  # on the wire
    max_decompressed: int = 20 * 1024 * 1024
    max_redirects: int = 5
    per_host: int = 2
    user_agent: str = USER_AGENT

    @classmethod
    def from_settings(cls, settings: CoreSettings, **overrides: Any) -> FetchPolicy:
        """The policy for a service's settings: the allowlist comes from ``settings.allow_hosts``."""
        policy = cls(allow_hosts=settings.allow_hosts)
        return replace(policy, **overrides) if overrides else policy


@dataclass
class FetchResult:
    url: str  # the URL asked for
    final_url: str  # after redirects
    status: int
    content_type: str = ""
    charset: str | None = None
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    redirects: list[str] = field(default_factory=list)

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    def text(self) -> str:
        """The body as text: the declared charset when it works, else UTF-8 or a detected encoding."""
        if self.charset:
            try:
                return self.body.decode(self.charset)
            except (LookupError, UnicodeDecodeError):
                log.info("%s: declared charset %s does not decode; detecting", self.final_url, self.charset)
        try:
            return decode(self.body, self.final_url)
        except ExtractError as exc:
            raise FetchError(str(exc)) from exc


# -- address policy -------------------------------------------------------------------------------------------
class Allowlist:
    """Host names and CIDR ranges an admin allowed even though they are not public (tests allow 127.0.0.1)."""

    def __init__(self, spec: str = ""):
        self.hosts: set[str] = set()
        self.networks: list[IPNetwork] = []
        for raw in spec.split(","):
            entry = raw.strip().lower().rstrip(".")
            if not entry:
                continue
            try:
                self.networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                self.hosts.add(entry)

    def allows(self, host: str, address: IPAddress | None) -> bool:
        if host.lower().rstrip(".") in self.hosts:
            return True
        if address is None:
            return False
        return any(address.version == net.version and address in net for net in self.networks)


def non_public_reason(address: IPAddress) -> str | None:
    """Why ``address`` must not be fetched from ("private", "loopback", ...) or None when it is public."""
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            return non_public_reason(mapped)
        if address.teredo is not None:
            return non_public_reason(address.teredo[1])
    checks = (
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("unspecified", address.is_unspecified),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("non-public", not address.is_global),
    )
    return next((name for name, hit in checks if hit), None)


def check_address(host: str, address: str, allow: Allowlist) -> None:
    """Raise FetchError unless ``address`` (what ``host`` resolved to) may be connected to."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    reason = non_public_reason(ip)
    if reason and not allow.allows(host, ip):
        shown = host if host == address else f"{host} ({address})"
        raise FetchError(
            f"Refused to fetch from {shown}: it is a {reason} address; "
            "add it to NEWSDESK_ALLOW_HOSTS if this is intended."
        )


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def check_url(url: str, allow: Allowlist) -> tuple[str, str]:
    """Scheme and host of ``url`` after the checks that need no DNS; IP literals are vetted here."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        raise FetchError(f"{url!r} is not a valid URL ({exc}).") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(f"Refused to fetch {url!r}: only http and https URLs can be fetched.")
    host = (parts.hostname or "").lower()
    if not host:
        raise FetchError(f"{url!r} has no host name.")
    if parts.username or parts.password:
        raise FetchError(f"Refused to fetch {url!r}: URLs with credentials are not fetched.")
    literal = _ip_literal(host)
    if literal is not None:
        check_address(host, str(literal), allow)
    return scheme, host


class GuardedResolver(ThreadedResolver):
    """Resolves like aiohttp does, then refuses the whole host if any address is not public.

    Refusing when *any* address is private (rather than dropping those addresses) keeps a host that mixes
    public and private records from being used to reach the private ones on a retry.
    """

    def __init__(self, allow: Allowlist):
        super().__init__()
        self.allow = allow

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        try:
            results = await super().resolve(host, port, family)
        except OSError as exc:
            raise FetchError(f"Could not resolve host {host}: {exc.strerror or exc}.") from exc
        for result in results:
            check_address(host, result["host"], self.allow)
        return results


# -- the fetcher ----------------------------------------------------------------------------------------------
def _media_type(header: str) -> tuple[str, str | None]:
    if not header:
        return "", None
    parts = [p.strip() for p in header.split(";")]
    charset = None
    for param in parts[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value:
            charset = value.strip().strip('"')
    return parts[0].lower(), charset


class _Decoder:
    """Content-Encoding handled by us, so the decompressed size can be capped while it streams."""

    def __init__(self, encoding: str, url: str, limit: int):
        encoding = encoding.strip().lower()
        self.url, self.limit, self.size = url, limit, 0
        if encoding in ("", "identity"):
            self.obj = None
        elif encoding in ("gzip", "x-gzip"):
            self.obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self.obj = zlib.decompressobj()
        else:
            raise FetchError(f"{url} used the unsupported content encoding {encoding!r}.")
        self.raw_deflate_tried = encoding != "deflate"

    def feed(self, chunk: bytes) -> bytes:
        if self.obj is None:
            out = chunk
        else:
            try:
                # max_length bounds the output of this one call; what is left stays in unconsumed_tail.
                out = self.obj.decompress(chunk, self.limit - self.size + 1)
            except zlib.error as exc:
                if not self.raw_deflate_tried:  # some servers send raw deflate without the zlib header
                    self.raw_deflate_tried = True
                    self.obj = zlib.decompressobj(-zlib.MAX_WBITS)
                    return self.feed(chunk)
                raise FetchError(f"{self.url} sent a corrupt compressed body ({exc}).") from exc
            self.raw_deflate_tried = True
            if self.obj.unconsumed_tail:
                self.size = self.limit + 1
        self.size += len(out)
        if self.size > self.limit:
            raise FetchError(
                f"{self.url} decompresses to more than {_mb(self.limit)}, the limit; it was not fetched."
            )
        return out

    def flush(self) -> bytes:
        if self.obj is None:
            return b""
        out = self.obj.flush()
        self.size += len(out)
        if self.size > self.limit:
            raise FetchError(
                f"{self.url} decompresses to more than {_mb(self.limit)}, the limit; it was not fetched."
            )
        return out


def _mb(n: int) -> str:
    return (
        f"{n / (1024 * 1024):.1f} MB"
        if n >= 1024 * 1024
        else f"{n // 1024} KB"
        if n >= 1024
        else f"{n} bytes"
    )


class Fetcher:
    """One aiohttp session behind the SSRF guard; use ``async with Fetcher(policy) as f: await f.fetch(url)``.

    Holds the per-host semaphores, so share one fetcher across a poll to make the per-host limit mean something.
    """

    def __init__(self, policy: FetchPolicy | None = None):
        self.policy = policy or FetchPolicy()
        self.allow = Allowlist(self.policy.allow_hosts)
        self._session: aiohttp.ClientSession | None = None
        self._host_slots: dict[str, asyncio.Semaphore] = {}
        self.requests: list[tuple[str, int | str]] = []  # (url, status or error) of every request made

    async def __aenter__(self) -> Fetcher:
        connector = aiohttp.TCPConnector(resolver=GuardedResolver(self.allow), use_dns_cache=False, limit=20)
        self._session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,
            trust_env=False,  # no proxy from the environment: the vetted address must be the one connected to
            headers={"User-Agent": self.policy.user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=aiohttp.ClientTimeout(
                total=self.policy.total_timeout,
                sock_connect=self.policy.connect_timeout,
                sock_read=self.policy.read_timeout,
            ),
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: frozenset[str] = DEFAULT_TYPES,
    ) -> FetchResult:
        """GET ``url`` under the policy; a 304 (when ``etag``/``last_modified`` are given) comes back as is."""
        if self._session is None:
            raise RuntimeError("use 'async with Fetcher(...)' before fetching")
        headers = {"Accept": ", ".join(sorted(accept)) + ", */*;q=0.1"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current, hops = url, []
        for _ in range(self.policy.max_redirects + 1):
            _, host = check_url(current, self.allow)
            async with self._slot(host):
                result = await self._get(current, headers)
            if result is not None and not isinstance(result, str):
                result.url, result.redirects = url, hops
                return self._accept(result, accept)
            if result is None:
                raise FetchError(f"{current} redirected without saying where to.")
            hops.append(current)
            current = result
        raise FetchError(f"{url} redirected more than {self.policy.max_redirects} times; gave up.")

    def _slot(self, host: str) -> asyncio.Semaphore:
        return self._host_slots.setdefault(host, asyncio.Semaphore(self.policy.per_host))

    async def _get(self, url: str, headers: dict[str, str]) -> FetchResult | str | None:
        """One request: a FetchResult, or the next URL (str) for a redirect, or None for a bad redirect."""
        assert self._session is not None
        started = time.monotonic()
        answered = False
        try:
            async with self._session.get(url, headers=headers, allow_redirects=False) as resp:
                answered = True
                self.requests.append((url, resp.status))
                if resp.status in (301, 302, 303, 307, 308):
                    location = resp.headers.get("Location")
                    return urljoin(url, location) if location else None
                if resp.status == 304:
                    return FetchResult(url, url, 304, etag=resp.headers.get("ETag"))
                if resp.status >= 400:
                    raise FetchError(f"{url} answered HTTP {resp.status} {resp.reason or ''}".rstrip() + ".")
                return await self._read(url, resp)
        except FetchError:
            if not answered:  # refused by the resolver: nothing was connected to
                self.requests.append((url, "refused"))
            raise
        except TimeoutError as exc:
            self.requests.append((url, "timeout"))
            waited = time.monotonic() - started
            raise FetchError(
                f"{url} timed out after {waited:.1f} s (limits: connect {self.policy.connect_timeout:g} s, "
                f"read {self.policy.read_timeout:g} s, total {self.policy.total_timeout:g} s)."
            ) from exc
        except aiohttp.ClientError as exc:
            self.requests.append((url, "error"))
            raise FetchError(f"Could not fetch {url}: {exc.__class__.__name__}: {exc}.") from exc

    async def _read(self, url: str, resp: aiohttp.ClientResponse) -> FetchResult:
        media, charset = _media_type(resp.headers.get("Content-Type", ""))
        declared = resp.content_length
        if declared is not None and declared > self.policy.max_bytes:
            raise FetchError(
                f"{url} is {_mb(declared)}, over the {_mb(self.policy.max_bytes)} download limit."
            )
        decoder = _Decoder(resp.headers.get("Content-Encoding", ""), url, self.policy.max_decompressed)
        chunks: list[bytes] = []
        received = 0
        async for chunk in resp.content.iter_chunked(64 * 1024):
            received += len(chunk)
            if received > self.policy.max_bytes:
                raise FetchError(
                    f"{url} sent more than {_mb(self.policy.max_bytes)}, the download limit; it was cut off."
                )
            chunks.append(decoder.feed(chunk))
        chunks.append(decoder.flush())
        return FetchResult(
            url=url,
            final_url=str(resp.url),
            status=resp.status,
            content_type=media,
            charset=charset,
            body=b"".join(chunks),
            etag=resp.headers.get("ETag"),
            last_modified=resp.headers.get("Last-Modified"),
        )

    @staticmethod
    def _accept(result: FetchResult, accept: frozenset[str]) -> FetchResult:
        if result.not_modified or not result.content_type or result.content_type in accept:
            return result
        raise FetchError(
            f"{result.final_url} is {result.content_type}, not a web page or feed; it was not indexed."
        )


# -- URL ingestion --------------------------------------------------------------------------------------------
def canonical_url(article_url: str | None, final_url: str) -> str:
    """The page's own canonical URL (made absolute) when it is http(s), else the URL it was fetched from."""
    if article_url:
        candidate = urljoin(final_url, article_url.strip())
        if urlsplit(candidate).scheme in ("http", "https"):
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
