"""What changed since the days before, on a developing story: a figure today's articles give next to the same
figure in the latest earlier article that gave one ("nearly 60,000 people reported dead" → "passing 80,000
people"), both cut verbatim from the stored paragraphs and verified like quotes. Nothing is worded by Newsdesk: a
line is shown only when both sides are found, and the change is only that the two numbers differ.

A figure is a number with its unit: the word after it ("80,000 people"), a currency sign or a percent, with
"million"/"billion" folded into the value; years, dates, times, grades ("Category 3") and numbers glued to
letters ("MN4", "COVID-19") are not figures. Two figures count the same thing when they have the same unit, their
sentences share at least ``SHARED_SENTENCE`` content words (Snowball stems), and the words around the numbers
(``NEAR_WORDS`` either side, within the clause) share ``NEAR_SHARED``, or one when both sentences name what news
measures (a toll, winds, prices: ``_MEASURES``). Vague units (years, minutes, dollars, percent) need the shared
neighbourhood. So "an additional 60,000 people could perish" and "5 million people lack food" (one WHO sentence
each) are not compared, nor "60 years" of one reign and "70 years" of another. Measured on every RTQA day: see
``notes/briefing.md``; the rule errs towards saying nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import Stemmer

from index.answer.spans import source_ref, span_quote
from index.briefing.types import ArticleContent, ArticleItem
from index.models import Change, Paragraph, Quote, SourceRef

MAX_CHANGES = 2  # one line: at most two figures
SHARED_SENTENCE = 2  # content words two figures' sentences must share to be the same kind of figure ...
NEAR_WORDS = 6  # ... and the words either side of each number (within the clause) ...
NEAR_SHARED = 2  # ... must share this many, or one when both sentences name what is measured (a death toll)
BEFORE_WORDS = 3  # words kept before the number in the quoted fragment (within its clause)
AFTER_WORDS = 2  # content words kept after the unit (within its clause), e.g. "people reported dead"
EARLIER_ARTICLES = 8  # the closest earlier articles searched for the figure before
LEAD_PARAGRAPHS = 3  # news puts its figures first: deeper paragraphs are background, not what changed
MAX_RATIO = 3.0  # a figure that moved by more than this factor is another figure ("$10,000" of a loan, "$1.6 trillion")

_STEMMER = Stemmer.Stemmer("english")
_MONTHS = (
    "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|july|august|"
    "september|october|november|december"
)
_NUMBER = re.compile(
    r"(?<![\w.,/:-])(?P<cur>[$€£]\s?)?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<pct>\s?(?:%|percent\b|per cent\b))?(?![\w/:-]|[.,]\d)"
)
_MULTIPLIER = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_CLAUSE = re.compile(r"[,;:()\[\]—–\"“”]|\s-\s")
_MONTH_BEFORE = re.compile(rf"\b(?:{_MONTHS})\.?\s*$", re.IGNORECASE)
_MONTH_AFTER = re.compile(rf"^\s*(?:{_MONTHS})\b", re.IGNORECASE)
_STOP_TEXT = """a about above according after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from further had has have
having he her here hers him his how i if in into is it its itself just more most my no nor not now of off on once
only or other our out over own same she should so some such than that the their them then there these they this
those through to too under until up very was we were what when where which while who whom why will with would you
your said says say told per nearly around almost least another additional roughly approximately estimated"""
_STOP = frozenset(_STOP_TEXT.split())
# Units that say what is counted only vaguely (a duration, an age, a time of day): "60 years" of a reign and "70
# years" of another are not a change.
_GENERIC_TEXT = "percent % $ € £"
_GENERIC = frozenset(_STEMMER.stemWords(_GENERIC_TEXT.split()))
# Durations, ages and clock times are not what a story's change is measured in ("60 years" of one reign, "70
# years" of another; a hearing "at 8 p.m." and another "at 1 p.m."): such numbers are not figures at all.
_NOT_UNITS_TEXT = (
    "year years month months week weeks day days hour hours minute minutes second seconds p pm am et old"
)
_NOT_UNITS = frozenset(_STEMMER.stemWords(_NOT_UNITS_TEXT.split()))
# A number after one of these is a name or a grade, not a quantity ("Category 3", "Level 4", "Phase 2").
_LABEL_TEXT = """category level no number article section title phase stage grade class type chapter flight route game
highway interstate round season episode page part version covid"""
_LABELS = frozenset(_LABEL_TEXT.split())
# What news counts and reports changes of: a sentence naming one of these on both sides is about the same figure.
_MEASURE_TEXT = """toll death dead died killed injured wounded casualties fatalities victims missing cases infections
hospitalized winds rain rainfall snow price prices rate rates inflation unemployment customers outages homes houses
evacuated displaced refugees votes turnout temperature magnitude barrel gallon jobs workers arrested survivors"""
_MEASURES = frozenset(_STEMMER.stemWords(_MEASURE_TEXT.split()))


@dataclass
class Figure:
    """One number with its unit in a sentence of a stored paragraph."""

    content: ArticleContent
    paragraph: Paragraph
    value: float
    unit: str
    start: int  # the fragment quoted: a few words before the number to the unit and the words after it
    end: int
    sentence: frozenset[str]  # content stems of the sentence (the unit left out)
    near: frozenset[str]  # content stems of the words around the number


def _stems(words: list[str]) -> frozenset[str]:
    return frozenset(_STEMMER.stemWords([w.lower() for w in words if w.lower() not in _STOP]))


def figures(content: ArticleContent) -> list[Figure]:
    """Every figure of an article's lead paragraphs (``LEAD_PARAGRAPHS``), in paragraph order."""
    out = []
    for para, caption in zip(content.paragraphs, content.caption, strict=True):
        if caption or para.ordinal > LEAD_PARAGRAPHS:
            continue
        for s, e in para.sentences or [(0, len(para.text))]:
            out += _sentence_figures(content, para, s, e)
    return out


