"""Tab completion in the terminal session: verbs, each verb's options, outlet names after --source."""

from __future__ import annotations

from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from cli.console import verb_options
from cli.main import build_parser
from cli.prompt import SessionCompleter


def complete(text: str, outlets: list[str] | None = None) -> list[str]:
    completer = SessionCompleter(verb_options(build_parser()), lambda: outlets or [])
    return [
        c.text for c in completer.get_completions(Document(text), CompleteEvent(completion_requested=True))
    ]


def test_verbs_complete_at_the_start_of_the_line():
    assert complete("st") == ["stats"]
    assert complete("")[:3] == ["ask", "briefing", "ingest"]
    assert "more" in complete("m") and "feeds" in complete("fe")


def test_options_of_the_verb_complete_after_a_dash():
    assert complete("ask tsunami --si") == ["--since"]
    assert "--date" in complete("briefing --") and "--since" not in complete("briefing --")


def test_outlet_names_complete_after_source_quoted_when_needed():
    outlets = ["Kyodo News", "Kyodo Daily", "Wikinews"]
    assert complete("ask sanctions --source Ky", outlets) == ["'Kyodo News'", "'Kyodo Daily'"]
    assert complete("briefing --sources w", outlets) == ["Wikinews"]
    assert complete("ask tsunami ", outlets) == []  # a question's words are not completed
