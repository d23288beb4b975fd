"""Near-duplicate text: the same wire story carried by several outlets with small edits.

The store already folds *exact* copies together (same content hash → ``articles.duplicate_of``). Outlets rarely
republish a wire story byte for byte: they add a byline or a dateline, trim the last paragraph, fix a sentence.
Word 5-gram shingles compared by Jaccard similarity catch those (a changed sentence removes only the handful of
5-grams that overlap it) while two different stories on the same topic share almost no 5-grams, even when they
share many words. Exact sets rather than MinHash: the caller compares one new article against a short list of
candidates (same days, same scope), where exact Jaccard is cheap and has no estimation error.

Pure functions, except ``near_duplicate_of`` at the end, which picks the candidates from the store for the
service (``Newsdesk._store_article`` calls it when the exact content hash finds nothing).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from index.store.articles import Store

_WORD = re.compile(r"\w+", re.UNICODE)
SHINGLE = 5
DEFAULT_THRESHOLD = 0.8


def words(paragraphs: Iterable[str]) -> list[str]:
    """Lower-cased word tokens; punctuation, quotes and spacing differences between outlets disappear."""
    return [w.lower() for p in paragraphs for w in _WORD.findall(p)]


def shingles(paragraphs: Iterable[str], size: int = SHINGLE) -> frozenset[tuple[str, ...]]:
    """The set of word ``size``-grams; a text shorter than ``size`` words is one shingle of all its words."""
    tokens = words(paragraphs)
    if len(tokens) < size:
        return frozenset([tuple(tokens)]) if tokens else frozenset()
    return frozenset(tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1))


def jaccard(a: frozenset, b: frozenset) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def similarity(a: Sequence[str], b: Sequence[str]) -> float:
    """Jaccard similarity of two articles' word 5-gram sets (1.0 = same words in the same order)."""
    return jaccard(shingles(a), shingles(b))


def find_near_duplicate(
    paragraphs: list[str],
    candidates: Iterable[tuple[str, list[str]]],
    threshold: float = DEFAULT_THRESHOLD,
) -> str | None:
    """The id of the candidate most similar to ``paragraphs`` if that similarity is at least ``threshold``.

    ``candidates`` are ``(article_id, paragraphs)`` pairs, typically the canonical (non-duplicate) articles the
    new article's scope can see, published within a few days of it. Ties go to the earlier candidate, so the
    first outlet to carry a story stays its canonical copy.
    """
    mine = shingles(paragraphs)
    if not mine:
        return None
    best_id, best = None, threshold
    for article_id, other in candidates:
        theirs = shingles(other)
        # Jaccard can't reach the threshold when the sizes differ too much; skip the set intersection then.
        small, large = sorted((len(mine), len(theirs)))
        if not large or small / large < threshold:
            continue
        score = jaccard(mine, theirs)
        if score >= best and (best_id is None or score > best):
            best_id, best = article_id, score
    return best_id


# -- store lookup (the one impure helper: the service calls it while storing an article) ----------------------------
def near_duplicate_of(
    store: Store,
    paragraphs: list[str],
    date: str | None,
    scope: str,
    exclude_id: str | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    days: int = 3,
    limit: int = 300,
) -> sqlite3.Row | None:
    """The stored canonical article (an ``articles`` row) that ``paragraphs`` nearly duplicates, else None.

    Candidates: canonical articles ``scope`` can see, dated within ``days`` of ``date`` (or ingested in the last
    ``days`` when the new article has no date), of roughly the same length (a length ratio under 0.6 cannot reach
    a 5-gram Jaccard of 0.8 in practice, so those are not even read). At most ``limit`` of them, oldest first.
    """
    if not paragraphs:
        return None
    size = sum(len(p) for p in paragraphs)
    since = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")
    ids = store.near_duplicate_candidates(scope, exclude_id or "", date, since, days, size, limit)
    if not ids:
        return None
    texts = store.article_texts(ids)
    hit = find_near_duplicate(paragraphs, ((i, texts[i]) for i in ids), threshold)
    if hit is None:
        return None
    return store.article_row(hit)
