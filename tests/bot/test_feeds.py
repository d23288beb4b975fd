"""/feeds commands wrap index.feeds; feeds are scoped to the server that added them; the background poll ingests
due feeds; ``NEWSDESK_FEEDS=false`` switches the feature off. A real news site on 127.0.0.1 serves the feed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tests.bot.helpers import replies, text_of
from tests.index.sources.loopback_news import NewsSite

STORIES = [
    {
        "url": "https://coast.example/ferry",
        "title": "Island ferry gets a battery engine",
        "date": "2026-11-20",
        "text": "The island ferry returned to service on Thursday with a battery engine charged from the pier.\n\n"
        "The harbour master said the crossing now takes nineteen minutes and makes no smoke at all.",
    },
    {
        "url": "https://coast.example/gulls",
        "title": "Gull count falls for a third year",
        "date": "2026-11-21",
        "text": "Volunteers counted four hundred and twelve nesting gulls on the cliffs this autumn.\n\n"
        "The bird society blamed the warmer sea, which drives the sand eels into deeper water.",
    },
]


def sub(name: str, **options: str) -> list[dict]:
    return [
        {"name": name, "type": 1, "options": [{"name": k, "type": 3, "value": v} for k, v in options.items()]}
    ]


@pytest.fixture
async def coast() -> AsyncIterator[NewsSite]:
    """A news site with one RSS feed of two stories that are not in the bundled corpus."""
    site = NewsSite()
    items = [site.article(r, outlet="Coast Post") for r in STORIES]
    site.feed("/coast.rss", "Coast Post", items)
    await site.start()
    yield site
    await site.stop()


async def test_feeds_add_list_remove_are_scoped(world) -> None:
    w, start = world
    bot = await start()
    emu = w.emu
    token = await emu.slash(
        "feeds", w.alpha, w.admin, options=sub("add", url="http://127.0.0.1:9/feed.xml", every="1h")
    )
    (added,) = await replies(emu, token)
    assert added["content"].startswith("Added feed #1") and "every 1h" in added["content"]
    token = await emu.slash("feeds", w.alpha, w.admin, options=sub("list"))
    (listed,) = await replies(emu, token)
    assert "http://127.0.0.1:9/feed.xml" in text_of(listed)
    token = await emu.slash("feeds", w.beta, w.beta_admin, options=sub("list"))
    (other,) = await replies(emu, token)
    assert "feed.xml" not in text_of(other)
    token = await emu.slash("feeds", w.beta, w.beta_admin, options=sub("remove", feed="#1"))
    (refused,) = await replies(emu, token)
    assert refused["flags"] & 64 and "No feed" in refused["content"]
    token = await emu.slash("feeds", w.alpha, w.admin, options=sub("remove", feed="#1"))
    (removed,) = await replies(emu, token)
    assert removed["content"].startswith("Removed feed #1")
    assert [a["action"] for a in bot.state.audit_log()] == [
        "/feeds add",
        "/feeds list",
        "/feeds list",
        "/feeds remove",
        "/feeds remove",
    ]


async def first_poll_done(bot) -> None:
    """The background loop polls once right after start; wait for it so it does not race a test's own poll."""
    while bot.get_cog("Feeds").background_polls < 1:
        await asyncio.sleep(0.05)


async def test_feeds_poll_now_and_status(world, coast: NewsSite) -> None:
    w, start = world
    bot = await start()
    emu = w.emu
    await asyncio.wait_for(first_poll_done(bot), 60)
    token = await emu.slash("feeds", w.alpha, w.admin, options=sub("add", url=coast.url("/coast.rss")))
    await replies(emu, token)
    # another server's /feeds poll does not touch Alpha's feed
    hits = coast.hits["/coast.rss"]
    token = await emu.slash("feeds", w.beta, w.beta_admin, options=sub("poll"))
    (beta,) = await replies(emu, token)
    assert beta["content"].startswith("Polled 0 feeds") and coast.hits["/coast.rss"] == hits
    token = await emu.slash("feeds", w.alpha, w.admin, options=sub("poll"))
    (polled,) = await replies(emu, token)
    assert polled["content"] == "Polled 1 feed: added 2, skipped 0, failed 0.", polled["content"]
    # polled again: nothing new, and the feed is not fetched again in full (conditional GET)
    token = await emu.slash("feeds", w.alpha, w.admin, options=sub("poll"))
    (again,) = await replies(emu, token)
    assert "added 0" in again["content"]
    token = await emu.slash("feeds", w.alpha, w.admin, options=sub("status"))
    (status,) = await replies(emu, token)
    text = text_of(status)
    assert "**#1**" in text and "✅" in text
    for story in STORIES:
        assert f"• added: {story['title']}" in text
    token = await emu.slash("feeds", w.alpha, w.admin, options=sub("status", feed="#7"))
    (unknown,) = await replies(emu, token)
    assert unknown["flags"] & 64 and "No feed" in unknown["content"]
    # what the poll added is searchable in Alpha only
    alpha = {s.source for s in bot.desk.sources(("", str(w.alpha.id)))}
    beta_sources = {s.source for s in bot.desk.sources(("", str(w.beta.id)))}
    assert "Coast Post" in alpha and "Coast Post" not in beta_sources
    actions = [(a["action"], a["result"]) for a in bot.state.audit_log()]
    assert ("/feeds poll", "added 2, failed 0") in actions and ("/feeds status", "1 feeds") in actions


async def test_background_poll_ingests_due_feeds(world, coast: NewsSite) -> None:
    w, start = world
    bot = await start(NEWSDESK_FEEDS_POLL_MINUTES=0.01)  # the loop looks for due feeds every 0.6 s
    emu = w.emu
    assert bot.get_cog("Feeds").poller.is_running()
    token = await emu.slash("feeds", w.alpha, w.admin, options=sub("add", url=coast.url("/coast.rss")))
    await replies(emu, token)

    async def ingested() -> None:
        while "Coast Post" not in {s.source for s in bot.desk.sources(("", str(w.alpha.id)))}:
            await asyncio.sleep(0.1)

    await asyncio.wait_for(ingested(), 120)  # nobody ran /feeds poll: the background loop did it
    cog, polls = bot.get_cog("Feeds"), bot.get_cog("Feeds").background_polls

    async def poll_over() -> (
        None
    ):  # the articles are in the store; let that poll finish (vectors) before asking
        while cog.background_polls <= polls:
            await asyncio.sleep(0.05)

    await asyncio.wait_for(poll_over(), 60)
    token = await emu.slash(
        "ask",
        w.alpha,
        w.user,
        options=[{"name": "question", "type": 3, "value": "How long is the ferry crossing?"}],
    )
    (answer,) = await replies(emu, token)
    assert "nineteen minutes" in text_of(answer) and "Coast Post" in text_of(answer)


async def test_feeds_off_by_setting(world) -> None:
    w, start = world
    bot = await start(NEWSDESK_FEEDS="false")
    names = {c["name"] for c in w.emu.commands[None]}
    assert "feeds" not in names and "ask" in names
    assert bot.get_cog("Feeds") is None
