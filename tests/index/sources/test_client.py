"""The guarded HTTP client against real HTTP servers on 127.0.0.1 (nothing else is ever contacted)."""

from __future__ import annotations

import asyncio
import gzip

import pytest
from aiohttp import web

from index.sources.client import USER_AGENT, Fetcher, FetchPolicy
from index.sources.guard import FetchError

from .loopback_news import NewsSite, article_html, load_records

LOOPBACK = FetchPolicy(allow_hosts="127.0.0.1", read_timeout=1.0, total_timeout=10.0)


def _page(site: NewsSite, path: str = "/page") -> str:
    item = site.article(load_records(1)[0], outlet="Daily Planet", path=path)
    return item.path


# -- against the loopback server ------------------------------------------------------------------------------------
async def test_fetches_an_allowlisted_page_with_our_user_agent(site):
    seen = {}

    async def echo(request: web.Request) -> web.Response:
        seen["ua"] = request.headers.get("User-Agent")
        return web.Response(text="<html><body><p>hello</p></body></html>", content_type="text/html")

    site.routes["/ua"] = echo
    async with Fetcher(LOOPBACK) as f:
        result = await f.fetch(site.url(_page(site)))
        await f.fetch(site.url("/ua"))
    assert result.status == 200 and result.content_type == "text/html"
    assert "Daily Planet" in result.text()
    assert seen["ua"] == USER_AGENT


async def test_loopback_refused_unless_allowlisted(site):
    path = _page(site)
    async with Fetcher(FetchPolicy()) as f:
        with pytest.raises(FetchError, match=r"Refused to fetch from 127\.0\.0\.1: it is a loopback address"):
            await f.fetch(site.url(path))
    async with Fetcher(FetchPolicy()) as f:  # a host name resolving to loopback: refused after DNS
        with pytest.raises(FetchError, match=r"localhost \(127\.0\.0\.1\).*loopback"):
            await f.fetch(site.url(path).replace("127.0.0.1", "localhost"))
    assert site.hits[path] == 0


async def test_redirect_to_private_addresses_refused(site):
    path = _page(site)
    port = site.base.rsplit(":", 1)[1]

    def redirect(location: str):
        async def handler(request: web.Request) -> web.Response:
            raise web.HTTPFound(location)

        return handler

    site.routes["/to-10"] = redirect("http://10.0.0.1/internal")
    site.routes["/to-loopback"] = redirect(f"http://127.0.0.1:{port}{path}")
    site.routes["/to-file"] = redirect("file:///etc/passwd")
    async with Fetcher(LOOPBACK) as f:
        with pytest.raises(FetchError, match=r"10\.0\.0\.1.*private"):
            await f.fetch(site.url("/to-10"))
        with pytest.raises(FetchError, match="only http and https"):
            await f.fetch(site.url("/to-file"))
    # Only "localhost" is allowed: the first hop is, the redirect to the 127.0.0.1 literal is not.
    async with Fetcher(FetchPolicy(allow_hosts="localhost")) as f:
        with pytest.raises(FetchError, match=r"127\.0\.0\.1: it is a loopback"):
            await f.fetch(f"http://localhost:{port}/to-loopback")
    assert site.hits["/to-loopback"] == 1 and site.hits[path] == 0


