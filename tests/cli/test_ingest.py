"""`newsdesk ingest`: progress on stderr, failures on stderr, what was read from the text and how to set it."""

from __future__ import annotations

import json
import os
import signal
from datetime import datetime

import pytest

from cli.cancel import GracefulCancel


@pytest.fixture
def articles(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    dateline = folder / "kyodo.txt"
    dateline.write_text(
        "TOKYO, Jan. 29 (Kyodo) -- Japan weighs sanctions on Russia over Ukraine, officials said.\n\n"
        "The talks continue next week in Tokyo.\n",
        encoding="utf-8",
    )
    stamp = datetime(2022, 2, 3, 9, 0).timestamp()
    os.utime(dateline, (stamp, stamp))
    (folder / "plain.txt").write_text(
        "A ferry sank off the coast and all passengers were rescued, the coast guard said.\n",
        encoding="utf-8",
    )
    (folder / "given.md").write_text(
        "---\ntitle: Rains return\nsource: Daily Planet\ndate: 2022-03-01\n---\nRains returned to the valley.\n",
        encoding="utf-8",
    )
    return folder


def test_report_names_what_was_inferred_and_what_is_unknown(run_cli, make_desk, tmp_path, articles, capsys):
    desk = make_desk(tmp_path / "fresh")
    assert run_cli("ingest", str(articles), desk=desk) == 0
    out = capsys.readouterr()
    assert "added 3" in out.out
    kyodo = next(line for line in out.out.splitlines() if "kyodo.txt:" in line)
    assert "source Kyodo read from “TOKYO, Jan. 29 (Kyodo)”" in kyodo
    assert "date 2022-01-29" in kyodo and "file date 2022-02-03" in kyodo
    plain = next(line for line in out.out.splitlines() if "plain.txt:" in line)
    assert "no source and no date" in plain and "title taken from the first sentence" in plain
    assert "given.md" not in out.out  # everything was given: nothing to say
    assert "start the file with front matter" in out.out and "\n    source: Kyodo\n" in out.out
    assert out.err == ""  # nothing failed; progress is drawn only on a terminal
    (row,) = [s for s in desk.sources() if s.source == "Kyodo"]
    assert row.first_date == "2022-01-29"


def test_json_report_lists_metadata_and_reindex_is_not_replacing(
    run_cli, make_desk, tmp_path, articles, capsys
):
    desk = make_desk(tmp_path / "fresh")
    assert run_cli("ingest", str(articles), "--json", desk=desk) == 0
    data = json.loads(capsys.readouterr().out)
    notes = {os.path.basename(n["origin"]): n for n in data["metadata"]}
    assert notes["plain.txt"]["unknown"] == ["source", "date"] and "given.md" not in notes
    assert notes["kyodo.txt"]["inferred"]["source"] == "TOKYO, Jan. 29 (Kyodo)"
    assert run_cli("reindex", desk=desk) == 0
    out = capsys.readouterr()
    assert "replaced" not in out.out  # the old report said "replaced 3" for an unchanged corpus
    assert out.out.startswith("Re-embedded 4 paragraphs of 3 articles with ")


def test_failures_go_to_stderr_one_sentence_each(run_cli, make_desk, tmp_path, articles, capsys):
    (articles / "empty.txt").write_text("  \n", encoding="utf-8")
    desk = make_desk(tmp_path / "fresh")
    assert run_cli("ingest", str(articles), str(tmp_path / "nope.md"), desk=desk) == 1
    out = capsys.readouterr()
    assert "failed 2" in out.out and "does not exist" not in out.out
    errors = [line for line in out.err.splitlines() if line.startswith("newsdesk:")]
    assert errors == [
        f"newsdesk: {articles / 'empty.txt'} is empty.",
        f"newsdesk: {tmp_path / 'nope.md'} does not exist.",
    ]


def test_first_ctrl_c_asks_the_ingest_to_stop_the_second_stops_at_once(capsys):
    with GracefulCancel() as cancel:
        os.kill(os.getpid(), signal.SIGINT)
        assert cancel.requested  # no KeyboardInterrupt: the ingest finishes the article in hand
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
    assert "Ctrl-C again stops at once" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored


def test_an_html_page_without_metadata_is_told_about_its_tags(run_cli, make_desk, tmp_path, capsys):
    page = tmp_path / "quake.html"
    body = "<p>A strong earthquake struck the coast on Monday, officials said, and residents fled.</p>" * 3
    page.write_text(f"<html><body><article>{body}</article></body></html>", encoding="utf-8")
    assert run_cli("ingest", str(page), desk=make_desk(tmp_path / "fresh")) == 0
    out = capsys.readouterr().out
    assert "quake.html: title taken from the first sentence; no source and no date" in out
    assert "og:site_name" in out and "front matter, e.g." not in out
