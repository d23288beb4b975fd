"""The bundled Wikinews sample, indexed once per session (tests/conftest.py), opened once per module here."""

from __future__ import annotations

import shutil

import pytest

from index.config import CoreSettings
from index.service import Newsdesk

TSUNAMI = {
    "2004-12-27": "wikinews-2004-12-27-027",
    "2004-12-28": "wikinews-2004-12-28-029",
}


@pytest.fixture(scope="module")
def wiki(tmp_path_factory, wikinews_dir, embedder) -> Newsdesk:
    """A read-only desk over a copy of the session's Wikinews index (41 articles)."""
    copy = tmp_path_factory.mktemp("eval-wiki") / "data"
    shutil.copytree(wikinews_dir, copy)
    desk = Newsdesk.open(CoreSettings(data_dir=copy), embedder=embedder)
    yield desk
    desk.close()
