"""The shared rules: strict dates, accepted files, URL schemes, numeric bounds."""

from __future__ import annotations

import pytest

from index.validate import accepted_file, check_file_type, check_int, check_url_scheme, parse_date


def test_dates_are_strict():
    assert parse_date("2004-12-28") == "2004-12-28"
    for bad in ("2004-12-28garbage", "28/12/2004", "2004-02-30", ""):
        with pytest.raises(ValueError, match="date like"):
            parse_date(bad)


def test_markdown_suffix_accepted_everywhere():
    assert accepted_file("notes.MARKDOWN") and accepted_file("a.jsonl")
    with pytest.raises(ValueError, match="unsupported file type .exe"):
        check_file_type("virus.exe")


def test_only_http_urls():
    assert check_url_scheme("HTTPS://example.org/x") == "HTTPS://example.org/x"
    for bad in ("file:///etc/passwd", "ftp://example.org/", "javascript:alert(1)"):
        with pytest.raises(ValueError, match="only http and https"):
            check_url_scheme(bad)


def test_numeric_bounds():
    assert check_int(0, "offset") == 0
    with pytest.raises(ValueError, match="offset must be at least 0"):
        check_int(-5, "offset")
    with pytest.raises(ValueError, match="k must be at most 50"):
        check_int(51, "k", 1, 50)
