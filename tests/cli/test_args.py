"""Argument types: strict dates, bounded numbers, one-sentence usage errors, -v anywhere."""

from __future__ import annotations

import re

import pytest

from cli.args import UsageError
from cli.main import build_parser
from index.validate import MAX_K


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ask", "x", "--since", "2004-12-28garbage"], "--since must be a date like 2022-02-05"),
        (["ask", "x", "--until", "28/12/2004"], "--until must be a date like 2022-02-05"),
        (["ask", "x", "--as-of", "2005-02-30"], "--as-of must be a real date"),
        (["ask", "x", "-k", "0"], "-k must be at least 1 (got 0)"),
        (["ask", "x", "-k", str(MAX_K + 1)], f"-k must be at most {MAX_K}"),
        (["ask", "x", "-k", "ten"], '-k must be a whole number (got "ten")'),
        (["ask", "x", "--offset", "-5"], "--offset must be at least 0 (got -5)"),
        (["ask", "x", "--offset", "1000000"], "--offset must be at most 500 (got 1,000,000)"),
        (["ask", "x", "--per-article", "-1"], "--per-article must be at least 0 (got -1)"),
        (["briefing", "--date", "2005-01-01T00:00"], "--date must be a date like"),
        (["briefing", "--top", "0"], "--top must be at least 1"),
        (["feeds", "status", "--limit", "-3"], "--limit must be at least 1"),
        (["poll", "--feed", "x"], "--feed must be a whole number"),
    ],
)
def test_bad_values_are_refused_with_one_sentence(argv, message):
    with pytest.raises(UsageError) as caught:
        build_parser().parse_args(argv)
    text = str(caught.value)
    assert message in text
    assert "\n" not in text and text.endswith("--help`.")


def test_good_values_are_parsed():
    args = build_parser().parse_args(
        ["ask", "what", "happened", "--since", "2004-12-28", "-k", "3", "--offset", "6", "--per-article", "0"]
    )
    assert (args.since, args.k, args.offset, args.per_article) == ("2004-12-28", 3, 6, 0)
    assert args.question == ["what", "happened"]


@pytest.mark.parametrize(
    "argv",
    [
        ["-v", "stats"],
        ["stats", "-v"],
        ["stats", "--verbose"],
        ["feeds", "list", "-v"],
        ["feeds", "-v", "list"],
        ["ask", "x", "-v"],
    ],
)
def test_verbose_is_accepted_anywhere(argv):
    assert build_parser().parse_args(argv).verbose is True


def test_verbose_is_off_by_default_and_data_dir_anywhere(tmp_path):
    args = build_parser().parse_args(["stats", "--data-dir", str(tmp_path)])
    assert args.verbose is False and args.data_dir == tmp_path
    assert build_parser().parse_args(["--data-dir", str(tmp_path), "stats"]).data_dir == tmp_path


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["stat"], "Unknown command “stat” (did you mean “stats”?): choose from ingest,"),
        (
            ["feeds", "lst"],
            "Unknown command “lst” (did you mean “list”?): choose from add, list, remove, status",
        ),
        (["zzz"], "Unknown command “zzz”: choose from"),
    ],
)
def test_an_unknown_command_gets_did_you_mean(argv, message):
    with pytest.raises(UsageError, match=re.escape(message)):
        build_parser().parse_args(argv)
