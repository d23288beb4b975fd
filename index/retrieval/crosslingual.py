"""A question and a passage in different scripts: the lexical signals cannot observe the match, so they are not
counted against the passage.

Why: the hybrid score adds BM25 and the idf-weighted share of the question's terms found in a passage to its
cosine. An English question shares no words with a Russian or Japanese passage, so without this an answer in
another script would lose up to ``W_LEXICAL + W_COVERAGE`` of score to every English passage that merely repeats
the question's words, and be buried however close its meaning. For such a passage the two lexical signals are
*unobserved*, not zero: each is imputed from the only evidence there is, the multilingual encoder's cosine (on the
same 0-1 scale as a normalised BM25 and a coverage share). Same-script pairs (English and French, Russian and
Ukrainian) keep the lexical signals as measured: names and cognates do match there.

The question's script is read from its letters; an article's from its stored language (``index/language.py``;
unknown = Latin, which is what every article was taken to be before languages were stored).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from index.language import script_of_language


class _Rows(Protocol):
    def query_in(self, sql: str, values: Sequence, chunk: int = ...) -> list: ...


def article_scripts(store: _Rows, article_ids: Iterable[str]) -> dict[str, str]:
    """Article id -> the script of its stored language (articles of unknown language are left out: Latin)."""
    rows = store.query_in(
        "SELECT id, language FROM articles WHERE language IS NOT NULL AND id IN ({marks})",
        list(dict.fromkeys(article_ids)),
    )
    return {row[0]: script_of_language(row[1]) for row in rows}


def foreign_ids(
    question_script: str, article_of: dict[int, str], scripts: dict[str, str], pids: Iterable[int]
) -> set[int]:
    """Paragraphs whose article is written in another script than the question (both scripts known)."""
    if question_script in ("none", "other"):
        return set()
    return {
        pid
        for pid in pids
        if (aid := article_of.get(pid)) is not None
        and scripts.get(aid, "latin") not in (question_script, "other")
    }


def imputed(observed: float, cosine: float) -> float:
    """A lexical signal of a foreign-script passage: what it measured, or the cosine when that says more."""
    return max(observed, cosine, 0.0)