def _sentence_figures(content: ArticleContent, para: Paragraph, s: int, e: int) -> list[Figure]:
    text = para.text
    sentence = text[s:e]
    words = [(m.start() + s, m.end() + s, m.group()) for m in _WORD.finditer(sentence)]
    out = []
    for m in _NUMBER.finditer(sentence):
        a, b = m.start() + s, m.end() + s
        if _MONTH_BEFORE.search(text[s:a]) or _MONTH_AFTER.match(text[b:e]):
            continue
        before = [w for w in words if w[1] <= a]
        if (
            before
            and before[-1][2].lower().rstrip(".") in _LABELS
            and not _CLAUSE.search(text[before[-1][1] : a])
        ):
            continue  # "Category 3", "Level 4": a grade, not a quantity
        raw = m.group("num").replace(",", "")
        bare = m.group("cur") is None and m.group("pct") is None and "," not in m.group("num")
        if bare and len(raw) == 4 and raw.isdigit() and 1800 <= int(raw) <= 2100:
            continue  # a year
        value = float(raw)
        after = [w for w in words if w[0] >= b]
        unit_end = b
        if m.group("pct"):
            unit = "%"
        else:
            if after and after[0][2].lower() in _MULTIPLIER and not _CLAUSE.search(text[b : after[0][0]]):
                value *= _MULTIPLIER[after[0][2].lower()]
                unit_end = after[0][1]
                after = after[1:]
            if m.group("cur"):
                unit = m.group("cur").strip()
            elif (
                after
                and not _CLAUSE.search(text[unit_end : after[0][0]])
                and after[0][2].lower() not in _STOP
            ):
                unit = _STEMMER.stemWord(after[0][2].lower())
                unit_end = after[0][1]
                after = after[1:]
            else:
                continue  # "approach 80,000 in Indonesia": no unit, no comparison
        if unit in _NOT_UNITS:
            continue
        start = _fragment_start(text, s, a, [w for w in words if w[1] <= a])
        end = _fragment_end(text, unit_end, after)
        before_words = _clause_words(text, [w for w in words if w[1] <= a][::-1], a)[:NEAR_WORDS]
        after_words = _clause_words(text, [w for w in words if w[0] >= unit_end], unit_end)[:NEAR_WORDS]
        sentence_stems = _stems([w[2] for w in words]) - {unit}
        out.append(
            Figure(content, para, value, unit, start, end, sentence_stems, _stems(before_words + after_words))
        )
    return out