async def test_redirects_followed_and_capped(site):
    path = _page(site)

    async def hop(request: web.Request) -> web.Response:
        n = int(request.query.get("n", "0"))
        raise web.HTTPFound(f"/hop?n={n + 1}" if n < 10 else path)

    async def once(request: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently(path)

    site.routes["/hop"] = hop
    site.routes["/once"] = once
    async with Fetcher(LOOPBACK) as f:
        result = await f.fetch(site.url("/once"))
        assert result.final_url == site.url(path) and result.redirects == [site.url("/once")]
        with pytest.raises(FetchError, match="redirected more than 5 times"):
            await f.fetch(site.url("/hop"))


async def test_http_errors_and_content_types(site):
    async def boom(request: web.Request) -> web.Response:
        return web.Response(status=500, text="internal error")

    async def image(request: web.Request) -> web.Response:
        return web.Response(body=b"\x89PNG\r\n\x1a\n" + b"0" * 100, content_type="image/png")

    site.routes["/500"] = boom
    site.routes["/img"] = image
    async with Fetcher(LOOPBACK) as f:
        with pytest.raises(FetchError, match="answered HTTP 500"):
            await f.fetch(site.url("/500"))
        with pytest.raises(FetchError, match="image/png, not a web page or feed"):
            await f.fetch(site.url("/img"))
        with pytest.raises(FetchError, match="HTTP 404"):
            await f.fetch(site.url("/missing"))


async def test_oversized_pages_are_cut_off(site):
    big = (
        article_html(site.article(load_records(1)[0], path="/big"), site.base)
        + "<!--"
        + "x" * 200_000
        + "-->"
    )

    async def streamed(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/html"})
        await resp.prepare(request)  # no Content-Length: the cap must hold while streaming
        for _ in range(100):
            await resp.write(b"<p>" + b"y" * 8192 + b"</p>")
        await resp.write_eof()
        return resp

    async def declared(request: web.Request) -> web.Response:
        return web.Response(text=big, content_type="text/html")

    site.routes["/stream"] = streamed
    site.routes["/declared"] = declared
    policy = FetchPolicy(allow_hosts="127.0.0.1", max_bytes=64 * 1024)
    async with Fetcher(policy) as f:
        with pytest.raises(FetchError, match="sent more than 64 KB, the download limit"):
            await f.fetch(site.url("/stream"))
        with pytest.raises(FetchError, match="over the 64 KB download limit"):
            await f.fetch(site.url("/declared"))


async def test_decompressed_size_is_capped(site):
    bomb = gzip.compress(b"<p>" + b"a" * (4 * 1024 * 1024) + b"</p>")
    small = gzip.compress(b"<html><body><p>compressed fine</p></body></html>")

    def gz(body: bytes):
        async def handler(request: web.Request) -> web.Response:
            return web.Response(body=body, headers={"Content-Type": "text/html", "Content-Encoding": "gzip"})

        return handler

    site.routes["/bomb"] = gz(bomb)
    site.routes["/small"] = gz(small)
    policy = FetchPolicy(allow_hosts="127.0.0.1", max_decompressed=1024 * 1024)
    assert len(bomb) < policy.max_bytes
    async with Fetcher(policy) as f:
        assert "compressed fine" in (await f.fetch(site.url("/small"))).text()
        with pytest.raises(FetchError, match="decompresses to more than 1.0 MB"):
            await f.fetch(site.url("/bomb"))


async def test_slow_server_times_out(site):
    async def stall_headers(request: web.Request) -> web.Response:
        await asyncio.sleep(3)
        return web.Response(text="late", content_type="text/html")

    async def stall_body(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/html"})
        await resp.prepare(request)
        await resp.write(b"<html><body><p>first bytes")
        await asyncio.sleep(3)
        await resp.write(b"</p></body></html>")
        return resp

    site.routes["/slow"] = stall_headers
    site.routes["/drip"] = stall_body
    async with Fetcher(LOOPBACK) as f:
        with pytest.raises(FetchError, match=r"/slow timed out after .* read 1 s"):
            await f.fetch(site.url("/slow"))
        with pytest.raises(FetchError, match=r"/drip timed out"):
            await f.fetch(site.url("/drip"))


async def test_conditional_get_and_per_host_limit(site):
    inflight = {"now": 0, "max": 0}

    async def tracked(request: web.Request) -> web.Response:
        inflight["now"] += 1
        inflight["max"] = max(inflight["max"], inflight["now"])
        await asyncio.sleep(0.05)
        inflight["now"] -= 1
        etag = '"v1"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(text="<p>x</p>", content_type="text/html", headers={"ETag": etag})

    site.routes["/t"] = tracked
    async with Fetcher(FetchPolicy(allow_hosts="127.0.0.1", per_host=2)) as f:
        results = await asyncio.gather(*(f.fetch(site.url("/t")) for _ in range(6)))
        again = await f.fetch(site.url("/t"), etag=results[0].etag)
    assert all(r.status == 200 and r.etag == '"v1"' for r in results)
    assert inflight["max"] <= 2
    assert again.not_modified and again.body == b""
