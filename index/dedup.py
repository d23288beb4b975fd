"""Near-duplicate text: the same wire story carried by several outlets with small edits.

The store already folds *exact* copies together (same content hash → ``articles.duplicate_of``). Outlets rarely
republish a wire story byte for byte: they add a byline or a dateline, trim the last paragraph, fix a sentence.
Word 5-gram shingles compared by Jaccard similarity catch those (a changed sentence removes only the handful of
5-grams that overlap it) while two different stories on the same topic share almost no 5-grams, even when they
share many words. Exact sets rather than MinHash: the caller compares one new article against a short list of
candidates (same days, same scope), where exact Jaccard is cheap and has no estimation error.

Pure functions only: no store, no model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

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
