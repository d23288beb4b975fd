"""Reading evaluation files (index/eval/data.py)."""

from __future__ import annotations

import pytest

from index.eval.data import load_jsonl


def test_load_jsonl_skips_blank_lines(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "a"}\n\n  \n{"id": "b"}\n', encoding="utf-8")
    assert [r["id"] for r in load_jsonl(path)] == ["a", "b"]


def test_load_jsonl_names_the_missing_file_and_the_bad_line(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.jsonl does not exist"):
        load_jsonl(tmp_path / "nope.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a"}\n{"id": \n', encoding="utf-8")
    with pytest.raises(ValueError, match="line 2, is not JSON"):
        load_jsonl(bad)
    bad.write_text("[1, 2]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 1, is not a JSON object"):
        load_jsonl(bad)
