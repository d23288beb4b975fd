"""A process killed between the store write and the index write loses nothing: the next start repairs it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from index.config import CoreSettings
from index.service import Newsdesk

from ..conftest import ROOT, WIKINEWS

CHILD = textwrap.dedent(
    """
    import sys, time
    from index.config import CoreSettings
    from index.service import Newsdesk

    def stalled_embed(self, ids, progress=None, into=None):
        print("STORED", flush=True)   # every article is committed to SQLite; no vector written yet
        time.sleep(600)

    Newsdesk._embed_ids = stalled_embed
    desk = Newsdesk(CoreSettings(data_dir=sys.argv[1]))
    desk.ingest_paths([sys.argv[2]])
    """
)


def test_kill_between_store_and_index_recovers(tmp_path, embedder):
    data = tmp_path / "data"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(data), str(WIKINEWS)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert child.stdout.readline().strip() == "STORED"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL

    desk = Newsdesk.open(CoreSettings(data_dir=data), embedder=embedder)
    try:
        stats = desk.stats()
        assert stats.articles == 41 and stats.paragraphs > 100
        assert stats.vectors == stats.paragraphs  # the missing vectors were embedded on start
        answer = desk.ask("How many people died in the tsunami?", k=3)
        assert answer.quotes and not answer.no_answer
        assert desk.ingest_paths([WIKINEWS]).unchanged == 41
    finally:
        desk.close()
