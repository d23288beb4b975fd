"""What an article says about itself where nobody told us: the outlet and date in its dateline ("TOKYO, Feb. 5
(Kyodo) --") or a credit line ("(AP)"), with the text each was read from as evidence for the ingest report."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def clean_date(value: Any) -> str | None:
    """An ISO date string or None; anything unparseable is dropped rather than guessed."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if _DATE.match(text):
        return text[:10]
    return None


def text_value(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


# -- metadata a user does not have to guess ------------------------------------------------------------------
# News agencies named by a credit anywhere in the text ("(Kyodo)", "— AP"). Only known names count there; a
# dateline's credit ("TOKYO, Jan. 29 (Kyodo) --") is read whatever it names, because the dateline shape says it.
AGENCIES: dict[str, str] = {
    name.lower(): outlet
    for outlet, names in {
        "Kyodo": ("Kyodo", "Kyodo News"),
        "Reuters": ("Reuters", "Thomson Reuters"),
        "AP": ("AP", "Associated Press", "The Associated Press"),
        "AFP": ("AFP", "Agence France-Presse"),
        "Xinhua": ("Xinhua",),
        "Yonhap": ("Yonhap",),
        "Jiji Press": ("Jiji", "Jiji Press"),
        "dpa": ("dpa",),
        "EFE": ("EFE",),
        "ANSA": ("ANSA",),
        "UPI": ("UPI",),
        "Bloomberg": ("Bloomberg",),
        "TASS": ("TASS",),
        "Interfax": ("Interfax",),
        "PTI": ("PTI",),
        "IANS": ("IANS",),
        "Bernama": ("Bernama",),
        "Antara": ("Antara",),
        "Anadolu": ("Anadolu", "Anadolu Agency"),
        "AAP": ("AAP",),
    }.items()
    for name in names
}


_MONTHS = {
    m: n
    for n, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        1,
    )
    for m in names
}
# "TOKYO, Jan. 29 (Kyodo) --", "WASHINGTON (Reuters) -", "LONDON, March 3, 2005 (AP) —", "BEIJING, Feb. 1 --"
_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z.'\- ]{1,40})"
    r"(?:,\s+(?P<month>[A-Z][a-z]{2,8})\.?\s+(?P<day>\d{1,2})(?:,\s+(?P<year>\d{4}))?)?"
    r"\s*(?:\((?P<credit>[A-Z][\w .&'-]{0,30})\))?"
    r"(?P<dash>\s*(?:--|[—–-]))?\s*"
)
_CREDIT = re.compile(r"\(([A-Z][\w .&'-]{1,30})\)")
_DASH_CREDIT = re.compile(r"(?:^|\s)(?:--|[—–-])\s*([A-Z][\w .&'-]{1,30}?)\s*$")


@dataclass(frozen=True)
class Dateline:
    """What the opening of a news text says about itself: "TOKYO, Jan. 29 (Kyodo) -- …"."""

    text: str  # the dateline as written (shown to the user as the evidence)
    source: str | None
    month: int | None
    day: int | None
    year: int | None


def read_dateline(paragraph: str) -> Dateline | None:
    """The dateline at the start of ``paragraph``, when it has a date or a credit (a bare capital word is not)."""
    match = _DATELINE.match(paragraph)
    if not match:
        return None
    month = _MONTHS.get((match["month"] or "").lower())
    if match["month"] and month is None:
        return None  # "SEOUL, Korea --" is not a date
    credit = match["credit"]
    if month is None and not credit:
        return None
    if not match["dash"] and (credit is None or credit.lower() not in AGENCIES):
        return None  # "NATO (North Atlantic Treaty Organization) said": no dash, no agency, no dateline
    source = AGENCIES.get(credit.lower(), credit) if credit else None
    return Dateline(
        text=match.group(0).rstrip(" -—–"),
        source=source,
        month=month,
        day=int(match["day"]) if match["day"] else None,
        year=int(match["year"]) if match["year"] else None,
    )


def find_credit(paragraphs: list[str]) -> str | None:
    """A known agency credited anywhere in the text: "(Kyodo)" after a caption, "— AP" closing the story."""
    for paragraph in paragraphs:
        for name in _CREDIT.findall(paragraph):
            if name.lower() in AGENCIES:
                return f"({name})"
    for paragraph in (paragraphs[0], paragraphs[-1]):
        match = _DASH_CREDIT.search(paragraph)
        if match and match[1].lower() in AGENCIES:
            return match.group(0).strip()
    return None


def _credit_source(evidence: str) -> str:
    name = evidence.strip("()—–- ")
    return AGENCIES.get(name.lower(), name)


def dated(line: Dateline, file_date: date | None) -> str | None:
    """A dateline's month and day as a date: its own year, else the latest such day on or before the file's date."""
    if line.month is None or line.day is None:
        return None
    year = line.year or (file_date.year if file_date else None)
    if year is None:
        return None
    try:
        day = date(year, line.month, line.day)
        if line.year is None and file_date is not None and day > file_date:
            day = date(year - 1, line.month, line.day)
    except ValueError:
        return None  # Feb. 30, or Feb. 29 of a year without it
    return day.isoformat()


def infer_metadata(
    paras: list[str], meta: dict[str, Any], file_date: date | None
) -> tuple[dict[str, str], dict[str, str]]:
    """Outlet and date read from the text where nobody gave them: (values, evidence), both keyed by field.

    The evidence is the text each value was read from, so the ingest report can show it and a user can check it.
    """
    values: dict[str, str] = {}
    evidence: dict[str, str] = {}
    line = read_dateline(paras[0])
    if not text_value(meta.get("source")):
        if line is not None and line.source:
            values["source"], evidence["source"] = line.source, line.text
        elif (credit := find_credit(paras)) is not None:
            values["source"], evidence["source"] = _credit_source(credit), credit
    if not clean_date(meta.get("date") or meta.get("published") or meta.get("published_at")) and line:
        day = dated(line, file_date)
        if day is not None:
            values["date"], evidence["date"] = day, line.text
            if line.year is None and file_date is not None:
                evidence["file_date"] = file_date.isoformat()
    return values, evidence
