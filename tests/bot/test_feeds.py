"""/feeds commands wrap index.sources.feeds; feeds are scoped to the server that added them."""

from __future__ import annotations

from tests.bot.helpers import replies, text_of


def sub(name: str, **options: str) -> list[dict]:
    return [
        {"name": name, "type": 1, "options": [{"name": k, "type": 3, "value": v} for k, v in options.items()]}
    ]


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
