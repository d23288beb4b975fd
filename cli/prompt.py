"""The terminal session's line editor (prompt_toolkit): line editing, history kept across sessions in the data dir,
and Tab completion of verbs, their options and outlet names.

Only an interactive session imports this module (``console`` does so when stdin is a terminal): prompt_toolkit
costs a third of a second to import, which no other command should pay.
"""

from __future__ import annotations

import logging
import shlex
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory

log = logging.getLogger(__name__)

# Options whose value is an outlet name.
OUTLET_OPTIONS = frozenset({"--source", "--sources"})


class SessionCompleter(Completer):
    """Verbs first; then the verb's options after a dash, and outlet names after ``--source``."""

    def __init__(self, verbs: Mapping[str, Iterable[str]], outlets: Callable[[], list[str]]) -> None:
        self.verbs = {verb: sorted(options) for verb, options in verbs.items()}
        self.outlets = outlets

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
        text = document.text_before_cursor
        words = text.split()
        current = "" if not text or text[-1].isspace() else words[-1]
        before = words[:-1] if current else words
        if not before:
            for verb in self.verbs:
                if verb.startswith(current.lower()):
                    yield Completion(verb, -len(current))
            return
        if before[-1] in OUTLET_OPTIONS:
            typed = current.strip("'\"").lower()
            for name in self.outlets():
                if name.lower().startswith(typed):
                    yield Completion(shlex.quote(name), -len(current), display=name)
        elif current.startswith("-"):
            for option in self.verbs.get(before[0].lower(), ()):
                if option.startswith(current):
                    yield Completion(option, -len(current))


def prompt_lines(history: Path, completer: Completer, prompt: str) -> Iterator[str]:
    """Lines typed at ``prompt``; Ctrl-C clears the line being typed (as in a shell), Ctrl-D ends the session."""
    history.parent.mkdir(parents=True, exist_ok=True)
    session: PromptSession[str] = PromptSession(
        history=FileHistory(str(history)),
        completer=completer,
        auto_suggest=AutoSuggestFromHistory(),
        complete_while_typing=False,
    )
    while True:
        try:
            line = session.prompt(prompt)
        except KeyboardInterrupt:
            continue
        except EOFError:
            return
        yield line.strip()
