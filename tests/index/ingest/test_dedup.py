"""Near-duplicate detection on real Wikinews text with the edits outlets make to wire copy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.ingest.dedup import find_near_duplicate, shingles, similarity

CORPUS = Path(__file__).resolve().parents[3] / "corpus" / "wikinews" / "articles.jsonl"


@pytest.fixture(scope="module")
def stories() -> list[tuple[str, list[str]]]:
    out = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        out.append((rec["id"], [p for p in rec["text"].split("\n\n") if p.strip()]))
    return out


def _longest(stories, n=1):
    return sorted(stories, key=lambda s: -sum(len(p) for p in s[1]))[:n]


def test_identical_text_is_a_duplicate(stories):
    sid, paras = _longest(stories)[0]
    assert find_near_duplicate(paras, stories) == sid
    assert similarity(paras, paras) == 1.0


def test_byline_and_changed_sentence_still_match(stories):
    sid, paras = _longest(stories)[0]
    edited = ["By Jane Roe, Wire Services"] + list(paras)
    last = edited[-1].split(". ")
    edited[-1] = ". ".join(last[:-1] + ["Officials declined to comment further on Tuesday."])
    edited[1] = edited[1].replace(",", "")  # punctuation differences between outlets do not matter
    assert similarity(edited, paras) >= 0.8
    assert find_near_duplicate(edited, stories) == sid


def test_different_stories_do_not_match(stories):
    for sid, paras in stories[:10]:
        others = [(i, p) for i, p in stories if i != sid]
        assert find_near_duplicate(paras, others) is None


def test_same_topic_different_text_is_not_a_duplicate():
    a = ["The central bank raised interest rates by a quarter point on Tuesday, citing persistent inflation."]
    b = ["Citing persistent inflation, the central bank on Tuesday lifted its key rate by 25 basis points."]
    assert similarity(a, b) < 0.3
    assert find_near_duplicate(a, [("b", b)]) is None


def test_best_candidate_wins_and_ties_go_to_the_first(stories):
    sid, paras = _longest(stories)[0]
    trimmed = paras[:-1] if len(paras) > 3 else paras
    assert find_near_duplicate(paras, [("trimmed", trimmed), ("exact", paras)], threshold=0.5) == "exact"
    assert find_near_duplicate(paras, [("first", paras), ("second", paras)]) == "first"


def test_empty_and_short_texts():
    assert shingles([]) == frozenset()
    assert find_near_duplicate([], [("x", ["anything at all here"])]) is None
    assert find_near_duplicate(["Short note."], [("x", ["Short note."])]) == "x"
    assert find_near_duplicate(["Short note."], [("x", ["Another note."])]) is None


def test_near_duplicate_of_reads_candidates_from_the_store(desk, stories):
    from index.ingest.dedup import near_duplicate_of
    from index.models import ArticleIn

    (sid, paras), (oid, other) = _longest(stories, 2)
    desk.ingest_articles(
        [
            ArticleIn(
                paragraphs=paras,
                title="Wire story",
                source="Morning Post",
                date="2004-12-01",
                url="http://a/1",
            ),
            ArticleIn(
                paragraphs=other, title="Other", source="Morning Post", date="2004-12-01", url="http://a/2"
            ),
        ]
    )
    edited = ["By Evening Star staff"] + paras[:-1] + [paras[-1] + " More to follow."]
    row = near_duplicate_of(desk.store, edited, "2004-12-02", "")
    assert row is not None and row["title"] == "Wire story"
    assert near_duplicate_of(desk.store, edited, "2005-03-01", "") is None  # outside the date window
    assert near_duplicate_of(desk.store, edited, "2004-12-02", "", exclude_id=row["id"]) is None
    assert near_duplicate_of(desk.store, ["Nothing like it at all."], "2004-12-02", "") is None
