"""The command line is a contract: flags, JSON shape, exit status and one-sentence errors."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys

import pytest

from index.cli.console import run_console
from index.cli.main import main
from index.config import CoreSettings

from ..conftest import ROOT, WIKINEWS

QUOTE_KEYS = {"text", "article_id", "title", "source", "date", "url", "paragraph", "start", "end", "score"}


@pytest.fixture
def data_dir(wikinews_dir, tmp_path):
    path = tmp_path / "cli-data"
    shutil.copytree(wikinews_dir, path)
    return path


def test_ask_json_shape(data_dir, capsys):
    rc = main(
        ["--data-dir", str(data_dir), "ask", "How many people died in the tsunami?", "-k", "3", "--json"]
    )
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["question"] == "How many people died in the tsunami?" and out["no_answer"] is False
    assert 1 <= len(out["quotes"]) <= 3
    for q in out["quotes"]:
        assert set(q) >= QUOTE_KEYS
        assert q["article_id"].startswith("wikinews-")  # the record's own id
        assert 0 <= q["start"] < q["end"]


def test_ask_filters_and_markdown(data_dir, capsys):
    rc = main(
        ["ask", "tsunami", "--data-dir", str(data_dir), "--since", "2005-01-01", "--source", "Wikinews"]
    )
    assert rc == 0
    text = capsys.readouterr().out
    assert "verbatim ✓" in text and "Wikinews" in text
    assert "2004-12" not in text


def test_sources_and_stats_json(data_dir, capsys):
    assert main(["--data-dir", str(data_dir), "stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["articles"] == 41 and stats["vectors"] == stats["paragraphs"]
    assert main(["--data-dir", str(data_dir), "sources", "--json"]) == 0
    (wikinews,) = json.loads(capsys.readouterr().out)
    assert wikinews["source"] == "Wikinews" and wikinews["first_date"] == "2004-11-13"


def test_errors_are_one_sentence_with_nonzero_exit(tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "index.cli", "--data-dir", str(tmp_path / "d")]
    bad_date = subprocess.run(
        [*cmd, "ask", "x", "--since", "yesterday"], capture_output=True, text=True, env=env
    )
    assert bad_date.returncode != 0 and "YYYY-MM-DD" in bad_date.stderr
    empty = subprocess.run([*cmd, "ask", "   "], capture_output=True, text=True, env=env)
    assert empty.returncode == 1
    assert empty.stderr.strip().splitlines() == [
        "newsdesk: The question is empty: ask something about the news."
    ]
    missing = subprocess.run(
        [*cmd, "ingest", str(tmp_path / "nope.txt")], capture_output=True, text=True, env=env
    )
    assert missing.returncode == 1 and "does not exist" in missing.stdout


def test_ingest_report_and_idempotence(tmp_path, capsys):
    d = str(tmp_path / "fresh")
    assert main(["--data-dir", d, "ingest", str(WIKINEWS), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["added"] == 41
    assert main(["--data-dir", d, "ingest", str(WIKINEWS)]) == 0
    assert "unchanged 41" in capsys.readouterr().out


def test_console_session_seeds_an_empty_index_and_answers(tmp_path):
    stdin = io.StringIO("help\nWhat happened in the Indian Ocean?\nmore\nstats\nnonsense --flag\nquit\n")
    out = io.StringIO()
    assert (
        run_console(CoreSettings(data_dir=tmp_path / "console"), WIKINEWS.parent, stdin=stdin, stdout=out)
        == 0
    )
    text = out.getvalue()
    assert "adding the bundled sample corpus" in text and "Added 41 articles" in text
    assert "ask QUESTION" in text  # help
    assert text.count("verbatim ✓") >= 2  # the answer and the next page
    assert "41 articles" in text and text.rstrip().endswith("Bye.")
