"""Fixtures for the live-ingestion tests: a news site with pages and feeds on 127.0.0.1."""

from __future__ import annotations

import pytest

from .loopback_news import NewsSite


@pytest.fixture
async def site():
    s = NewsSite()
    await s.start()
    yield s
    await s.stop()
