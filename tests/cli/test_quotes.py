"""``newsdesk quotes``: who said what, newest first, as JSON and as one line per statement."""

from __future__ import annotations

import json
import re


def test_quotes_json_shape_and_order(run_cli, capsys):
    assert run_cli("quotes", "--speaker", "Egeland", "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["speaker"] == "Egeland" and out["speakers"] == ["Jan Egeland"] and out["about"] is None
    dates = [s["date"] for s in out["statements"]]
    assert dates and dates == sorted(dates, reverse=True)
    for s in out["statements"]:
        assert set(s) >= {
            "text",
            "speaker",
            "phrase",
            "source",
            "title",
            "url",
            "paragraph_id",
            "start",
            "end",
        }
        assert s["speaker"] == "Jan Egeland" and 0 <= s["start"] < s["end"]


def test_quotes_text_and_unknown_speaker(run_cli, capsys):
    assert run_cli("quotes", "--speaker", "Jan Egeland", "--about", "stingy contributions") == 0
    text = capsys.readouterr().out
    assert text.startswith(
        "**What Jan Egeland said about “stingy contributions”** (1 statement, newest first)"
    )
    lines = [ln for ln in text.splitlines() if re.match(r"\d{4}-\d{2}-\d{2} · ", ln)]
    assert len(lines) == 1 and lines[0].startswith(
        "2004-12-31 · Wikinews — “On Monday of this week, Jan Egeland"
    )
    assert run_cli("quotes", "--speaker", "Nobody Atall") == 0
    assert "Nobody called “Nobody Atall” is quoted in the index" in capsys.readouterr().out
