"""The terminal session: seeding, verbs, paging with `more`, errors that do not end the session."""

from __future__ import annotations

import io
import re

from cli.console import console_loop
from cli.main import build_parser
from tests.conftest import WIKINEWS


def session(desk, lines: str, corpus=WIKINEWS.parent) -> str:
    out = io.StringIO()
    assert console_loop(desk, corpus, build_parser(), io.StringIO(lines), out) == 0
    return out.getvalue()


def numbers(block: str) -> list[int]:
    """The quote numbers of a rendered answer ("6. > …")."""
    return [int(n) for n in re.findall(r"^(\d+)\. > ", block, flags=re.MULTILINE)]


def test_console_seeds_an_empty_index_and_answers(desk):
    text = session(desk, "help\nWhat happened in the Indian Ocean?\nmore\nstats\nnonsense --flag\nquit\n")
    assert "adding the bundled sample corpus" in text and "added 41" in text
    assert "ask QUESTION" in text  # help
    assert text.count("verbatim ✓") >= 2  # the answer and the next page
    assert "41 articles" in text and text.rstrip().endswith("Bye.")


def test_more_after_an_offset_pages_the_same_question(wikinews_desk):
    """`ask x --offset 3` then `more` used to ask "x 3" (the offset's value left behind as a word)."""
    text = session(wikinews_desk, "ask tsunami --offset 3 -k 2\nmore\n")
    first, second = text.split("**tsunami**")[1:3]
    assert numbers(first) == [4, 5]
    assert numbers(second) == [6, 7]
    assert "tsunami 3" not in text


def test_more_keeps_the_filters_of_the_question(wikinews_desk):
    text = session(wikinews_desk, "ask tsunami relief --since 2005-01-01 -k 1\nmore\n")
    first, second = text.split("**tsunami relief**")[1:3]
    assert numbers(first) == [1] and numbers(second) == [2]
    assert "2004-12" not in text  # the second page still filtered


def test_a_bad_line_is_one_sentence_and_the_session_goes_on(wikinews_desk):
    text = session(wikinews_desk, 'ask x --since 2004-12-28garbage\nask "unclosed\nstats\n')
    assert "--since must be a date like 2022-02-05 (got '2004-12-28garbage')" in text
    assert "usage:" not in text and "--data-dir" not in text
    assert "Could not read that line" in text
    assert "41 articles" in text.split("Could not read that line")[1]


def test_help_lists_every_verb_with_an_example():
    from index.messages import render

    text = render("help.txt.j2")
    for verb in ("ask", "more", "briefing", "ingest", "reindex", "sources", "stats", "feeds", "poll"):
        assert f"\n  {verb}" in text, verb
        assert f"e.g.  {verb}" in text, verb


def test_a_typo_of_a_verb_is_not_asked_as_a_question(wikinews_desk):
    text = session(wikinews_desk, "stat\nbrief --date 2004-12-28\nsources\n")
    assert "Unknown command `stat`: did you mean `stats`?" in text
    assert "Unknown command `brief`: did you mean `briefing`?" in text
    assert "No relevant passage" not in text  # neither was searched as a question
    assert "Wikinews" in text  # and the session went on


def test_ask_alone_says_what_to_type(wikinews_desk):
    text = session(wikinews_desk, "ask\n")
    assert "Ask what?" in text and "usage:" not in text and "--data-dir" not in text


def test_more_past_the_last_passage_says_there_is_nothing_more(wikinews_desk):
    text = session(wikinews_desk, "ask Who won the Ukrainian presidential election? -k 50\nmore\n")
    assert "No more passages pass the relevance bar: that is every passage that answers it" in text
    assert text.rstrip().splitlines()[-2] == (
        "Nothing more for “Who won the Ukrainian presidential election?”: "
        "no more passages pass the relevance bar (the earlier pages showed every one that does)."
    )


def test_more_after_an_offset_past_the_end_says_so(wikinews_desk):
    text = session(wikinews_desk, "ask tsunami --offset 400\n")
    assert "Nothing more for “tsunami”" in text


def test_briefing_without_news_today_offers_the_latest_day(wikinews_desk):
    text = session(wikinews_desk, "briefing\n")
    assert "No articles published in the 24 hours before" in text
    latest = max(s.last_date for s in wikinews_desk.sources())
    assert f"The latest day with articles is {latest}: `briefing --date {latest}` shows it." in text
