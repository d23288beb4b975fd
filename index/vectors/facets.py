"""Filter fields in memory: which paragraphs a question's filters allow, as a bitmap over paragraph ids.

Why: asking SQL for every allowed paragraph id on every question cost 110-200 ms at 100k paragraphs (the scale
issue's bench) and grows with the corpus; the bot asks every question with a server-scope filter. The FAISS cache
instead keeps, for every paragraph, the code of its article (4 bytes), and for every article its day, scope, outlet
and the article it is a copy of. A filter is then a few numpy comparisons over the articles and one gather over the
paragraphs, handed to FAISS as an ``IDSelectorBitmap`` (the filter runs inside the search) and to the lexical search
as a post-filter. The fields catch up from the store like the vectors do: new paragraphs, tombstones, and the
article change log (schema v4), never a full reload.

The rules are ``Store.filter_sql``'s, exactly (tests compare the two on every kind of filter). SQL compares stored
dates as strings with a YYYY-MM-DD bound, and a stored date may carry a time (``2004-12-29T10:00``), which sorts
after its bare day: so a date is kept as ``2 * YYYYMMDD + (1 if it has a suffix)``, under which ``>=``, ``<=`` and
``<`` against ``2 * bound`` agree with the string comparisons. An undated article passes no date filter; scopes
compare by equality; the outlet case-insensitively (ASCII, as SQLite's ``lower``) on the article or on any of its
syndicated copies. Where a value is outside those rules (a date that does not start YYYY-MM-DD) ``allowed`` says
so and the caller asks SQL instead.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import faiss
import numpy as np

from index.models import Filters

log = logging.getLogger(__name__)

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
UNDATED = -1
ODD_DATE = -2  # a stored date outside YYYY-MM-DD: date filters fall back to SQL while one is stored


class NotExact(Exception):
    """These filters cannot be answered from the fields exactly as SQL would: ask the store."""


def filtered(filters: Filters) -> bool:
    """Whether ``filters`` restrict anything (an empty scope tuple does: it allows nothing)."""
    return (
        bool(filters.source or filters.since or filters.until or filters.as_of) or filters.scopes is not None
    )


def day_of(date: str | None) -> int:
    """A stored date as ``2 * YYYYMMDD``, plus one when a time follows the day (it sorts after the bare day)."""
    if not date:
        return UNDATED
    if not _ISO_DAY.match(date):
        return ODD_DATE
    return 2 * int(date[:10].replace("-", "")) + (len(date) > 10)


def filter_day(value: str) -> int:
    """A filter's bound as SQL uses it (its first ten characters), on the scale of ``day_of``."""
    day = value[:10]
    if len(day) != 10 or not _ISO_DAY.match(day):
        raise NotExact(f"date {value!r}")
    return 2 * int(day.replace("-", ""))


@dataclass
class Allowed:
    """The paragraphs a filter lets through: a boolean mask indexed by paragraph id."""

    mask: np.ndarray
    count: int
    _bits: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def from_ids(cls, ids: np.ndarray) -> Allowed:
        ids = np.asarray(ids, dtype=np.int64)
        mask = np.zeros(int(ids.max()) + 1 if len(ids) else 0, dtype=bool)
        mask[ids] = True
        return cls(mask, int(mask.sum()))

    def contains(self, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64)
        inside = (ids >= 0) & (ids < len(self.mask))
        out = np.zeros(len(ids), dtype=bool)
        out[inside] = self.mask[ids[inside]]
        return out

    def ids(self) -> np.ndarray:
        return np.flatnonzero(self.mask).astype(np.int64)

    def selector(self) -> faiss.IDSelector:
        """A FAISS selector over the mask (bit ``i % 8`` of byte ``i // 8``); valid while this object lives."""
        if self._bits is None:
            self._bits = np.packbits(self.mask, bitorder="little")
        return faiss.IDSelectorBitmap(len(self._bits), faiss.swig_ptr(self._bits))


def _grown(arr: np.ndarray, size: int, fill: int) -> np.ndarray:
    """``arr`` with room for ``size`` entries (capacity doubles, so appending one at a time stays linear)."""
    if size <= len(arr):
        return arr
    out = np.full(max(size, 2 * len(arr), 1024), fill, dtype=arr.dtype)
    out[: len(arr)] = arr
    return out


