"""The index subcommands are a contract: flags, JSON shape, exit status and one-sentence errors."""

from __future__ import annotations

import json
from pathlib import Path

from cli.main import main
from tests.conftest import WIKINEWS

from .conftest import newsdesk

QUOTE_KEYS = {"text", "article_id", "title", "source", "date", "url", "paragraph", "start", "end", "score"}


def test_ask_json_shape(run_cli, capsys):
    assert run_cli("ask", "How many people died in the tsunami?", "-k", "3", "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["question"] == "How many people died in the tsunami?" and out["no_answer"] is False
    assert 1 <= len(out["quotes"]) <= 3
    for q in out["quotes"]:
        assert set(q) >= QUOTE_KEYS
        assert q["article_id"].startswith("wikinews-")  # the record's own id
        assert 0 <= q["start"] < q["end"]


def test_ask_filters_and_markdown(run_cli, capsys):
    assert run_cli("ask", "tsunami", "--since", "2005-01-01", "--source", "Wikinews") == 0
    text = capsys.readouterr().out
    assert "verbatim ✓" in text and "Wikinews" in text
    assert "2004-12" not in text


def test_sources_and_stats(run_cli, capsys):
    assert run_cli("stats", "--json") == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["articles"] == 41 and stats["vectors"] == stats["paragraphs"]
    assert run_cli("stats") == 0
    line = capsys.readouterr().out
    assert "from 1 outlet;" in line and "1 outlets" not in line  # exact plurals
    assert line.rstrip().endswith(
        f"index stored in {Path(stats['data_dir']).resolve()}"
    )  # not "data in data"
    assert run_cli("sources", "--json") == 0
    (wikinews,) = json.loads(capsys.readouterr().out)
    assert wikinews["source"] == "Wikinews" and wikinews["first_date"] == "2004-11-13"
    assert run_cli("sources") == 0
    assert "41 articles  2004-11-13 – " in capsys.readouterr().out


def test_errors_are_one_sentence_on_stderr_with_nonzero_exit(tmp_path):
    d = ["--data-dir", str(tmp_path / "d")]
    bad_date = newsdesk(*d, "ask", "x", "--since", "yesterday")
    assert bad_date.returncode == 2 and bad_date.stdout == ""
    assert bad_date.stderr.splitlines() == [
        "newsdesk: --since must be a date like 2022-02-05 (got 'yesterday'); see `newsdesk ask --help`."
    ]
    empty = newsdesk(*d, "ask", "   ")
    assert empty.returncode == 1
    assert empty.stderr.strip().splitlines() == [
        "newsdesk: The question is empty: ask something about the news."
    ]
    (tmp_path / "empty.html").write_text("<html></html>", encoding="utf-8")  # trafilatura warns about it
    missing = newsdesk(*d, "ingest", str(tmp_path / "nope.txt"), str(tmp_path / "empty.html"))
    assert missing.returncode == 1
    assert missing.stderr.strip().splitlines() == [
        f"newsdesk: {tmp_path / 'nope.txt'} does not exist.",
        f"newsdesk: {tmp_path / 'empty.html'}: no article text could be found in this HTML page.",
    ]
    assert "failed 2" in missing.stdout


def test_ingest_report_and_idempotence(tmp_path, capsys, embedder, make_desk, run_cli):
    desk = make_desk(tmp_path / "fresh")
    assert run_cli("ingest", str(WIKINEWS), "--json", desk=desk) == 0
    assert json.loads(capsys.readouterr().out)["added"] == 41
    assert run_cli("ingest", str(WIKINEWS), desk=desk) == 0
    assert "unchanged 41" in capsys.readouterr().out


def test_main_opens_the_data_dir_and_prints_the_answer(data_dir, capsys):
    """The whole path through ``main``: parse, open the desk of --data-dir, answer, close."""
    assert main(["ask", "Indian Ocean tsunami", "--data-dir", str(data_dir), "-k", "1", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["quotes"]) == 1
