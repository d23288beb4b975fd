"""What a question asks for, and whether a passage holds something of that kind.

"How many died?" is answered by a window with a number, "when" by a date, "who"/"where" by a name the question
does not already give. A passage that resembles the question but holds nothing of the asked-for kind is usually
background, so the answer stage gives the windows that do a small bonus (``answer.py``, W_ANSWER_TYPE). Plain
patterns over English questions: cheap, predictable, and measured on the tuning half of the dev sets (issue 10).
"""

from __future__ import annotations

import re
from typing import Literal

Kind = Literal["number", "date", "name"]

_NUMBER = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|"
    r"thousand|million|billion|dozens?|half)\b",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"\b(19|20)\d\d\b|\b(january|february|march|april|may|june|july|august|september|october|november|"
    r"december|monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|tomorrow|"
    r"(last|next) (week|month|year))\b",
    re.IGNORECASE,
)
# A capitalised word that does not open a sentence: the name of a person, a place or an organisation.
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*")
_WORD = re.compile(r"\w+")
_ASKS = (
    (
        "number",
        re.compile(
            r"(how (many|much|long|old|far|often|big|large|tall|fast)|what (percentage|percent|number|amount|age))\b"
        ),
    ),
    (
        "date",
        re.compile(r"(when|what (year|day|date|month|time))\b|.*\b(what|which) (year|day|date|month)\b"),
    ),
    (
        "name",
        re.compile(
            r"(who|whom|whose|where)\b|.*\b(which|what) (person|man|woman|company|group|team|player|country|city|"
            r"state|town|place|nation)\b"
        ),
    ),
)


def answer_type(question: str) -> Kind | None:
    """``"number"``, ``"date"`` or ``"name"``; None for what/why/how questions, whose answers have no one shape."""
    q = question.strip().lower()
    for kind, pattern in _ASKS:
        if pattern.match(q):
            return kind  # type: ignore[return-value]
    return None


def has_answer_type(text: str, kind: Kind, question: str) -> bool:
    """Whether ``text`` holds something of ``kind``; for a name, one the question does not already give."""
    if kind == "number":
        return bool(_NUMBER.search(text))
    if kind == "date":
        return bool(_DATE.search(text))
    asked = {w.lower() for w in _WORD.findall(question)}
    return any(any(w.lower() not in asked for w in m.group(0).split()) for m in _NAME.finditer(text))
