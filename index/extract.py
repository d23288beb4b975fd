"""Files, HTML and JSON records → ``ArticleIn``.

Every failure is an ``ExtractError`` with one sentence a user can act on; the caller records it per file and the
rest of the batch goes on.
"""

from __future__ import annotations

import codecs
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from charset_normalizer import from_bytes

from index.models import ArticleIn
from index.render import say
from index.segment import derive_title, normalize, passages
from index.validate import ACCEPTED_SUFFIXES, ACCEPTED_SUFFIXES_TEXT

log = logging.getLogger(__name__)

SUPPORTED = ACCEPTED_SUFFIXES
MAX_FILE_BYTES = 20 * 1024 * 1024  # a news article is kilobytes; 20 MB is a dump or a mistake
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_NOT_ARTICLES = {"README", "ATTRIBUTION", "LICENSE", "CHANGELOG"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


class ExtractError(ValueError):
    """A source that cannot become an article; the message is shown to the user as is."""


# Byte-order marks name their encoding outright. UTF-32 LE starts with the UTF-16 LE mark, so it is tried first.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode(data: bytes, name: str) -> str:
    """Bytes → text: a byte-order mark's encoding (UTF-8/16/32), else UTF-8, else a detected encoding; binary
    data is refused (UTF-16 without a mark is full of zero bytes and cannot be told from binary)."""
    if not data.strip():
        raise ExtractError(say("extract_empty", name=name))
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise ExtractError(
                    say("extract_bad_bom", name=name, encoding=encoding.upper(), reason=exc.reason)
                ) from exc
            if not text.strip("\ufeff \t\r\n"):
                raise ExtractError(say("extract_empty", name=name))
            return text.lstrip("\ufeff")
    if b"\x00" in data[:8192]:
        raise ExtractError(say("extract_binary", name=name))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:200_000]).best()
    if best is None or best.encoding is None:
        raise ExtractError(say("extract_undetected_encoding", name=name))
    try:
        text = data.decode(best.encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise ExtractError(say("extract_undecodable", name=name, encoding=best.encoding)) from exc
    log.info("%s decoded as %s", name, best.encoding)
    return text


def clean_date(value: Any) -> str | None:
    """An ISO date string or None; anything unparseable is dropped rather than guessed."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if _DATE.match(text):
        return text[:10]
    return None


def _text_value(value: Any) -> str | None:
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
    if not _text_value(meta.get("source")):
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


def article_from_text(
    text: str, origin: str, meta: dict[str, Any] | None = None, file_date: date | None = None
) -> ArticleIn:
    """Plain text or Markdown with optional YAML front matter (title, source, date, url, author); what the front
    matter leaves out is read from a dateline or credit when the text has one."""
    meta = dict(meta or {})
    text = normalize(text)
    match = _FRONT_MATTER.match(text)
    if match:
        try:
            front = yaml.safe_load(match.group(1)) or {}
        except yaml.YAMLError as exc:
            raise ExtractError(say("extract_bad_front_matter", origin=origin, problem=exc.problem)) from exc
        if not isinstance(front, dict):
            raise ExtractError(say("extract_front_matter_not_mapping", origin=origin))
        meta = {**front, **{k: v for k, v in meta.items() if v}}
        text = text[match.end() :]
    return _build(passages(text), origin, meta, file_date)


def _build(paras: list[str], origin: str, meta: dict[str, Any], file_date: date | None = None) -> ArticleIn:
    if not paras:
        raise ExtractError(say("extract_no_text", origin=origin))
    values, evidence = infer_metadata(paras, meta, file_date)
    title = _text_value(meta.get("title"))
    derived = bool(meta.get("title_derived")) or title is None
    if title is None:
        line = read_dateline(paras[0])  # the title is the first sentence, not "TOKYO, Jan. 29 (Kyodo) --"
        lead = paras[0][len(line.text) :].lstrip(" -—–") if line else paras[0]
        title = derive_title([lead or paras[0], *paras[1:]])
        evidence["title"] = ""
    date_raw = meta.get("date") or meta.get("published") or meta.get("published_at") or values.get("date")
    published = _text_value(date_raw)
    return ArticleIn(
        paragraphs=paras,
        title=title,
        source=_text_value(meta.get("source")) or values.get("source") or "unknown",
        date=clean_date(date_raw),
        published_at=published if published and len(published) > 10 and _DATE.match(published) else None,
        url=_text_value(meta.get("url")),
        author=_text_value(meta.get("author") or meta.get("authors")),
        external_id=_text_value(meta.get("id")),
        origin=origin,
        title_derived=derived,
        inferred=evidence,
        language=_language_value(meta.get("language") or meta.get("lang")),
    )


def _language_value(value: Any) -> str | None:
    """A language the source gives (``ru``, ``uk-UA``, ``JA``) as ISO 639-1; anything else is left to detection."""
    text = _text_value(value)
    if not text:
        return None
    code = text.strip().lower().replace("_", "-").split("-")[0]
    return code if len(code) == 2 and code.isalpha() and code.isascii() else None


def article_from_record(record: Any, origin: str) -> ArticleIn:
    if not isinstance(record, dict):
        raise ExtractError(say("extract_record_not_object", origin=origin))
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ExtractError(say("extract_record_no_text", origin=origin))
    meta = dict(record)
    if isinstance(meta.get("authors"), list):
        meta["authors"] = ", ".join(str(a) for a in meta["authors"])
    return _build(passages(text), origin, meta)


def records_from_json(text: str, name: str, jsonl: bool) -> Iterator[tuple[Any, str]]:
    """(record, origin) pairs; a JSONL line that does not parse is reported with its line number."""
    if jsonl:
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line), f"{name}:{n}"
            except json.JSONDecodeError as exc:
                yield (
                    ExtractError(say("extract_bad_json_line", name=name, line=n, problem=exc.msg)),
                    f"{name}:{n}",
                )
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExtractError(say("extract_bad_json", name=name, problem=exc.msg, line=exc.lineno)) from exc
    items = data if isinstance(data, list) else [data]
    for n, item in enumerate(items, 1):
        yield item, (f"{name}[{n}]" if isinstance(data, list) else name)


def article_from_html(
    html: str, origin: str, url: str | None = None, file_date: date | None = None
) -> ArticleIn:
    """trafilatura's main text (paragraph boundaries kept through its XML output) and its metadata."""
    import trafilatura
    from lxml import etree

    xml = trafilatura.extract(
        html, url=url, output_format="xml", with_metadata=True, include_comments=False, include_tables=False
    )
    if not xml:
        raise ExtractError(say("extract_html_no_text", origin=origin))
    try:
        doc = etree.fromstring(xml.encode("utf-8"))
    except etree.XMLSyntaxError as exc:
        raise ExtractError(say("extract_html_unreadable", origin=origin, problem=str(exc))) from exc
    main = doc.find("main")
    blocks: list[str] = []
    for el in (main if main is not None else doc).iter("p", "head", "quote", "item"):
        text = " ".join("".join(el.itertext()).split())
        if text and el.tag != "head":
            blocks.append(text)
    meta = {
        "title": doc.get("title"),
        "source": doc.get("sitename") or doc.get("hostname"),
        "date": doc.get("date"),
        "url": doc.get("url") or url,
        "author": doc.get("author"),
    }
    return _build(passages("\n\n".join(blocks)), origin, meta, file_date)


def articles_from_bytes(
    data: bytes, name: str, meta: dict[str, Any] | None = None, file_date: date | None = None
) -> Iterator[ArticleIn | ExtractError]:
    """One file's contents → articles (JSON/JSONL may hold many); per-record errors are yielded, not raised.

    ``file_date`` (the file's modification date, when there is a file) lets a dateline without a year date it.
    """
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED:
        raise ExtractError(
            say("extract_unsupported", name=name, suffix=suffix, accepted=ACCEPTED_SUFFIXES_TEXT)
        )
    if len(data) > MAX_FILE_BYTES:
        raise ExtractError(
            say("extract_too_big", name=name, mb=len(data) // 2**20, limit=MAX_FILE_BYTES // 2**20)
        )
    text = decode(data, name)
    if suffix in {".json", ".jsonl"}:
        for record, origin in records_from_json(text, name, jsonl=suffix == ".jsonl"):
            if isinstance(record, ExtractError):
                yield record
                continue
            try:
                yield article_from_record(record, origin)
            except ExtractError as exc:
                yield exc
    elif suffix in {".html", ".htm"}:
        yield article_from_html(text, name, url=(meta or {}).get("url"), file_date=file_date)
    else:
        yield article_from_text(text, name, meta, file_date)


def articles_from_file(path: Path) -> Iterator[ArticleIn | ExtractError]:
    """A file on disk → its articles, every failure yielded as one ``ExtractError`` (never raised).

    The file's modification date is what dates a dateline that gives a month and day but no year.
    """
    try:
        if not path.exists():
            raise ExtractError(say("extract_missing", name=path))
        stat = path.stat()
        if stat.st_size > MAX_FILE_BYTES:
            raise ExtractError(
                say("extract_too_big", name=path, mb=stat.st_size // 2**20, limit=MAX_FILE_BYTES // 2**20)
            )
        data = path.read_bytes()
        yield from articles_from_bytes(data, str(path), file_date=date.fromtimestamp(stat.st_mtime))
    except ExtractError as exc:
        yield exc
    except OSError as exc:
        yield ExtractError(say("extract_unreadable", name=path, problem=exc.strerror))


def expected_articles(path: Path) -> int:
    """About how many articles a file holds, read cheaply (for a progress bar's total): a JSONL file's non-blank
    lines, a JSON array's length, otherwise one."""
    suffix = path.suffix.lower()
    if suffix not in {".json", ".jsonl"}:
        return 1
    try:
        data = path.read_bytes()
        if suffix == ".jsonl":
            return sum(1 for line in data.splitlines() if line.strip())
        parsed = json.loads(data)
    except (OSError, ValueError):
        return 1  # the ingest itself reports why
    return len(parsed) if isinstance(parsed, list) else 1


def iter_files(paths: list[Path]) -> Iterator[Path]:
    """Files named directly, and the supported files inside named folders (sorted, recursive)."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if (
                    child.is_file()
                    and child.suffix.lower() in SUPPORTED
                    and not child.name.startswith(".")
                    and child.stem.upper() not in _NOT_ARTICLES
                ):
                    yield child
        else:
            yield path
