"""The HTTP client behind the SSRF guard: one aiohttp session with limits that suit news pages and feeds.

* the host is resolved by ``guard.GuardedResolver`` inside the connector, and every redirect is followed by hand
  (at most ``max_redirects``) and re-checked with ``guard.check_url``;
* connect/read/total timeouts, a download cap enforced while streaming, a content-type allowlist, and a cap on
  the decompressed size (we decompress ourselves, so a gzip bomb stops at the cap);
* a per-host concurrency limit and a descriptive User-Agent, so polling many items is polite.

Every failure is a ``FetchError`` whose message is one sentence an admin can act on.
"""

from __future__ import annotations

import asyncio
import logging
import time
import zlib
from dataclasses import dataclass, field
from urllib.parse import urljoin

import aiohttp

from index.config import CoreSettings
from index.ingest.extract import ExtractError, decode
from index.messages import say
from index.sources.guard import Allowlist, FetchError, GuardedResolver, check_url

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
REDIRECTS = frozenset({301, 302, 303, 307, 308})
CHUNK_BYTES = 64 * 1024  # read size while streaming: the download caps are checked after every chunk
CONNECTIONS = 20  # open connections per fetcher across hosts (per host: FetchPolicy.per_host)


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
    def from_settings(cls, settings: CoreSettings) -> FetchPolicy:
        """The policy for a service's settings: the allowlist comes from ``settings.allow_hosts``."""
        return cls(allow_hosts=settings.allow_hosts)


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
            raise FetchError(say("fetch_bad_encoding", url=url, encoding=encoding))
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
                raise FetchError(say("fetch_corrupt", url=self.url, error=str(exc))) from exc
            self.raw_deflate_tried = True
            if self.obj.unconsumed_tail:
                self.size = self.limit + 1
        self.size += len(out)
        if self.size > self.limit:
            raise FetchError(say("fetch_inflated_too_big", url=self.url, limit=_mb(self.limit)))
        return out

    def flush(self) -> bytes:
        if self.obj is None:
            return b""
        out = self.obj.flush()
        self.size += len(out)
        if self.size > self.limit:
            raise FetchError(say("fetch_inflated_too_big", url=self.url, limit=_mb(self.limit)))
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
        connector = aiohttp.TCPConnector(
            resolver=GuardedResolver(self.allow), use_dns_cache=False, limit=CONNECTIONS
        )
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
        current, hops = url, list[str]()
        for _ in range(self.policy.max_redirects + 1):
            _, host = check_url(current, self.allow)
            async with self._slot(host):
                result = await self._get(current, headers)
            if result is not None and not isinstance(result, str):
                result.url, result.redirects = url, hops
                return self._accept(result, accept)
            if result is None:
                raise FetchError(say("fetch_redirect_nowhere", url=current))
            hops.append(current)
            current = result
        raise FetchError(say("fetch_too_many_redirects", url=url, n=self.policy.max_redirects))

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
                if resp.status in REDIRECTS:
                    location = resp.headers.get("Location")
                    return urljoin(url, location) if location else None
                if resp.status == 304:
                    return FetchResult(url, url, 304, etag=resp.headers.get("ETag"))
                if resp.status >= 400:
                    raise FetchError(
                        say("fetch_http_error", url=url, status=resp.status, reason=resp.reason or "")
                    )
                return await self._read(url, resp)
        except FetchError:
            if not answered:  # refused by the resolver: nothing was connected to
                self.requests.append((url, "refused"))
            raise
        except TimeoutError as exc:
            self.requests.append((url, "timeout"))
            waited = time.monotonic() - started
            raise FetchError(
                say(
                    "fetch_timeout",
                    url=url,
                    waited=f"{waited:.1f}",
                    connect=f"{self.policy.connect_timeout:g}",
                    read=f"{self.policy.read_timeout:g}",
                    total=f"{self.policy.total_timeout:g}",
                )
            ) from exc
        except aiohttp.ClientError as exc:
            self.requests.append((url, "error"))
            raise FetchError(
                say("fetch_failed", url=url, kind=exc.__class__.__name__, error=str(exc))
            ) from exc

    async def _read(self, url: str, resp: aiohttp.ClientResponse) -> FetchResult:
        media, charset = _media_type(resp.headers.get("Content-Type", ""))
        declared = resp.content_length
        if declared is not None and declared > self.policy.max_bytes:
            raise FetchError(
                say("fetch_declared_too_big", url=url, size=_mb(declared), limit=_mb(self.policy.max_bytes))
            )
        decoder = _Decoder(resp.headers.get("Content-Encoding", ""), url, self.policy.max_decompressed)
        chunks: list[bytes] = []
        received = 0
        async for chunk in resp.content.iter_chunked(CHUNK_BYTES):
            received += len(chunk)
            if received > self.policy.max_bytes:
                raise FetchError(say("fetch_too_big", url=url, limit=_mb(self.policy.max_bytes)))
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
        raise FetchError(say("fetch_wrong_type", url=result.final_url, content_type=result.content_type))
