"""Key quotes: verbatim spans of stored paragraphs, news cues, no repeats, and verification against SQLite."""

from __future__ import annotations

import sqlite3

import numpy as np

from index.briefing import build_briefing
from index.briefing.quotes import MAX_QUOTES, Candidate, choose_quotes, cue_score
from index.briefing.types import ArticleContent
from index.briefing.view import briefing_markdown
from index.models import Paragraph

from .wikinews import TSUNAMI, story_of


def test_quotes_are_verbatim_spans_of_stored_paragraphs(wiki):
    for day in ("2004-12-22", "2004-12-28", "2005-01-03", "2004-11-18"):
        b = build_briefing(wiki, date=day)
        assert b.dropped_unverified == 0
        for s in b.stories:
            assert 1 <= len(s.quotes) <= MAX_QUOTES
            assert s.headline == wiki.store.article(s.lead_article_id).title
            for q in s.quotes:
                para = wiki.store.paragraphs([q.paragraph_id])[q.paragraph_id]
                assert para.text[q.start : q.end] == q.text
                assert q.article_id in s.article_ids


def test_a_paragraph_changed_behind_the_store_loses_its_quote(wikinews_desk):
    """Verification reads SQLite afresh: a paragraph edited outside ingest (its checksum no longer matches) is
    never quoted, and the briefing says a quote was withheld."""
    day, article_id = "2004-12-29", TSUNAMI["2004-12-29"]
    before = story_of(build_briefing(wikinews_desk, date=day), article_id)
    tampered = before.quotes[0]
    conn = sqlite3.connect(wikinews_desk.store.path)
    with conn:
        (text,) = conn.execute("SELECT text FROM paragraphs WHERE id=?", (tampered.paragraph_id,)).fetchone()
        changed = text.replace(tampered.text, tampered.text.replace(" ", "  ", 1))
        assert changed != text
        conn.execute("UPDATE paragraphs SET text=? WHERE id=?", (changed, tampered.paragraph_id))
    conn.close()

    after = build_briefing(wikinews_desk, date=day)
    story = story_of(after, article_id)
    assert tampered.paragraph_id not in {q.paragraph_id for q in story.quotes}
    assert after.dropped_unverified >= 1
    assert [q.text for q in story.quotes] == [q.text for q in before.quotes[1:]]
    assert "1 quote withheld: it no longer matched the stored text." in briefing_markdown(after)


def test_cue_score_prefers_statements_decisions_and_figures():
    said = "The minister said the government would cut fuel taxes by 10 percent from July."
    scene = "It was a cold and quiet morning in the small town by the river, as it often is."
    assert cue_score(said) > cue_score(scene)
    assert cue_score("Read more:") < 0
    # "said" inside a quotation does not name the speaker; the speaker outside it does.
    quoted = '"We said this would happen and it did, to the surprise of absolutely everyone in the room."'
    assert cue_score(quoted) < cue_score(quoted + " the mayor said.")


def _content(cid: str, texts: list[str], vectors: list[list[float]]) -> ArticleContent:
    paras = [Paragraph(i + 1, cid, i + 1, t, [(0, len(t))]) for i, t in enumerate(texts)]
    vecs = np.array(vectors, dtype=np.float32)
    return ArticleContent(cid, paras, vecs, [False] * len(paras), vecs[0], len(paras))


def test_choose_quotes_skips_repeats_and_prefers_what_is_new():
    same = "The council approved the budget on Tuesday, officials said in a statement to reporters."
    a = _content(
        "a", [same, "A different statement about the schools, the mayor said on Wednesday."], [[1, 0], [0, 1]]
    )
    b = _content("b", [same], [[0.6, 0.8]])  # the same wire sentence in another outlet
    cands = [
        Candidate(a, 0, 0, len(same), 1.0, novel=False),
        Candidate(b, 0, 0, len(same), 0.95, novel=True),
        Candidate(a, 1, 0, 60, 0.9, novel=True),
    ]
    assert [(c.content.id, c.row) for c in choose_quotes(cands, developing=False)] == [("a", 0), ("a", 1)]
    # Developing: the first quote is the best *new* one.
    assert (
        choose_quotes(cands, developing=True)[0].content.id,
        choose_quotes(cands, developing=True)[0].row,
    ) == (
        "b",
        0,
    )
    assert choose_quotes([], developing=True) == []
