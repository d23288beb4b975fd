"""The tokenizer every lexical signal shares, and BM25 served from the store's FTS5 table."""

from __future__ import annotations

from index.lexical import tokenize


def test_demonyms_fold_onto_countries_and_said_onto_say():
    assert tokenize(["Japanese officials said"])[0] == tokenize(["Japan official say"])[0]
    assert "russia" in tokenize(["a Russian invasion"])[0]


def test_stop_and_question_words_carry_no_evidence():
    assert tokenize(["What did the of and"])[0] == []


def test_stemming_matches_inflections():
    assert tokenize(["sanctions"])[0] == tokenize(["sanction"])[0]


def test_lexical_search_ranks_the_rare_term_first(wikinews_desk):
    ids, scores = wikinews_desk.lexical.search(tokenize(["tsunami Aceh death toll"])[0], 5)
    assert len(ids) == 5 and list(scores) == sorted(scores, reverse=True)
    texts = wikinews_desk.store.paragraph_texts(ids.tolist())
    assert any("Aceh" in texts[int(i)] for i in ids[:3])


def test_lexical_index_follows_replacements(desk, tmp_path):
    path = tmp_path / "a.md"
    path.write_text(
        "---\nurl: https://example.org/a\n---\nThe zebra escaped from the zoo.\n", encoding="utf-8"
    )
    desk.ingest_paths([path])
    assert len(desk.lexical.search(tokenize(["zebra"])[0], 5)[0]) == 1
    path.write_text(
        "---\nurl: https://example.org/a\n---\nThe giraffe escaped from the zoo.\n", encoding="utf-8"
    )
    assert desk.ingest_paths([path]).replaced == 1
    assert len(desk.lexical.search(tokenize(["zebra"])[0], 5)[0]) == 0  # the old text is gone from BM25 too
    assert len(desk.lexical.search(tokenize(["giraffe"])[0], 5)[0]) == 1


def test_idf_weights_rare_terms_higher(wikinews_desk):
    w = wikinews_desk.lexical.weights(tokenize(["tsunami Nepal"])[0])
    assert w["nepal"] > w["tsunami"] > 0
