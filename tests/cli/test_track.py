"""`newsdesk track …` and the alerts printed after `ingest` (and appended to `--alerts FILE` as JSON lines)."""

from __future__ import annotations

import json

import pytest

from cli.main import build_parser
from index import track
from tests.index.track.conftest import FERRY, QUESTION


def records(path, *rows: tuple[str, str, str]) -> str:
    """A JSON-lines file of articles (source, url slug, title), each with the ferry story's text."""
    with open(path, "w", encoding="utf-8") as fh:
        for source, slug, title in rows:
            row = {"title": title, "source": source, "date": "2026-11-20", "text": "\n\n".join(FERRY)}
            row["url"] = f"https://{source.lower().replace(' ', '')}.example/{slug}"
            fh.write(json.dumps(row) + "\n")
    return str(path)


def test_track_add_list_test_remove(run_cli, wikinews_desk, capsys) -> None:
    assert run_cli("track", "add", QUESTION, "--source", "Coast Post") == 0
    assert capsys.readouterr().out.startswith(f"Tracking #1: “{QUESTION}” (only Coast Post).")
    assert run_cli("track", "list", "--json") == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["id"] == 1 and row["source"] == "Coast Post" and row["alerts"] == 0
    assert row["last_seq"] == wikinews_desk.store.positions()[0]  # from now on
    assert run_cli("track", "test", "1") == 0
    assert "Nothing would fire now for #1 among the 0 paragraphs not checked yet" in capsys.readouterr().out
    assert run_cli("track", "remove", "#1") == 0
    assert capsys.readouterr().out.startswith("Stopped tracking #1")
    assert run_cli("track", "list") == 0
    assert "No tracked questions yet" in capsys.readouterr().out
    with pytest.raises(track.TrackError, match="No tracked question #1 here"):
        run_cli("track", "remove", "1")


def test_ingest_prints_the_alert_after_its_report_and_appends_json_lines(run_cli, tmp_path, capsys) -> None:
    assert run_cli("track", "add", QUESTION) == 0
    capsys.readouterr()
    out_file = tmp_path / "alerts.jsonl"
    wire = records(
        tmp_path / "wire.jsonl",
        ("Coast Post", "ferry", "Battery ferry starts Gull Island service"),
        ("Harbour Times", "wire-ferry", "Gull Island gets a battery ferry"),
    )
    assert run_cli("ingest", wire, "--alerts", str(out_file)) == 0
    out = capsys.readouterr().out
    report, _, alerts = out.partition("1 alert from tracked questions:")
    assert report.startswith("added 1 · unchanged 0 · replaced 0 · duplicates 1")
    assert f"🔔 Alert for tracked question #1: “{QUESTION}”" in alerts
    assert "takes nineteen minutes" in alerts and "Coast Post" in alerts
    assert "carried by 2 outlets: Coast Post, Harbour Times" in alerts
    (line,) = out_file.read_text(encoding="utf-8").splitlines()
    alert = json.loads(line)
    assert alert["tracked_id"] == 1 and alert["question"] == QUESTION
    assert "nineteen minutes" in alert["quote"] and alert["source"] == "Coast Post"
    assert alert["outlets"] == ["Coast Post", "Harbour Times"] and alert["date"] == "2026-11-20"
    assert alert["url"] == "https://coastpost.example/ferry" and alert["title"].startswith("Battery ferry")
    # the same file again: nothing new is stored, nothing fires, the file keeps its one line
    assert run_cli("ingest", wire, "--alerts", str(out_file), "--json") == 0
    assert json.loads(capsys.readouterr().out)["unchanged"] == 2  # --json: stdout stays one JSON document
    assert len(out_file.read_text(encoding="utf-8").splitlines()) == 1


def test_poll_and_reindex_take_alerts_too() -> None:
    parser = build_parser()
    for argv in (["poll", "--alerts", "a.jsonl"], ["reindex", "--alerts", "a.jsonl"]):
        args = parser.parse_args(argv)
        assert str(args.alerts) == "a.jsonl" and args.func.__name__.startswith("cmd_")
        assert args.func.__qualname__.startswith("with_alerts")
