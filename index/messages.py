"""Every user-facing sentence comes from ``prompts/``: Jinja templates for whole answers and briefings, and the
message catalogue ``prompts/messages.toml`` for single sentences (errors, reports, hints). The CLI, the terminal
session and the bot all render through here, so a sentence reads the same wherever it is shown.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template

from index.language import language_name, shown_language

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
CATALOGUE = "messages.toml"


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``1 article``, ``2 articles``, ``1,234 articles``: exact counts with the right plural."""
    word = noun if n == 1 else (plural or _plural(noun))
    return f"{n:,} {word}"


def _plural(noun: str) -> str:
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(PROMPTS_DIR)),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=False,
    )
    env.globals["counted"] = counted
    env.globals["say"] = say
    env.globals["language_name"] = language_name
    env.globals["speaker_note"] = speaker_note
    env.globals["shown_language"] = shown_language
    return env


def render(template: str, **context: Any) -> str:
    """Render ``prompts/<template>`` with ``context``."""
    return environment().get_template(template).render(**context).strip() + "\n"


@cache
def catalogue() -> dict[str, str]:
    with open(PROMPTS_DIR / CATALOGUE, "rb") as fh:
        return {k: str(v) for k, v in tomllib.load(fh).items()}


def say(key: str, **context: Any) -> str:
    """One sentence of the catalogue, filled in: ``say("no_answer", question=q)``."""
    return _sentence(key).render(**context).strip()


@cache
def _sentence(key: str) -> Template:
    """A catalogue sentence compiled once (a briefing says a hundred of them; compiling is the costly part)."""
    try:
        text = catalogue()[key]
    except KeyError:
        raise KeyError(f"no message {key!r} in prompts/{CATALOGUE}") from None
    return environment().from_string(text)


def speaker_note(answer: Any) -> str | None:
    """The sentence an answer to a "what did X say" question opens with when none of its quotes is a statement by X
    (``Answer.speaker_quoted`` is False): X is quoted nowhere in what was searched, or X is quoted but none of it
    answers this question, or (the who-said-what index not read up to date) none of the passages found is X's. One
    rule for the terminal, Markdown and Discord; None when there is nothing to say."""
    if answer.speaker_quoted is not False or not answer.speaker:
        return None
    if (
        answer.speaker_statements is None
    ):  # the who-said-what index has not read everything: judged on these only
        key = "answer_speaker_not_among"
    else:
        key = "answer_speaker_not_on_this" if answer.speaker_statements else "answer_speaker_not_quoted"
    return say(key, speaker=answer.speaker)
