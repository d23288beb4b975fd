"""Fixtures for the briefing tests: the bundled Wikinews sample, indexed once per session, opened once here."""

from __future__ import annotations

import shutil

import pytest

from index.config import CoreSettings
from index.service import Newsdesk


@pytest.fixture(scope="package")
def wiki(tmp_path_factory, wikinews_dir, embedder) -> Newsdesk:
    """A read-only desk on a copy of the session's Wikinews index (tests that write use ``wikinews_desk``)."""
    copy = tmp_path_factory.mktemp("briefing") / "data"
    shutil.copytree(wikinews_dir, copy)
    desk = Newsdesk.open(CoreSettings(data_dir=copy), embedder=embedder)
    yield desk
    desk.close()
