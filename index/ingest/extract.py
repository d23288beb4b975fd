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
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from charset_normalizer import from_bytes

from index.ingest.metadata import clean_date, infer_metadata, read_dateline, text_value
from index.ingest.segment import derive_title, normalize, passages, split_headline
from index.messages import say
from index.models import ArticleIn
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
    text, headline = _headline(text, meta)
    article = _build(passages(text), origin, meta, file_date)
    if headline:
        article.inferred["title"] = headline  # read from the text: the ingest report says so
    return article


def _headline(text: str, meta: dict[str, Any]) -> tuple[str, str | None]:
    """The text without its headline line, and the headline when it became the title.

    A title that is the article's own first line is not also its paragraph 1 (it was the top quote for questions
    that repeat the headline). Taken as the title it is a real one (``title_derived`` False), so the lexical index
    reads it with every paragraph, as it does a front-matter title. A title given by front matter wins; a first
    line that only repeats it is dropped. A dateline is never a headline (it dates the lead)."""
    headline, rest = split_headline(text)
    if headline is None or read_dateline(headline) is not None:
        return text, None
    given = text_value(meta.get("title"))
    if given is not None and not meta.get("title_derived"):
        return (rest, None) if given.casefold() == headline.casefold() else (text, None)
    meta["title"], meta["title_derived"] = headline, False
    return rest, headline


def _build(paras: list[str], origin: str, meta: dict[str, Any], file_date: date | None = None) -> ArticleIn:
    if not paras:
        raise ExtractError(say("extract_no_text", origin=origin))
    values, evidence = infer_metadata(paras, meta, file_date)
    title = text_value(meta.get("title"))
    derived = bool(meta.get("title_derived")) or title is None
    if title is None:
        line = read_dateline(paras[0])  # the title is the first sentence, not "TOKYO, Jan. 29 (Kyodo) --"
        lead = paras[0][len(line.text) :].lstrip(" -—–") if line else paras[0]
        title = derive_title([lead or paras[0], *paras[1:]])
        evidence["title"] = ""
    date_raw = meta.get("date") or meta.get("published") or meta.get("published_at") or values.get("date")
    published = text_value(date_raw)
    return ArticleIn(
        paragraphs=paras,
        title=title,
        source=text_value(meta.get("source")) or values.get("source") or "unknown",
        date=clean_date(date_raw),
        published_at=published if published and len(published) > 10 and _DATE.match(published) else None,
        url=text_value(meta.get("url")),
        author=text_value(meta.get("author") or meta.get("authors")),
        external_id=text_value(meta.get("id")),
        origin=origin,
        title_derived=derived,
        inferred=evidence,
        language=_language_value(meta.get("language") or meta.get("lang")),
    )


def _language_value(value: Any) -> str | None:
    """A language the source gives (``ru``, ``uk-UA``, ``JA``) as ISO 639-1; anything else is left to detection."""
    text = text_value(value)
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
