"""Who said it: a small, explainable signal for the analyst's most common question, "what did X say ...?".

An embedding model sees "Japanese Prime Minister Fumio Kishida pledged to take 'strong action in response to any
attack'" as only loosely related to "What did Japan say it would do if Russia invades?": the words differ
(pledged/say, attack/invades) and the paragraph is mostly about a summit. What marks it as an answer is its
structure: a statement attributed to a speaker from the country the question asks about. This module finds the
speaker the question names and the speaker phrase of each speech verb in a passage ("a Japanese government source
said", "Japanese Prime Minister Fumio Kishida pledged"), and says whether they match. A speaker phrase matches
when the first country it names is the asked-about one, so "Russian Ambassador to Japan Mikhail Galuzin warned"
is a Russian speaker, not a Japanese one; without a country, any shared name counts ("Kishida said").
"""

from __future__ import annotations

import re

from index.text import FOLD, tokenize

_QUESTION = re.compile(
    r"^\s*(?:what|how|why|when|whom?)\s+(?:did|does|do|has|have|had|will|would|is|was|were)\s+(?:the\s+)?"
    r"(?P<speaker>.+?)\s+(?:say|said|tell|told|warn|warned|pledge|promise|vow|announce|threaten|claim|state|"
    r"urge|think|want|plan|demand|ask|respond|call)\b",
    re.IGNORECASE,
)
SPEECH_VERBS = frozenset(
    [
        "said",
        "says",
        "told",
        "warned",
        "warns",
        "pledged",
        "pledges",
        "vowed",
        "vows",
        "promised",
        "promises",
        "stated",
        "announced",
        "added",
        "insisted",
        "threatened",
        "urged",
        "urges",
        "stressed",
        "declared",
        "argued",
        "claimed",
        "denied",
        "confirmed",
        "acknowledged",
        "explained",
        "cautioned",
        "predicted",
        "conceded",
        "noted",
        "replied",
        "responded",
        "tweeted",
        "wrote",
        # the present tense of the same verbs ("Iran denies its nuclear program is aimed at building bombs")
        "adds",
        "insists",
        "threatens",
        "stresses",
        "declares",
        "argues",
        "claims",
        "denies",
        "confirms",
        "acknowledges",
        "explains",
        "cautions",
        "predicts",
        "concedes",
        "notes",
        "replies",
        "responds",
        "tweets",
        "writes",
        "tells",
        "states",
        "announces",
    ]
)
_WORDS = re.compile(r"[\w'’.-]+|[,;:\"“”()]")
_BOUNDARY = {",", ";", ":", '"', "“", "”", "(", ")"}
COUNTRIES = frozenset(tokenize([" ".join(sorted(set(FOLD.values())))])[0])
MAX_PHRASE = 8


# Questions that ask for someone's statements ("what did X say", "what has X warned", "what is X's position"): for
# these the speaker's own statements are shown first (``compose``); the broader pattern above only adds evidence.
_STATEMENT = re.compile(
    r"^\s*(?:what|how|why|when)\s+(?:did|does|do|has|have|had|will|would|is|was|were)\s+(?:the\s+)?"
    r"(?P<speaker>.+?)\s+(?:say|said|tell|told|warn|warned|pledge|promise|vow|announce|threaten|claim|state|"
    r"respond|comment|argue|insist|deny)\b"
    r"|^\s*what\s+(?:is|was|are|were)\s+(?:the\s+)?(?P<owner>.+?)['’]s?\s+(?:position|stance|view|response|"
    r"reaction|statement)\b",
    re.IGNORECASE,
)


def asked_speaker(question: str) -> str | None:
    """The speaker whose statements a question asks for, as written ("Japan", "the Russian ambassador"); None
    when it asks for something else ("what do Japan and Russia call the islands")."""
    match = _STATEMENT.match(question)
    if not match:
        return None
    return (match.group("speaker") or match.group("owner")).strip()


def speaker_words(question: str) -> list[str]:
    """Stemmed tokens of the speaker a "what did X say/do ..." or "what is X's position" question names, in order;
    empty when it names none. (The position forms matter: without them X's own statements were never marked as X's,
    and the answer said X was quoted nowhere even when its first quote was X speaking.)"""
    match = _QUESTION.match(question)
    if match:
        return tokenize([match.group("speaker")])[0]
    asked = asked_speaker(question)
    return tokenize([asked])[0] if asked else []


def question_speaker(question: str) -> set[str]:
    """The same as a set."""
    return set(speaker_words(question))


def speaker_head(words: list[str]) -> str | None:
    """The word a statement's speaker phrase must hold when the asked speaker has several: the last, its name or
    head noun ("Interior Secretary Ken Salazar" -> salazar, "the Russian ambassador" -> ambassador), so that "an
    Interior Ministry spokesman said" is not Salazar speaking. None for a one-word speaker."""
    return words[-1] if len(words) > 1 else None


def _phrase_matches(words: list[str], speaker: set[str], head: str | None = None) -> bool:
    tokens = tokenize([" ".join(words)])[0]
    countries = [t for t in tokens if t in COUNTRIES]
    # A country decides only when the asked speaker has one ("What did Japan say" is not the Russian ambassador
    # speaking); a named person keeps their statements whatever nationality the phrase gives them ("Russian
    # Ambassador to Japan Mikhail Galuzin warned" is Galuzin speaking).
    if countries and speaker & COUNTRIES:
        return countries[0] in speaker
    if head is not None:
        return head in tokens
    return bool(speaker & set(tokens))


def attributed_to(text: str, speaker: set[str], head: str | None = None) -> bool:
    """True when some speech verb in ``text`` has a speaker phrase naming ``speaker`` (holding ``head``, when
    given: ``speaker_head``)."""
    if not speaker:
        return False
    words = _WORDS.findall(text)
    for i, word in enumerate(words):
        if word.lower().rstrip(".") not in SPEECH_VERBS:
            continue
        before: list[str] = []
        for w in reversed(words[max(0, i - MAX_PHRASE) : i]):
            if w in _BOUNDARY or w.endswith("."):
                break
            before.insert(0, w)
        if before and _phrase_matches(before, speaker, head):
            return True
        if i > 0 and words[i - 1] in _BOUNDARY:  # '"...," said Prime Minister Fumio Kishida.'
            after: list[str] = []
            for w in words[i + 1 : i + 1 + MAX_PHRASE]:
                if w in _BOUNDARY or w.endswith("."):
                    after.append(w.rstrip("."))
                    break
                after.append(w)
            if after and _phrase_matches(after, speaker, head):
                return True
    return False
