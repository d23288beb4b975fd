"""A small news site on 127.0.0.1 for the fetch/feed tests and the poll benchmark.

Real HTTP (aiohttp server): article pages that look like an outlet's (navigation, byline, canonical link,
og:site_name, a footer) and RSS 0.91 / RSS 1.0 / RSS 2.0 / Atom feeds built from the bundled Wikinews sample, with
ETag and Last-Modified so conditional GETs can be checked. Every request is counted per path (``hits``), so a
test can say exactly what a poll fetched. Not a test module: the benchmark imports it too.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import json
import re
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import unquote

from aiohttp import web

CORPUS = Path(__file__).resolve().parents[3] / "corpus" / "wikinews" / "articles.jsonl"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def load_records(limit: int | None = None) -> list[dict]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    return records[:limit] if limit else records


def paragraphs(record: dict) -> list[str]:
    return [p.strip() for p in record["text"].split("\n\n") if p.strip()]


@dataclass
class Item:
    path: str  # the page's path on this site
    title: str
    outlet: str
    date: str
    paragraphs: list[str]
    author: str = "Staff reporter"
    guid: str = ""
    canonical: str | None = None  # path or absolute URL for <link rel=canonical>; default: the page itself


@dataclass
class Feed:
    path: str
    title: str
    items: list[Item] = field(default_factory=list)
    kind: str = "rss2"  # rss2 | rss1 | rss091 | atom
    full_content: bool = True  # content:encoded with the whole text (the fallback when a page fails)
    broken: bool = False  # serve malformed XML


def article_html(item: Item, base: str) -> str:
    canonical = item.canonical or item.path
    if canonical.startswith("/"):
        canonical = base + canonical
    esc = html.escape
    body = "\n".join(f"      <p>{esc(p)}</p>" for p in item.paragraphs)
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{esc(item.title)} | {esc(item.outlet)}</title>
  <link rel="canonical" href="{esc(canonical)}">
  <meta property="og:site_name" content="{esc(item.outlet)}">
  <meta property="og:title" content="{esc(item.title)}">
  <meta property="og:type" content="article">
  <meta name="author" content="{esc(item.author)}">
  <meta property="article:published_time" content="{item.date}T09:30:00+00:00">
</head>
<body>
  <header><a href="/">{esc(item.outlet)}</a>
    <nav><ul><li><a href="/world">World</a></li><li><a href="/business">Business</a></li>
    <li><a href="/sport">Sport</a></li><li><a href="/subscribe">Subscribe</a></li></ul></nav>
  </header>
  <main>
    <article>
      <h1>{esc(item.title)}</h1>
      <p class="byline">By {esc(item.author)} · <time datetime="{item.date}">{item.date}</time></p>
{body}
    </article>
  </main>
  <aside><h2>Most read</h2><ul><li><a href="/x">Another story</a></li></ul></aside>
  <footer><p>© 2026 {esc(item.outlet)}. All rights reserved.</p></footer>
</body>
</html>
"""


def _rfc822(date: str) -> str:
    return format_datetime(datetime.fromisoformat(date + "T09:30:00+00:00"))


