"""Who said what: the statements of an article attributed to a named person or body, with the speaker resolved.

A news article names a speaker in full once ("Japanese Prime Minister Fumio Kishida pledged …") and then by
surname ("Kishida told parliament …"), by role ("the prime minister said …") or by pronoun ("… ," he said). An
analyst asking "what has Kishida said" wants all of them, so the article is read as a whole: every capitalised name
run in it is collected with the role words in front of it (``Prime Minister`` → ``Fumio Kishida``), and each
attribution is resolved against that, within the one article only (a bare "the prime minister" in an article that
names no prime minister is nobody in particular and is not stored).

An attribution is a speech verb (``attribution.SPEECH_VERBS``) with its speaker phrase right before it
("Kishida said", "Jan Egeland, the UN's chief of emergency relief, said"), right after a quote ('"…," said Michael
Elmquist') or after "according to". The statement is the sentence holding the verb, as a span of the stored
paragraph: like every quote, it is cut from the paragraph by offsets and verified before it is shown.

Plain functions over ``Paragraph`` objects; the store keeps the results (``store_speakers``) and the facade
answers from them.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from index.answer.attribution import SPEECH_VERBS
from index.models import Paragraph
from index.speakers.words import COUNTRIES, COUNTRY_NAMES, NOT_NAMES, TITLES

log = logging.getLogger(__name__)

# Bump when the extraction changes: stored mentions of an older version are rebuilt on first use.
EXTRACTOR_VERSION = 1
VERBS = SPEECH_VERBS | {"say", "says"}
_TOKEN = re.compile(r"[A-Za-z][\w'’.-]*|[,;:\"“”()]")
_QUOTES_CLOSE = {'"', "”", ","}
# Words that may stand between a speaker and the verb ("Kishida has said", "Egeland later told").
_BETWEEN = {"has", "had", "have", "also", "later", "then", "again", "once", "reportedly", "previously"}
_CONNECTORS = {"of", "to", "for", "de", "da", "van", "von", "al", "bin", "del", "la", "le"}
_PRONOUNS = {"he", "she"}
_ROLE_WORDS = 4  # a role phrase ("the foreign ministry spokesman") is at most this many words


@dataclass(frozen=True)
class Mention:
    """A statement attributed to ``speaker``: the sentence [start, end) of stored paragraph ``paragraph_id``."""

    paragraph_id: int
    speaker: str  # the canonical name in this article ("Fumio Kishida")
    start: int
    end: int
    phrase: str  # how the sentence names the speaker ("Kishida", "the prime minister", "he")


@dataclass
class _Word:
    text: str  # without a sentence-final period or a possessive
    start: int

    @property
    def low(self) -> str:
        return self.text.lower()

    @property
    def capital(self) -> bool:
        return self.text[:1].isupper()


def _words(text: str) -> list[_Word]:
    out = []
    for m in _TOKEN.finditer(text):
        w = m.group()
        if w.endswith(".") and w.count(".") == 1 and w.lower() not in TITLES:
            w = w[:-1]  # "Kishida." at the end of a sentence; "U.S." and "Dr." keep theirs
        for suffix in ("'s", "’s"):
            w = w.removesuffix(suffix)
        if w:
            out.append(_Word(w, m.start()))
    return out


def _is_name_word(w: _Word) -> bool:
    return w.capital and w.low not in NOT_NAMES


def _run_back(words: list[_Word], end: int) -> list[_Word]:
    """The capitalised run ending at ``words[end]`` (inclusive), connectors allowed between capitals."""
    i = end
    while i - 1 >= 0:
        prev = words[i - 1]
        if _is_name_word(prev):
            i -= 1
        elif prev.low in _CONNECTORS and i - 2 >= 0 and _is_name_word(words[i - 2]):
            i -= 2
        else:
            break
    return words[i : end + 1]


def _run_forward(words: list[_Word], start: int) -> list[_Word]:
    j = start
    while j + 1 < len(words):
        nxt = words[j + 1]
        if _is_name_word(nxt):
            j += 1
        elif nxt.low in _CONNECTORS and j + 2 < len(words) and _is_name_word(words[j + 2]):
            j += 2
        else:
            break
    return words[start : j + 1]


def split_run(run: list[str]) -> tuple[str, str]:
    """(role, name) of a capitalised run: the titles in front are the role, with the nationalities and
    connectors among them ("Russian Ambassador to Japan Mikhail Galuzin" → ("ambassador", "Mikhail Galuzin"),
    "Sears CEO Alan Lacy" → ("ceo", "Alan Lacy")); the rest is the name. A country alone is a name ("Japan
    said"), a demonym or titles alone only a role ("Prime Minister said")."""
    low = [w.lower() for w in run]
    i = 0
    while i < len(run) and low[i] in TITLES | COUNTRIES | _CONNECTORS:
        i += 1
    titled = [k for k in range(i, len(run) - 2) if low[k] in TITLES]
    if titled:  # a title inside the run, then a name of two words or more: "Microsoft CEO Steve Ballmer"
        i = titled[-1] + 1
    role = " ".join(w.rstrip(".") for w in low[:i] if w in TITLES)
    name = run[i:]
    if not name and run and low[-1] in COUNTRY_NAMES:
        name = run[-1:]
    return role, " ".join(name)


def _person_like(name: str) -> bool:
    words = name.lower().split()
    return len(words) >= 2 and not any(w in ("of", "to", "for") for w in words)


@dataclass
class ArticleNames:
    """What an article calls its people: role → full names, and every full name (two words or more)."""

    roles: dict[str, set[str]]
    full: set[str]
    capitalised: set[str]  # words written with a capital inside a sentence: names, not sentence openers

    @classmethod
    def read(cls, paragraphs: list[Paragraph]) -> ArticleNames:
        roles: dict[str, set[str]] = {}
        full: set[str] = set()
        capitalised: set[str] = set()
        for para in paragraphs:
            for start, end in para.sentences or [(0, len(para.text))]:
                words = _words(para.text[start:end])
                capitalised |= {
                    w.text for k, w in enumerate(words[1:], 1) if w.capital and words[k - 1].text not in '"“:'
                }
            words = _words(para.text)
            i = 0
            while i < len(words):
                if not _is_name_word(words[i]):
                    i += 1
                    continue
                run = _run_forward(words, i)
                i += len(run)
                role, name = split_run([w.text for w in run])
                if len(name.split()) >= 2:
                    full.add(name)
                    if role:
                        roles.setdefault(role, set()).add(name)
                        roles.setdefault(role.split()[-1], set()).add(name)
        return cls(roles, full, capitalised)

    def canonical(self, name: str) -> str:
        """The article's full form of a name ("Kishida" → "Fumio Kishida", "Mr. Lula" → "Luiz Inácio Lula da
        Silva"), when exactly one person's name in the article contains it; countries stay as they are."""
        parts = name.split()
        if not parts or name.lower() in COUNTRY_NAMES:
            return name
        n = len(parts)
        longer = {
            f
            for f in self.full
            if f != name
            and _person_like(f)
            and any(f.split()[k : k + n] == parts for k in range(len(f.split()) - n + 1))
        }
        return next(iter(longer)) if len(longer) == 1 else name

    def by_role(self, phrase: str) -> str | None:
        """The one person the article gives this role ("the prime minister" → "Fumio Kishida"), else None."""
        words = [w for w in phrase.lower().split() if w not in ("the", "a", "an")]
        if not words:
            return None
        for key in (" ".join(words), words[-1]):
            names = self.roles.get(key)
            if names and len(names) == 1:
                return next(iter(names))
        return None


def _before_verb(words: list[_Word], v: int) -> tuple[str, str] | None:
    """("name" | "role" | "pronoun", phrase) of the speaker written right before the verb at ``words[v]``."""
    i = v - 1
    while i >= 0 and words[i].low in _BETWEEN:
        i -= 1
    if i < 0:
        return None
    w = words[i]
    if w.low in _PRONOUNS:
        return "pronoun", w.text
    if w.text == ",":  # "Jan Egeland, the UN's chief of emergency relief, said"
        for j in range(i - 1, max(-1, i - 14), -1):
            if words[j].text == ",":
                if j >= 1 and _is_name_word(words[j - 1]):
                    return "name", " ".join(x.text for x in _run_back(words, j - 1))
                return None
            if words[j].text in _QUOTES_CLOSE or words[j].text in ";:()":
                return None
        return None
    if _is_name_word(w):
        return "name", " ".join(x.text for x in _run_back(words, i))
    if w.text.isalpha() and w.low not in NOT_NAMES:  # "the prime minister said"
        role = [w.text]
        for j in range(i - 1, max(-1, i - _ROLE_WORDS), -1):
            if words[j].low in ("the",):
                return "role", "the " + " ".join(role)
            if not words[j].text.isalpha() or words[j].capital:
                break
            role.insert(0, words[j].text)
    return None


def _after_verb(words: list[_Word], v: int) -> tuple[str, str] | None:
    """The speaker after the verb, only right after a quote: '"…," said Prime Minister Fumio Kishida'."""
    if v == 0 or words[v - 1].text not in _QUOTES_CLOSE or v + 1 >= len(words):
        return None
    j = v + 1
    if words[j].low in _PRONOUNS:
        return "pronoun", words[j].text
    if words[j].low == "the":
        role = [x.text for x in words[j + 1 : j + 1 + _ROLE_WORDS] if x.text.isalpha()]
        if role and not role[0][:1].isupper():
            return "role", "the " + " ".join(role)
        j += 1
    if j < len(words) and _is_name_word(words[j]):
        return "name", " ".join(x.text for x in _run_forward(words, j))
    return None


def _according_to(words: list[_Word]) -> tuple[str, str] | None:
    for i in range(len(words) - 2):
        if words[i].low == "according" and words[i + 1].low == "to":
            j = i + 2 + (words[i + 2].low == "the")
            if j < len(words) and _is_name_word(words[j]):
                return "name", " ".join(x.text for x in _run_forward(words, j))
    return None


def sentence_speakers(text: str) -> list[tuple[str, str]]:
    """Every (kind, phrase) a sentence attributes a statement to, in order."""
    words = _words(text)
    found: list[tuple[str, str]] = []
    for v, w in enumerate(words):
        if w.low not in VERBS:
            continue
        hit = _before_verb(words, v) or _after_verb(words, v)
        if hit and hit not in found:
            found.append(hit)
    hit = _according_to(words)
    if hit and hit not in found:
        found.append(hit)
    return found


def _resolve(kind: str, phrase: str, names: ArticleNames, last_person: str | None) -> str | None:
    """The canonical speaker of a phrase in this article, or None (nobody in particular)."""
    if kind == "pronoun":
        return last_person
    if kind == "role":
        return names.by_role(phrase)
    role, name = split_run(phrase.split())
    if not name:
        return names.by_role(role) if role else None
    if " " not in name and name not in names.capitalised and name.lower() not in COUNTRY_NAMES:
        return None  # "Officials said", "Police say": a capital only because it opens the sentence
    return names.canonical(name)


def extract(paragraphs: list[Paragraph]) -> list[Mention]:
    """The attributed statements of one article (its paragraphs in order), speakers resolved within it.

    A pronoun ("he said") is the last person named as a speaker in the same or the previous paragraph."""
    names = ArticleNames.read(paragraphs)
    mentions: list[Mention] = []
    previous: str | None = None  # the last person who spoke in the previous paragraph
    for para in paragraphs:
        current: str | None = None
        for start, end in para.sentences or [(0, len(para.text))]:
            for kind, phrase in sentence_speakers(para.text[start:end]):
                speaker = _resolve(kind, phrase, names, current or previous)
                if not speaker:
                    continue
                mentions.append(Mention(para.id, speaker, start, end, phrase))
                if speaker in names.full:
                    current = speaker
        previous = current
    return mentions


def speaker_key(name: str) -> str:
    """The lookup form of a name: lower-case words between spaces (" fumio kishida "), so a word matches whole."""
    return " " + " ".join(re.findall(r"[\w'’.-]+", name.lower())) + " "
