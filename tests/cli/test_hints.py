"""Help where input is wrong: an unknown outlet or speaker gets the nearest known ones, a date outside the corpus
says the corpus's range, a wrong flag names the subcommand's help; each is one sentence, and nothing is searched."""

from __future__ import annotations

import pytest

from cli.args import CliError
from cli.hints import nearest
from cli.main import main

from .test_console import session


def corpus_range(desk) -> tuple[str, str]:
    rows = desk.sources()
    return min(r.first_date for r in rows), max(r.last_date for r in rows)


def test_nearest_compares_whole_names_and_their_words():
    names = ["Jan Egeland", "Kofi Annan", "George W. Bush", "Wikinews"]
    assert nearest("Egelund", names) == ["Jan Egeland"]
    assert nearest("annan", names) == ["Kofi Annan"]
    assert nearest("wikinew", names) == ["Wikinews"]
    assert nearest("Reuters", names) == []


def test_an_unknown_outlet_names_the_nearest_or_the_known_ones(run_cli):
    with pytest.raises(CliError) as caught:
        run_cli("ask", "tsunami", "--source", "Reuters")
    assert str(caught.value) == "No outlet called “Reuters” in the index: it holds Wikinews."
    with pytest.raises(CliError, match="did you mean “Wikinews”\\?"):
        run_cli("ask", "tsunami", "--source", "Wikinew")
    with pytest.raises(CliError, match="No outlet called “BBC”"):
        run_cli("briefing", "--sources", "BBC")
    with pytest.raises(CliError, match="No outlet called “Reuters”"):
        run_cli("quotes", "--speaker", "Egeland", "--source", "Reuters")
    assert (
        run_cli("ask", "tsunami", "--source", "wikinews", "-k", "1") == 0
    )  # outlets match case-insensitively


def test_a_date_outside_the_corpus_says_its_range(run_cli, wikinews_desk):
    first, last = corpus_range(wikinews_desk)
    span = f"the index runs from {first} to {last}."
    cases = [
        (("ask", "tsunami", "--since", "2020-01-01"), f"No article is dated on or after 2020-01-01: {span}"),
        (
            ("timeline", "tsunami", "--until", "1999-12-31"),
            f"No article is dated on or before 1999-12-31: {span}",
        ),
        (("ask", "tsunami", "--as-of", first), f"No article is dated before {first}: {span}"),
        (("briefing", "--date", "2020-02-02"), f"No article is dated 2020-02-02: {span}"),
        (
            ("quotes", "--speaker", "Egeland", "--since", "2021-01-01"),
            "No article is dated on or after 2021-01-01",
        ),
    ]
    for argv, sentence in cases:
        with pytest.raises(CliError) as caught:
            run_cli(*argv)
        assert str(caught.value).startswith(sentence), argv
    assert run_cli("ask", "tsunami", "--since", last, "-k", "1") == 0  # the last day itself is inside


def test_an_unknown_speaker_gets_the_nearest_quoted_names(run_cli, capsys):
    assert run_cli("quotes", "--speaker", "Egelund") == 0
    out = capsys.readouterr().out
    assert "Nobody called “Egelund” is quoted in the index (the nearest names quoted: Jan Egeland)." in out
    assert run_cli("quotes", "--speaker", "Zzyzx") == 0
    assert "try the surname" in capsys.readouterr().out


def test_a_briefing_of_several_outlets_warns_about_the_unknown_ones(run_cli, capsys):
    assert run_cli("briefing", "--date", "2004-12-28", "--sources", "Wikinews,BBC") == 0
    out = capsys.readouterr()
    assert (
        "No outlet called “BBC” in the index" in out.err
        and "# Briefing for Tuesday 28 December 2004" in out.out
    )


def test_tracking_an_outlet_not_held_yet_warns_and_tracks(run_cli, capsys):
    assert run_cli("track", "add", "tsunami", "--source", "Reuters") == 0
    out = capsys.readouterr()
    assert "No outlet called “Reuters” in the index" in out.err and "Tracked all the same" in out.err
    assert "Tracking #1" in out.out


def test_a_wrong_flag_names_the_subcommands_help(data_dir, capsys):
    assert main(["--data-dir", str(data_dir), "ask", "tsunami", "--bogus"]) == 2
    assert capsys.readouterr().err.strip() == (
        "newsdesk: Unrecognized arguments: --bogus; see `newsdesk ask --help`."
    )
    assert main(["--data-dir", str(data_dir), "track", "list", "--bogus"]) == 2
    assert "see `newsdesk track list --help`" in capsys.readouterr().err


def test_the_session_says_the_same_and_goes_on(wikinews_desk):
    text = session(wikinews_desk, "ask tsunami --bogus\nask tsunami --source Reuters\nhelp ask\nstats\n")
    assert "Unrecognized arguments: --bogus. `help ask` shows its options." in text
    assert "No outlet called “Reuters” in the index: it holds Wikinews." in text
    assert "usage: newsdesk ask" in text  # `help ask`: the verb's own options
    assert "41 articles" in text