def feed_xml(feed: Feed, base: str) -> str:
    esc = html.escape
    if feed.broken:
        return '<?xml version="1.0"?><rss version="2.0"><channel><title>Broken<item><title>x</chan'
    entries = []
    for it in feed.items:
        link = base + it.path
        guid = it.guid or link
        summary = esc(it.paragraphs[0])
        content = esc("".join(f"<p>{html.escape(p)}</p>" for p in it.paragraphs))
        if feed.kind == "atom":
            entries.append(
                f'<entry><title>{esc(it.title)}</title><link rel="alternate" href="{esc(link)}"/>'
                f"<id>{esc(guid)}</id><updated>{it.date}T09:30:00Z</updated>"
                f"<published>{it.date}T09:30:00Z</published><author><name>{esc(it.author)}</name></author>"
                f"<summary>{summary}</summary>"
                + (f'<content type="html">{content}</content>' if feed.full_content else "")
                + "</entry>"
            )
        elif feed.kind == "rss1":
            entries.append(
                f'<item rdf:about="{esc(link)}"><title>{esc(it.title)}</title><link>{esc(link)}</link>'
                f"<description>{summary}</description><dc:date>{it.date}T09:30:00Z</dc:date></item>"
            )
        else:
            entries.append(
                f"<item><title>{esc(it.title)}</title><link>{esc(link)}</link>"
                + (f'<guid isPermaLink="false">{esc(guid)}</guid>' if feed.kind == "rss2" else "")
                + (f"<pubDate>{_rfc822(it.date)}</pubDate>" if feed.kind == "rss2" else "")
                + f"<description>{summary}</description>"
                + (
                    f"<content:encoded>{content}</content:encoded>"
                    if feed.full_content and feed.kind == "rss2"
                    else ""
                )
                + "</item>"
            )
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if feed.kind == "atom":
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{esc(feed.title)}</title><id>{esc(base + feed.path)}</id><updated>{now}</updated>"
            f'<link rel="self" href="{esc(base + feed.path)}"/>' + "".join(entries) + "</feed>"
        )
    if feed.kind == "rss1":
        seq = "".join(f'<rdf:li rdf:resource="{esc(base + it.path)}"/>' for it in feed.items)
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
            ' xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f'<channel rdf:about="{esc(base + feed.path)}"><title>{esc(feed.title)}</title>'
            f"<link>{esc(base)}/</link><description>{esc(feed.title)}</description>"
            f"<items><rdf:Seq>{seq}</rdf:Seq></items></channel>" + "".join(entries) + "</rdf:RDF>"
        )
    version = "0.91" if feed.kind == "rss091" else "2.0"
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="{version}" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>{esc(feed.title)}</title><link>{esc(base)}/</link><description>{esc(feed.title)}</description>"
        + "".join(entries)
        + "</channel></rss>"
    )


class NewsSite:
    """Pages and feeds served on 127.0.0.1; ``routes`` maps a path to a custom handler for odd cases."""

    def __init__(self) -> None:
        self.pages: dict[str, Item] = {}
        self.feeds: dict[str, Feed] = {}
        self.routes: dict[str, Handler] = {}
        self.hits: Counter[str] = Counter()
        self.statuses: list[tuple[str, int]] = []
        self.base = ""
        self._runner: web.AppRunner | None = None

    # -- content ------------------------------------------------------------------------------------------------
    def article(self, record: dict, outlet: str = "Wikinews", path: str | None = None, **kw) -> Item:
        segments = [
            s for s in unquote(record["url"]).split("/") if s and s not in ("index.html", "index.htm")
        ]
        slug = re.sub(r"[^A-Za-z0-9_-]+", "-", segments[-1] if segments else "story")  # plain paths
        item = Item(
            path=path or f"/{outlet.lower().replace(' ', '-')}/{slug}",
            title=record["title"],
            outlet=outlet,
            date=record["date"],
            paragraphs=paragraphs(record),
            **kw,
        )
        base, n = item.path, 1
        while item.path in self.pages and path is None:  # distinct stories never share a URL
            n += 1
            item.path = f"{base}-{n}"
        self.pages[item.path] = item
        return item

    def feed(self, path: str, title: str, items: list[Item], kind: str = "rss2", **kw) -> Feed:
        self.feeds[path] = Feed(path, title, list(items), kind, **kw)
        return self.feeds[path]

    def url(self, path: str) -> str:
        return self.base + path

    # -- server -------------------------------------------------------------------------------------------------
    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base = f"http://127.0.0.1:{port}"
        return self.base

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        self.hits[path] += 1
        resp = await self._respond(request, path)
        self.statuses.append((path, resp.status))
        return resp

    async def _respond(self, request: web.Request, path: str) -> web.StreamResponse:
        if path in self.routes:
            return await self.routes[path](request)
        if path in self.feeds:
            feed = self.feeds[path]
            body = feed_xml(feed, self.base).encode("utf-8")
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            if request.headers.get("If-None-Match") == etag:
                return web.Response(status=304, headers={"ETag": etag})
            ctype = "application/atom+xml" if feed.kind == "atom" else "application/rss+xml"
            return web.Response(
                body=body,
                headers={"ETag": etag, "Last-Modified": "Tue, 24 Nov 2026 10:00:00 GMT"},
                content_type=ctype,
                charset="utf-8",
            )
        if path in self.pages:
            return web.Response(text=article_html(self.pages[path], self.base), content_type="text/html")
        return web.Response(status=404, text="not found")


async def _serve_forever() -> (
    None
):  # pragma: no cover - manual poking: python tests/index/sources/loopback_news.py
    site = NewsSite()
    items = [site.article(r) for r in load_records(10)]
    site.feed("/feed.rss", "Wikinews", items)
    print(await site.start() + "/feed.rss")
    await asyncio.Event().wait()


if __name__ == "__main__":  # pragma: no cover
    asyncio.run(_serve_forever())
