"""A briefing for a fixed date is the same every time: in one process, and in two separate processes (no hash
seed, thread or dict order may leak into the clustering, ranking or quotes)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from index.briefing import build_briefing
from index.briefing.view import briefing_markdown

ROOT = Path(__file__).resolve().parents[3]
DAY = "2004-12-29"
CHILD = """
import json, sys
from pathlib import Path
from index.briefing import build_briefing
from index.config import CoreSettings
from index.briefing.view import briefing_markdown
from index.service import Newsdesk

desk = Newsdesk.open(CoreSettings(data_dir=Path(sys.argv[1])))
b = build_briefing(desk, date=sys.argv[2])
print(json.dumps({"markdown": briefing_markdown(b), "briefing": b.to_dict()}, sort_keys=True))
desk.close()
"""


def test_output_for_a_fixed_date_is_deterministic_in_one_process(wiki):
    first = json.dumps(build_briefing(wiki, date=DAY).to_dict(), sort_keys=True)
    second = json.dumps(build_briefing(wiki, date=DAY).to_dict(), sort_keys=True)
    assert first == second
    assert briefing_markdown(build_briefing(wiki, date=DAY)) == briefing_markdown(
        build_briefing(wiki, date=DAY)
    )


def test_two_processes_give_the_same_briefing(wikinews_dir, wiki, tmp_path):
    runs = []
    for n, seed in enumerate(("1", "2")):
        data = tmp_path / f"data{n}"  # each process on its own copy: nothing shared but the files' contents
        shutil.copytree(wikinews_dir, data)
        env = os.environ | {"PYTHONHASHSEED": seed, "HF_HUB_OFFLINE": "1"}
        runs.append(
            subprocess.Popen(
                [sys.executable, "-c", CHILD, str(data), DAY],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    outputs = []
    for proc in runs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-2000:]
        outputs.append(json.loads(out))
    assert outputs[0] == outputs[1]
    # ... and the same as this process's briefing of the same index.
    here = build_briefing(wiki, date=DAY)
    assert outputs[0]["markdown"] == briefing_markdown(here)
    assert outputs[0]["briefing"]["stories"] and len(outputs[0]["briefing"]["stories"]) == len(here.stories)
