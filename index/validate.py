"""The rules every front end shares, written once: dates, accepted file types, URL schemes, numeric limits.

Each check raises ``ValueError`` with one sentence a user can act on; the CLI turns it into an argparse error or
stderr line, the bot into an ephemeral reply. Nothing here touches the store or the network.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import PurePath
from urllib.parse import urlsplit

# File types ``ingest`` reads (extract.py dispatches on these; the bot's /ingest accepts the same).
ACCEPTED_SUFFIXES: frozenset[str] = frozenset(
    {".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl"}
)
ACCEPTED_SUFFIXES_TEXT = ".txt .md .markdown .html .htm .json .jsonl"
# Schemes a user may hand us as an article or feed address; everything else is refused before any request.
URL_SCHEMES: frozenset[str] = frozenset({"http", "https"})
MAX_K = 50  # quotes in one answer: more is a reading list, not an answer
MAX_PAGE_K = 10  # quotes on one page of an answer in Discord (/ask, a question in a message)
MAX_QUESTION_CHARS = 1000
MAX_OFFSET = 500  # pages past this are not a search any more; the answer says so instead of an empty page

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def now_iso() -> str:
    """The current UTC time as an ISO timestamp to the second (what the store and feeds record)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def parse_date(value: str, name: str = "date") -> str:
    """A strict ``YYYY-MM-DD`` date (``2004-12-28garbage`` and ``28/12/2004`` are refused)."""
    text = (value or "").strip()
    if not _ISO_DATE.match(text):
        raise ValueError(f"{name} must be a date like 2022-02-05 (got {value!r}).")
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValueError(f"{name} must be a real date like 2022-02-05 (got {value!r}).") from None


def check_date_range(since: str | None, until: str | None) -> None:
    if since and until and since > until:
        raise ValueError(f"since ({since}) is after until ({until}): nothing can match.")


def accepted_file(name: str) -> bool:
    return PurePath(name).suffix.lower() in ACCEPTED_SUFFIXES


def check_file_type(name: str) -> str:
    """The lower-case suffix of ``name`` when Newsdesk can read it; otherwise a sentence naming what it reads."""
    suffix = PurePath(name).suffix.lower()
    if suffix not in ACCEPTED_SUFFIXES:
        raise ValueError(f"{name}: unsupported file type {suffix or '(none)'}; use {ACCEPTED_SUFFIXES_TEXT}.")
    return suffix


def is_url(text: str) -> bool:
    """Whether a user meant ``text`` as a web address (any scheme spelled with ``://``, in any case)."""
    return "://" in text and not text.startswith("file://") and bool(urlsplit(text).scheme)


def check_url_scheme(url: str) -> str:
    """``url`` when its scheme is http or https (case-insensitive); one sentence otherwise."""
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError as exc:
        raise ValueError(f"{url!r} is not a valid URL ({exc}).") from exc
    if scheme not in URL_SCHEMES:
        raise ValueError(f"Refused {url!r}: only http and https URLs can be fetched.")
    return url.strip()


def check_int(value: int, name: str, minimum: int = 0, maximum: int | None = None) -> int:
    """An integer option within bounds (``--offset -5`` or ``-k 0`` get a sentence, not an empty answer)."""
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum} (got {value}).")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum:,} (got {value:,}).")
    return value
