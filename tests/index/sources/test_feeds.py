"""Feeds end to end: a real news site on 127.0.0.1, the real service (SQLite, embedder, FAISS), real polls."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web

from index.sources import normalise_feed_url, polling
from index.sources.client import FetchPolicy
from index.sources.feeds import (
    FeedError,
    add_feed,
    feed_status,
    find_feed,
    list_feeds,
    parse_every,
    poll,
    remove_feed,
)
from index.sources.fetch import ingest_urls

from .loopback_news import load_records

RECORDS = load_records()


@pytest.fixture
def desk(make_desk):
    """The shared real service (tests/conftest.py), allowed to fetch from the loopback test server."""
    return make_desk(allow_hosts="127.0.0.1")


def _status(desk, feed_id):
    return {i.guid: i for i in feed_status(desk, feed_id, limit=500)[0].items}


def _page_hits(site):
    return sum(n for path, n in site.hits.items() if path in site.pages)


# -- registry ---------------------------------------------------------------------------------------------------
def test_registry_add_list_remove(desk):
    a = add_feed(desk, "https://example.org/rss.xml")
    b = add_feed(desk, "https://example.org/atom.xml", every="1h30m", scope="42")
    assert (a.every_seconds, b.every_seconds, b.scope) == (900, 5400, "42")
    assert [f.id for f in list_feeds(desk)] == [a.id, b.id]
    assert [f.id for f in list_feeds(desk, scope="42")] == [b.id]
    with pytest.raises(FeedError, match="already polls"):
        add_feed(desk, "https://example.org/rss.xml")
    with pytest.raises(FeedError, match="only http and https"):
        add_feed(desk, "file:///etc/passwd")
    with pytest.raises(FeedError, match="not an interval"):
        add_feed(desk, "https://example.org/x", every="soon")
    assert find_feed(desk, f"#{b.id}").url == b.url
    with pytest.raises(FeedError, match="No feed"):
        remove_feed(desk, b.id, scope="7")  # another server's feed is not visible
    assert remove_feed(desk, "https://example.org/atom.xml").id == b.id
    assert [f.id for f in list_feeds(desk)] == [a.id]


def test_feed_urls_differing_in_case_of_scheme_or_host_or_fragment_are_one_feed(desk):
    a = add_feed(desk, "http://Example.org/Feed.xml?Edition=US#top")
    assert a.url == "http://example.org/Feed.xml?Edition=US"  # path and query keep their case
    for same in ("HTTP://example.org/Feed.xml?Edition=US", "http://EXAMPLE.ORG/Feed.xml?Edition=US#x"):
        with pytest.raises(FeedError, match=f"Feed #{a.id} already polls http://example.org/Feed.xml"):
            add_feed(desk, same)
    other = add_feed(desk, "http://example.org/feed.xml?Edition=US")  # another path is another feed
    assert other.id != a.id
    assert add_feed(desk, "HTTP://example.org/Feed.xml?Edition=US", scope="42").scope == "42"  # per server
    assert find_feed(desk, "http://EXAMPLE.org/Feed.xml?Edition=US#y", scope="").id == a.id
    assert normalise_feed_url(" HTTPS://Host.Example:8443/a/B#frag ") == "https://host.example:8443/a/B"


def test_parse_every():
    assert parse_every("15m") == 900 and parse_every("2h") == 7200 and parse_every("30") == 1800
    with pytest.raises(FeedError):
        parse_every("10s")


# -- polling ----------------------------------------------------------------------------------------------------
async def test_items_ingested_once_304_and_one_new_item(desk, site):
    items = [site.article(r, outlet="Wikinews") for r in RECORDS[:5]]
    feed = site.feed("/world.rss", "Wikinews World", items)
    info = await asyncio.to_thread(add_feed, desk, site.url("/world.rss"))

    first = await poll(desk, force=True)
    assert first.added == 5 and first.failed == 0 and not first.errors
    assert _page_hits(site) == 5 and desk.stats().articles == 5

    # Unchanged feed: the ETag comes back, the server answers 304, nothing else is requested.
    second = await poll(desk, force=True)
    assert second.feeds[0].status == "not_modified" and second.feeds[0].feed_http == 304
    assert second.added == 0 and second.pages_fetched == 0
    assert site.hits["/world.rss"] == 2 and _page_hits(site) == 5
    assert ("/world.rss", 304) in site.statuses

    # The feed gains one item: exactly that page is fetched and indexed; the five seen items are not refetched.
    extra = site.article(RECORDS[5], outlet="Wikinews")
    feed.items.insert(0, extra)
    third = await poll(desk, force=True)
    f = third.feeds[0]
    assert (f.status, f.entries, f.seen, f.added, f.pages_fetched) == ("ok", 6, 5, 1, 1)
    assert site.hits[extra.path] == 1 and _page_hits(site) == 6
    assert desk.stats().articles == 6

    st = list_feeds(desk)[0]
    assert st.id == info.id and st.added == 6 and st.healthy and st.title == "Wikinews World"
    answer = desk.ask(RECORDS[5]["title"], k=3)
    assert any(q.url == site.url(extra.path) and q.source == "Wikinews" for q in answer.quotes)


async def test_due_feeds_only_without_force(desk, site):
    site.feed("/a.rss", "A", [site.article(RECORDS[0])])
    await asyncio.to_thread(add_feed, desk, site.url("/a.rss"), "1h")
    assert len((await poll(desk)).feeds) == 1  # never polled: due
    assert (await poll(desk)).feeds == []  # polled a moment ago, every hour: not due
    assert site.hits["/a.rss"] == 1


async def test_rss1_rss091_and_atom(desk, site):
    for kind, recs in (("rss1", RECORDS[0:2]), ("rss091", RECORDS[2:4]), ("atom", RECORDS[4:6])):
        site.feed(
            f"/{kind}.xml",
            f"Feed {kind}",
            [site.article(r, outlet=f"Outlet {kind}") for r in recs],
            kind=kind,
        )
        await asyncio.to_thread(add_feed, desk, site.url(f"/{kind}.xml"))
    report = await poll(desk, force=True)
    assert [f.added for f in report.feeds] == [2, 2, 2]
    sources = {s.source for s in desk.sources()}
    assert sources == {"Outlet rss1", "Outlet rss091", "Outlet atom"}
    atom = desk.store.query("SELECT date, author FROM articles WHERE source='Outlet atom' ORDER BY rowid")
    assert atom[0]["date"] == RECORDS[4]["date"] and atom[0]["author"] == "Staff reporter"


async def test_broken_feed_and_failing_pages_are_reported_and_others_continue(desk, site):
    good = [site.article(r, outlet="Good Times") for r in RECORDS[:2]]
    site.feed("/good.rss", "Good", good)
    site.feed("/broken.rss", "Broken", [], broken=True)

    async def boom(request: web.Request) -> web.Response:
        return web.Response(status=500, text="upstream failure")

    site.routes["/down.rss"] = boom
    # A feed whose first item's page fails (its text is in the feed) and whose second has no text anywhere.
    fallback, lost = site.article(RECORDS[2], outlet="Flaky"), site.article(RECORDS[3], outlet="Flaky")
    site.routes[fallback.path] = site.routes[lost.path] = boom
    site.feed("/flaky.rss", "Flaky Feed", [fallback, lost])
    lost.paragraphs = [" "]  # nothing in the feed for this one
    ids = [
        (await asyncio.to_thread(add_feed, desk, site.url(p))).id
        for p in ("/broken.rss", "/down.rss", "/good.rss", "/flaky.rss")
    ]
    report = await poll(desk, force=True)
    by_id = {f.feed_id: f for f in report.feeds}
    assert by_id[ids[0]].status == "error" and "not a readable RSS or Atom feed" in by_id[ids[0]].error
    assert by_id[ids[1]].status == "error" and "HTTP 500" in by_id[ids[1]].error
    assert by_id[ids[2]].added == 2
    assert by_id[ids[3]].added == 1 and by_id[ids[3]].count("failed") == 1

    feeds = {f.id: f for f in list_feeds(desk)}
    assert not feeds[ids[0]].healthy and "not a readable" in feeds[ids[0]].last_error
    assert not feeds[ids[1]].healthy and feeds[ids[2]].healthy
    items = _status(desk, ids[3])
    added = items[site.url(fallback.path)]
    assert added.status == "added" and "feed's own text" in added.reason and "HTTP 500" in added.reason
    failed = items[site.url(lost.path)]
    assert failed.status == "failed" and "HTTP 500" in failed.reason and "no text" in failed.reason
    # Its page is retried on later polls (a transient failure), up to the attempt limit.
    newer = site.article(RECORDS[4], outlet="Flaky")
    site.feeds["/flaky.rss"].items.append(newer)
    again = await poll(desk, feed_ids=[ids[3]])
    assert {i.link for i in again.feeds[0].items} == {site.url(lost.path), site.url(newer.path)}
    assert _status(desk, ids[3])[site.url(lost.path)].attempts == 2


async def test_private_addresses_refused_when_not_allowlisted(desk, site, tmp_path, make_desk):
    item = site.article(RECORDS[0], outlet="Sneaky")

    def redirect(location: str):
        async def handler(request: web.Request) -> web.Response:
            raise web.HTTPFound(location)

        return handler

    site.routes["/to-private"] = redirect("http://10.0.0.1/secret")
    site.routes["/to-loopback"] = redirect(site.url(item.path))
    report = await ingest_urls(desk, [site.url("/to-private")])
    assert (
        report.added == 0 and "10.0.0.1" in report.failed[0].reason and "private" in report.failed[0].reason
    )

    strict = make_desk(tmp_path / "strict")  # no allowlist
    site.feed("/sneaky.rss", "Sneaky", [item])
    with pytest.raises(FeedError, match="127.0.0.1: it is a loopback address"):
        await asyncio.to_thread(add_feed, strict, site.url("/sneaky.rss"))
    # A host name is only checked once resolved: at poll time, and the poll records the refusal.
    port = site.base.rsplit(":", 1)[1]
    await asyncio.to_thread(add_feed, strict, f"http://localhost:{port}/sneaky.rss")
    result = (await poll(strict, force=True)).feeds[0]
    assert result.status == "error" and "localhost (127.0.0.1): it is a loopback address" in result.error
    assert "localhost (127.0.0.1)" in feed_status(strict)[0].feed.last_error
    # Allowlisting "localhost" lets the first hop through; the redirect to the 127.0.0.1 literal is refused.
    via = await ingest_urls(
        strict, [f"http://localhost:{port}/to-loopback"], policy=FetchPolicy(allow_hosts="localhost")
    )
    assert via.added == 0 and "loopback" in via.failed[0].reason
    assert site.hits["/sneaky.rss"] == 0 and site.hits[item.path] == 0


async def test_oversized_page_and_slow_feed_cut_off(desk, site):
    big = site.article(RECORDS[0], outlet="Huge")
    big.paragraphs = big.paragraphs * 200  # well over the 64 KB cap set below
    small = site.article(RECORDS[1], outlet="Huge")
    site.feed("/huge.rss", "Huge", [big, small], full_content=False)

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(3)
        return web.Response(text="", content_type="application/rss+xml")

    site.routes["/slow.rss"] = slow
    huge_id = (await asyncio.to_thread(add_feed, desk, site.url("/huge.rss"))).id
    slow_id = (await asyncio.to_thread(add_feed, desk, site.url("/slow.rss"))).id
    policy = FetchPolicy(allow_hosts="127.0.0.1", max_bytes=64 * 1024, read_timeout=1.0, total_timeout=10.0)
    report = await poll(desk, force=True, policy=policy)
    by_id = {f.feed_id: f for f in report.feeds}
    assert by_id[slow_id].status == "error" and "timed out" in by_id[slow_id].error
    assert by_id[huge_id].added == 2  # the big one from the feed's summary, and says so
    reason = _status(desk, huge_id)[site.url(big.path)].reason
    assert "download limit" in reason and "feed's own text" in reason


async def test_same_story_two_urls_two_outlets_indexed_once(desk, site):
    rec = RECORDS[7]
    a = site.article(rec, outlet="Morning Post", path="/morning/story-1")
    b = site.article(rec, outlet="Evening Star", path="/evening/2004/wire-story", author="Wire staff")
    site.feed("/morning.rss", "Morning Post", [a])
    site.feed("/evening.atom", "Evening Star", [b], kind="atom")
    for p in ("/morning.rss", "/evening.atom"):
        await asyncio.to_thread(add_feed, desk, site.url(p))
    report = await poll(desk, force=True)
    statuses = sorted(i.status for f in report.feeds for i in f.items)
    assert statuses == ["added", "duplicate"]
    rows = desk.store.query("SELECT id, source, duplicate_of, n_paragraphs FROM articles ORDER BY rowid")
    canon = [r for r in rows if r["duplicate_of"] is None]
    assert len(rows) == 2 and len(canon) == 1  # one indexed story, one copy pointing at it
    assert desk.stats().paragraphs == canon[0]["n_paragraphs"]
    answer = desk.ask(rec["title"], k=3)
    top = next(q for q in answer.quotes if q.article_id == canon[0]["id"])
    outlets = {top.source} | {c.source for c in top.also_in}
    assert outlets == {"Morning Post", "Evening Star"}


async def test_same_page_under_two_urls_is_fetched_and_indexed_once(desk, site):
    item = site.article(RECORDS[8], outlet="Wikinews", path="/story")
    tracking = site.article(RECORDS[8], outlet="Wikinews", path="/story-amp", canonical="/story")
    site.feed("/one.rss", "One", [item])
    site.feed("/two.rss", "Two", [tracking])
    one = await asyncio.to_thread(add_feed, desk, site.url("/one.rss"))
    two = await asyncio.to_thread(add_feed, desk, site.url("/two.rss"))
    await poll(desk, feed_ids=[one.id])
    await poll(desk, feed_ids=[two.id])
    skipped = _status(desk, two.id)[site.url("/story-amp")]
    assert skipped.status == "unchanged" and "same canonical URL" in skipped.reason
    assert desk.stats().articles == 1
    # A URL indexed by hand is not fetched again when a feed carries it.
    site.feed("/three.rss", "Three", [item])
    three = await asyncio.to_thread(add_feed, desk, site.url("/three.rss"))
    before = site.hits["/story"]
    await poll(desk, feed_ids=[three.id])
    assert site.hits["/story"] == before
    assert "not fetched again" in _status(desk, three.id)[site.url("/story")].reason


async def test_ingest_urls_uses_canonical_url_and_outlet(desk, site):
    item = site.article(
        RECORDS[9], outlet="Daily Planet", path="/p/123?utm_source=x", canonical="/news/clean"
    )
    site.pages["/p/123"] = item

    async def boom(request: web.Request) -> web.Response:
        return web.Response(status=500)

    site.routes["/p/500"] = boom
    report = await ingest_urls(desk, [site.url("/p/123?utm_source=x"), site.url("/p/500")])
    assert report.added == 1 and len(report.failed) == 1 and "HTTP 500" in report.failed[0].reason
    art = desk.store.article(report.items[0].article_id)
    assert (
        art.url == site.url("/news/clean") and art.source == "Daily Planet" and art.date == RECORDS[9]["date"]
    )
    assert art.title == RECORDS[9]["title"]


async def test_new_item_cap_defers_the_rest_to_the_next_poll(desk, site, monkeypatch):
    monkeypatch.setattr(polling, "MAX_NEW_PER_POLL", 2)
    site.feed("/many.rss", "Many", [site.article(r) for r in RECORDS[12:15]])
    info = await asyncio.to_thread(add_feed, desk, site.url("/many.rss"))
    report = await poll(desk, force=True)
    first = report.feeds[0]
    assert (first.added, first.deferred, report.deferred) == (2, 1, 1)
    assert (
        "2 articles added from 1 feed" in report.summary()
        and "1 item deferred to later polls" in report.summary()
    )
    deferred = [i for i in _status(desk, info.id).values() if i.status == "deferred"]
    assert len(deferred) == 1 and "left for the next poll" in deferred[0].reason
    site.feeds["/many.rss"].items.append(site.article(RECORDS[15]))  # new ETag: the feed is read again
    second = (await poll(desk, force=True)).feeds[0]
    assert (second.added, second.seen, second.deferred) == (2, 2, 0)
    assert list_feeds(desk)[0].added == 4


async def test_wire_story_with_small_edits_is_one_story_with_both_outlets(desk, site):
    rec = RECORDS[18]  # eight paragraphs
    a = site.article(rec, outlet="Morning Post", path="/m/wire")
    b = site.article(rec, outlet="Evening Star", path="/e/wire")
    _, *rest = b.paragraphs[2].split(". ")
    edited = ". ".join(["Officials gave no further details on Monday", *rest])  # one sentence rewritten
    b.paragraphs = [
        "By Evening Star wire desk",
        *b.paragraphs[:2],
        edited,
        *b.paragraphs[3:],
        "More to follow.",
    ]
    site.feed("/m.rss", "Morning Post", [a])
    site.feed("/e.rss", "Evening Star", [b])
    for p in ("/m.rss", "/e.rss"):
        await asyncio.to_thread(add_feed, desk, site.url(p))
    await poll(desk, force=True)
    rows = desk.store.query("SELECT source, duplicate_of FROM articles ORDER BY rowid")
    assert len(rows) == 2 and [r["duplicate_of"] is None for r in rows].count(True) == 1
    top = desk.ask(rec["title"], k=1).quotes[0]
    assert {top.source} | {c.source for c in top.also_in} == {"Morning Post", "Evening Star"}