class Facets:
    """Per-paragraph article codes and per-article filter fields, caught up from the store by the FAISS cache."""

    def __init__(self) -> None:
        self.article_ids: list[str] = []  # code -> article id
        self.codes: dict[str, int] = {}
        self.scopes: dict[str, int] = {}
        self.outlets: dict[str, int] = {}
        self.day = np.zeros(0, dtype=np.int32)
        self.scope = np.zeros(0, dtype=np.int32)
        self.outlet = np.zeros(0, dtype=np.int32)
        self.copy_of = np.zeros(0, dtype=np.int32)  # code of the article this one is a copy of, -1 when none
        self.para = np.zeros(0, dtype=np.int32)  # paragraph id -> article code, -1 when none
        self.change_seq = 0  # the newest article change applied (``article_changes.seq``)
        self.loaded = False  # every article read once (a new cache); after that, changes only

    # -- keeping up with the store ---------------------------------------------------------------------------------
    def _code(self, article_id: str) -> int:
        code = self.codes.get(article_id)
        if code is None:
            code = self.codes[article_id] = len(self.article_ids)
            self.article_ids.append(article_id)
            n = code + 1
            self.day = _grown(self.day, n, UNDATED)
            self.scope = _grown(self.scope, n, -1)
            self.outlet = _grown(self.outlet, n, -1)
            self.copy_of = _grown(self.copy_of, n, -1)
        return code

    def set_articles(self, rows: Iterable[Any], changed: Sequence[str] = ()) -> None:
        """Apply article rows (``Store.article_facet_rows``); ids in ``changed`` without a row were deleted."""
        seen: set[str] = set()
        for row in rows:
            code = self._code(row["id"])
            seen.add(row["id"])
            self.day[code] = day_of(row["date"])
            self.scope[code] = self.scopes.setdefault(row["scope"] or "", len(self.scopes))
            self.outlet[code] = self.outlets.setdefault(row["outlet"] or "", len(self.outlets))
            self.copy_of[code] = self._code(row["duplicate_of"]) if row["duplicate_of"] else -1
        for gone in set(changed) - seen:
            if gone in self.codes:  # matches no filter from now on; its paragraphs are tombstoned anyway
                code = self.codes[gone]
                self.day[code], self.scope[code], self.outlet[code], self.copy_of[code] = UNDATED, -1, -1, -1

    def unknown(self, article_ids: Iterable[str]) -> list[str]:
        return [a for a in dict.fromkeys(article_ids) if a not in self.codes]

    def add_paragraphs(self, ids: np.ndarray, article_ids: Sequence[str]) -> None:
        if not len(ids):
            return
        self.para = _grown(self.para, int(np.max(ids)) + 1, -1)
        self.para[np.asarray(ids, dtype=np.int64)] = [self._code(a) for a in article_ids]

    def drop_paragraphs(self, ids: np.ndarray) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        self.para[ids[ids < len(self.para)]] = -1

    # -- filters -----------------------------------------------------------------------------------------------
    def articles_allowed(self, filters: Filters) -> np.ndarray:
        """Boolean per article code; raises ``NotExact`` where SQL's answer could differ."""
        n = len(self.article_ids)
        ok = np.ones(n, dtype=bool)
        day = self.day[:n]
        dated = day >= 0
        if (filters.since or filters.until or filters.as_of) and (day == ODD_DATE).any():
            raise NotExact("a stored date is not YYYY-MM-DD")
        if filters.since:
            ok &= dated & (day >= filter_day(filters.since))
        if filters.until:
            ok &= dated & (day <= filter_day(filters.until))
        if filters.as_of:
            ok &= dated & (day < filter_day(filters.as_of))
        if filters.scopes is not None:
            wanted = [self.scopes[s] for s in filters.scopes if s in self.scopes]
            ok &= np.isin(self.scope[:n], wanted)
        if filters.source:
            code = self.outlets.get(filters.source.translate(_ASCII_LOWER), -2)
            own = self.outlet[:n] == code
            carried = own.copy()
            copies = self.copy_of[:n][own]
            carried[copies[copies >= 0]] = True
            ok &= carried
        return ok

    def allowed(self, filters: Filters) -> Allowed:
        ok = np.append(self.articles_allowed(filters), False)  # code -1 (no article) lands on the False
        mask = ok[self.para]
        return Allowed(mask, int(np.count_nonzero(mask)))

    # -- persistence (inside the FAISS cache file) --------------------------------------------------------------
    def to_bytes(self) -> bytes:
        n = len(self.article_ids)
        meta = {
            "article_ids": self.article_ids,
            "scopes": list(self.scopes),
            "outlets": list(self.outlets),
            "change_seq": self.change_seq,
            "loaded": self.loaded,
        }
        buf = io.BytesIO()
        np.savez(
            buf,
            meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
            day=self.day[:n],
            scope=self.scope[:n],
            outlet=self.outlet[:n],
            copy_of=self.copy_of[:n],
            para=self.para,
        )
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Facets:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            meta = json.loads(z["meta"].tobytes())
            f = cls()
            f.article_ids = list(meta["article_ids"])
            f.codes = {a: i for i, a in enumerate(f.article_ids)}
            f.scopes = {s: i for i, s in enumerate(meta["scopes"])}
            f.outlets = {s: i for i, s in enumerate(meta["outlets"])}
            f.change_seq, f.loaded = int(meta["change_seq"]), bool(meta["loaded"])
            f.day, f.scope = z["day"].astype(np.int32), z["scope"].astype(np.int32)
            f.outlet, f.copy_of = z["outlet"].astype(np.int32), z["copy_of"].astype(np.int32)
            f.para = z["para"].astype(np.int32)
        n = len(f.article_ids)
        if not (len(f.day) == len(f.scope) == len(f.outlet) == len(f.copy_of) == n):
            raise ValueError("filter fields disagree with their article list")
        return f
