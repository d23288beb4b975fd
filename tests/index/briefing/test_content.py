"""Article vectors from stored paragraph vectors: lead-weighted, captions left out, normalised."""

from __future__ import annotations

import numpy as np

from index.briefing.content import article_vector, load_contents
from index.models import Paragraph


def _paras(n: int) -> list[Paragraph]:
    return [Paragraph(i + 1, "a", i + 1, f"paragraph {i + 1}") for i in range(n)]


def test_lead_paragraphs_weigh_more_and_captions_not_at_all():
    vecs = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]], dtype=np.float32)
    v = article_vector(_paras(3), [False, False, False], vecs)
    expected = np.array([1.0, 1 / np.sqrt(2) + 1 / np.sqrt(3)])
    assert np.allclose(v, expected / np.linalg.norm(expected))
    captioned = article_vector(_paras(3), [False, True, True], vecs)
    assert np.allclose(captioned, [1.0, 0.0])
    assert np.isclose(np.linalg.norm(v), 1.0)


def test_only_captions_still_give_a_vector_and_a_zero_mean_gives_none():
    vecs = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    assert np.allclose(article_vector(_paras(2), [True, True], vecs), np.array([1.0, 1.0]) / np.sqrt(2))
    assert article_vector(_paras(2), [False, False], np.zeros((2, 2), np.float32)) is None


def test_contents_read_the_stored_paragraphs_and_vectors(wiki):
    aid = "wikinews-2004-12-29-032"
    contents = load_contents(wiki, [aid, aid, "no-such-article"])
    assert list(contents) == [aid]
    c = contents[aid]
    stored = wiki.store.article_paragraphs(aid)
    assert [p.id for p in c.paragraphs] == [p.id for p in stored]
    assert np.allclose(c.vectors, wiki.search_index().vectors([p.id for p in stored]))
    assert np.isclose(float(np.linalg.norm(c.vector)), 1.0, atol=1e-5)
