"""``newsdesk feeds …`` and ``newsdesk poll`` against the loopback news site (front end of ``index.sources``).

(These exercise ``cli/feeds.py``; they can move to ``tests/cli/`` with the loopback fixture.)
"""

from __future__ import annotations

import argparse
import asyncio
import json

import pytest

from cli.feeds import _registry, cmd_feeds_status, cmd_poll
from cli.main import main
from index.sources.feeds import add_feed

from .loopback_news import load_records

RECORDS = load_records()


@pytest.fixture
def desk(make_desk):
    return make_desk(allow_hosts="127.0.0.1")


def test_cli_registry_commands(tmp_path, capsys):
    data = ["--data-dir", str(tmp_path / "cli")]
    assert main(["feeds", "add", "https://example.org/feed.xml", "--every", "30m", *data]) == 0
    assert "Added feed #1" in capsys.readouterr().out
    assert main(["feeds", "add", "ftp://example.org/feed.xml", *data]) == 1
    assert "only http and https" in capsys.readouterr().err
    assert main(["feeds", "list", "--json", *data]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["url"] == "https://example.org/feed.xml" and listed[0]["every_seconds"] == 1800
    assert main(["feeds", "status", *data]) == 0
    assert "never polled" in capsys.readouterr().out
    assert main(["feeds", "remove", "1", *data]) == 0 and "Removed feed #1" in capsys.readouterr().out
    assert main(["feeds", "remove", "1", *data]) == 1 and "No feed 1" in capsys.readouterr().err


async def test_cli_poll_and_status_output(desk, site, capsys):
    site.feed("/cli.rss", "CLI", [site.article(r) for r in RECORDS[10:12]])
    site.feed("/cli-broken.rss", "Broken", [], broken=True)
    for p in ("/cli.rss", "/cli-broken.rss"):
        await asyncio.to_thread(add_feed, desk, site.url(p))
    args = argparse.Namespace(feed_ids=None, force=True, json=False)
    code = await asyncio.to_thread(cmd_poll, args, desk)
    out = capsys.readouterr()
    assert code == 0 and "2 added" in out.out and "FAILED" in out.out and "1 of 2 feeds failed" in out.err
    status = argparse.Namespace(feed=None, server=None, limit=20, skips=False, json=False)
    assert await asyncio.to_thread(_registry(cmd_feeds_status), status, desk) == 0
    text = capsys.readouterr().out
    assert "[added]" in text and "FAILING (last error" in text
