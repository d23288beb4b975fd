"""Files, HTML and JSON records → ``ArticleIn``.

Every failure is an ``ExtractError`` with one sentence a user can act on; the caller records it per file and the
rest of the batch goes on.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from charset_normalizer import from_bytes

from index.models import ArticleIn
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


def decode(data: bytes, name: str) -> str:
    """Bytes → text: UTF-8 (with or without BOM), else a detected encoding; binary data is refused."""
    if not data.strip():
        raise ExtractError(f"{name} is empty.")
    if b"\x00" in data[:8192]:
        raise ExtractError(f"{name} looks like a binary file, not text.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:200_000]).best()
    if best is None or best.encoding is None:
        raise ExtractError(
            f"{name} is not valid UTF-8 and its encoding could not be detected: save it as UTF-8."
        )
    try:
        text = data.decode(best.encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise ExtractError(f"{name} could not be decoded as {best.encoding}: save it as UTF-8.") from exc
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


def article_from_text(text: str, origin: str, meta: dict[str, Any] | None = None) -> ArticleIn:
    """Plain text or Markdown with optional YAML front matter (title, source, date, url, author)."""
    meta = dict(meta or {})
    text = normalize(text)
    match = _FRONT_MATTER.match(text)
    if match:
        try:
            front = yaml.safe_load(match.group(1)) or {}
        except yaml.YAMLError as exc:
            raise ExtractError(f"{origin}: the front matter is not valid YAML ({exc.problem}).") from exc
        if not isinstance(front, dict):
            raise ExtractError(f"{origin}: the front matter must be a mapping of fields.")
        meta = {**front, **{k: v for k, v in meta.items() if v}}
        text = text[match.end() :]
    return _build(passages(text), origin, meta)


def _build(paras: list[str], origin: str, meta: dict[str, Any]) -> ArticleIn:
    if not paras:
        raise ExtractError(f"{origin} has no text to index.")
    title = _text_value(meta.get("title"))
    derived = bool(meta.get("title_derived")) or title is None
    date_raw = meta.get("date") or meta.get("published") or meta.get("published_at")
    published = _text_value(date_raw)
    return ArticleIn(
        paragraphs=paras,
        title=title or derive_title(paras),
        source=_text_value(meta.get("source")) or "unknown",
        date=clean_date(date_raw),
        published_at=published if published and len(published) > 10 and _DATE.match(published) else None,
        url=_text_value(meta.get("url")),
        author=_text_value(meta.get("author") or meta.get("authors")),
        external_id=_text_value(meta.get("id")),
        origin=origin,
        title_derived=derived,
    )


def article_from_record(record: Any, origin: str) -> ArticleIn:
    if not isinstance(record, dict):
        raise ExtractError(
            f"{origin}: a record must be a JSON object with title, source, date, url and text."
        )
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ExtractError(f"{origin}: the record has no 'text' field with article text.")
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
                yield ExtractError(f"{name} line {n} is not valid JSON ({exc.msg})."), f"{name}:{n}"
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExtractError(f"{name} is not valid JSON ({exc.msg} at line {exc.lineno}).") from exc
    items = data if isinstance(data, list) else [data]
    for n, item in enumerate(items, 1):
        yield item, (f"{name}[{n}]" if isinstance(data, list) else name)


def article_from_html(html: str, origin: str, url: str | None = None) -> ArticleIn:
    """trafilatura's main text (paragraph boundaries kept through its XML output) and its metadata."""
    import trafilatura
    from lxml import etree

    xml = trafilatura.extract(
        html, url=url, output_format="xml", with_metadata=True, include_comments=False, include_tables=False
    )
    if not xml:
        raise ExtractError(f"{origin}: no article text could be found in this HTML page.")
    try:
        doc = etree.fromstring(xml.encode("utf-8"))
    except etree.XMLSyntaxError as exc:
        raise ExtractError(f"{origin}: the extracted article could not be read ({exc}).") from exc
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
    return _build(passages("\n\n".join(blocks)), origin, meta)


def articles_from_bytes(
    data: bytes, name: str, meta: dict[str, Any] | None = None
) -> Iterator[ArticleIn | ExtractError]:
    """One file's contents → articles (JSON/JSONL may hold many); per-record errors are yielded, not raised."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED:
        raise ExtractError(
            f"{name}: unsupported file type {suffix or '(none)'}; use {ACCEPTED_SUFFIXES_TEXT}."
        )
    if len(data) > MAX_FILE_BYTES:
        raise ExtractError(
            f"{name} is {len(data) // (1024 * 1024)} MB, over the {MAX_FILE_BYTES // (1024 * 1024)} MB limit."
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
        yield article_from_html(text, name, url=(meta or {}).get("url"))
    else:
        yield article_from_text(text, name, meta)


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