def _clause_words(text: str, words: list[tuple[int, int, str]], at: int) -> list[str]:
    """The words going away from ``at`` (``words`` ordered that way) up to the first clause boundary."""
    out = []
    for ws, we, w in words:
        gap = text[we:at] if we <= at else text[at:ws]
        if _CLAUSE.search(gap):
            break
        out.append(w)
        at = ws if we <= at else we
    return out


def _fragment_start(text: str, s: int, a: int, before: list[tuple[int, int, str]]) -> int:
    """Up to ``BEFORE_WORDS`` words before the number, not crossing a clause boundary."""
    start = a
    for ws, we, _ in reversed(before[-BEFORE_WORDS:]):
        if _CLAUSE.search(text[we:start]):
            break
        start = ws
    return max(start, s)


def _fragment_end(text: str, unit_end: int, after: list[tuple[int, int, str]]) -> int:
    """The unit, then up to ``AFTER_WORDS`` content words in the same clause ("people reported dead")."""
    end = unit_end
    for ws, we, w in after[:AFTER_WORDS]:
        if w.lower() in _STOP or _CLAUSE.search(text[end:ws]):
            break
        end = we
    return end


def same_kind(a: Figure, b: Figure) -> bool:
    """Whether two figures count the same thing (see the module's docstring)."""
    if a.unit != b.unit or len(a.sentence & b.sentence) < SHARED_SENTENCE:
        return False
    low, high = sorted((abs(a.value), abs(b.value)))
    if low == 0 or high / low > MAX_RATIO:
        return False
    near = len(a.near & b.near)
    if a.unit in _GENERIC:
        return near >= NEAR_SHARED
    return near >= NEAR_SHARED or (near >= 1 and bool(a.sentence & b.sentence & _MEASURES))


def changes(
    today: list[ArticleContent],
    earlier: list[tuple[ArticleContent, ArticleItem]],
    lead: dict[str, ArticleItem],
) -> list[Change]:
    """Figures of today's texts whose latest earlier figure of the same kind had another value.

    ``earlier`` pairs each earlier text with the article that first carried it (its date is the "before" day);
    ``lead`` maps each of today's texts to the window article it is shown under.
    """
    before = [(f, item) for content, item in earlier[:EARLIER_ARTICLES] for f in figures(content)]
    if not before:
        return []
    found: list[Change] = []
    today_figures = [f for c in today for f in figures(c)]
    seen_units: set[str] = set()
    for f in today_figures:
        if f.unit in seen_units:
            continue
        kind = [(g, item) for g, item in before if same_kind(f, g)]
        if not kind:
            continue
        # The latest earlier day that gave this figure, and the closest sentence of that day.
        g, item = max(kind, key=lambda t: (t[1].date or "", len(f.sentence & t[0].sentence), -t[0].start))
        if g.value == f.value:
            continue
        seen_units.add(f.unit)
        also = _also_today(f, today_figures, lead)
        found.append(Change(_quote(f, lead[f.content.id]), _quote(g, item), also))
        if len(found) >= MAX_CHANGES:
            break
    return found


def _also_today(f: Figure, today_figures: list[Figure], lead: dict[str, ArticleItem]) -> list[SourceRef]:
    """The other articles of today that give the same value: other texts, and syndicated copies of this one."""
    refs = [source_ref(i) for i in f.content.items if i.id != lead[f.content.id].id]
    for g in today_figures:
        if g.content.id != f.content.id and g.value == f.value and same_kind(f, g):
            ref = source_ref(lead[g.content.id])
            if all(r.article_id != ref.article_id for r in refs):
                refs.append(ref)
    return refs


def _quote(f: Figure, item: ArticleItem) -> Quote:
    return span_quote(f.paragraph, item, f.start, f.end, 0.0)


__all__ = ["Figure", "changes", "figures", "same_kind"]
