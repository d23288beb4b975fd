"""``newsdesk ask --timeline``: the JSON shape (each entry with its date) and one line per dated quote."""

from __future__ import annotations

import json
import re

from .test_commands import QUOTE_KEYS

Q = "How many people died in the tsunami?"


def test_ask_timeline_json_shape(run_cli, capsys):
    assert run_cli("ask", "--timeline", Q, "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {"question", "no_answer", "entries", "undated", "first", "last", "searched"}
    assert out["entries"] and out["undated"] == []
    dates = [e["date"] for e in out["entries"]]
    assert dates == sorted(dates) and out["first"] == dates[0] and out["last"] == dates[-1]
    for e in out["entries"]:
        assert set(e) >= QUOTE_KEYS | {"paragraph_id", "also_in", "published"}
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", e["date"])
    assert len({e["article_id"] for e in out["entries"]}) == len(out["entries"])  # one line per article


def test_ask_timeline_text_is_one_line_per_dated_quote(run_cli, capsys):
    assert run_cli("ask", "--timeline", Q, "-k", "4") == 0
    text = capsys.readouterr().out
    assert text.startswith(f"**Timeline: {Q}**")
    lines = [ln for ln in text.splitlines() if re.match(r"\d{4}-\d{2}-\d{2} · ", ln)]
    assert 1 <= len(lines) <= 4
    assert [ln[:10] for ln in lines] == sorted(ln[:10] for ln in lines)
    assert all(" · Wikinews — “" in ln and ln.endswith("”") for ln in lines)


def test_timeline_that_finds_nothing_says_so(run_cli, capsys):
    assert run_cli("timeline", "price of tea in 1990", "--until", "2005-12-31") == 0
    text = capsys.readouterr().out
    assert "No relevant passage for “price of tea in 1990”." in text
    assert "Nothing answered it well enough to put on a timeline." in text
