"""The tokenizer every lexical signal shares, and BM25 served from the store's FTS5 table."""

from __future__ import annotations

from index.text import tokenize


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


def test_query_keeps_the_rarer_terms_on_a_large_corpus(wikinews_desk, monkeypatch):
    """With the floor lowered, Wikinews stands in for a large corpus: common terms leave the FTS5 query, the
    rarest found term always stays, and a token no paragraph has is never queried."""
    import index.retrieval.lexical as lexical

    lx = wikinews_desk.lexical
    tokens = tokenize(["How many people died in the tsunami near Aceh?"])[0]
    df = lx.store.document_frequencies(tokens)
    assert sorted(lx.query_terms(tokens)) == sorted(t for t in set(tokens) if df.get(t, 0) > 0)  # all kept
    monkeypatch.setattr(lexical, "DF_FLOOR", 0)
    kept = lx.query_terms(tokens)
    assert kept and all(df[t] <= lx.max_df * lx.size() for t in kept[1:])
    assert kept[0] == min((t for t in df if df[t] > 0), key=lambda t: df[t])
    assert "die" not in kept  # stemmed "died": in no paragraph
    lx.max_terms = 1
    assert lx.query_terms(tokens) == kept[:1]
    ids, _ = lx.search(tokens, 5)
    texts = wikinews_desk.store.paragraph_texts(ids.tolist())
    assert ids.size and all(kept[0] in tokenize([texts[int(i)]])[0] for i in ids)


def test_a_broad_filter_is_applied_after_the_query_with_the_same_scores(wikinews_desk):
    """The bot's server scope lets most paragraphs through: post-filtering the unfiltered FTS5 list gives what the
    SQL join gives, scores included."""
    from index.models import Filters

    tokens = tokenize(["tsunami relief aid pledged"])[0]
    f = Filters(as_of="2005-01-05")
    allowed = wikinews_desk.search_index().allowed(f)
    assert allowed is not None and allowed.count > 0.2 * wikinews_desk.lexical.size()
    post = wikinews_desk.lexical.search(tokens, 10, f, allowed)
    joined = wikinews_desk.lexical.search(tokens, 10, f)
    assert post[0].tolist() == joined[0].tolist() and post[1].tolist() == joined[1].tolist()
    assert set(post[0].tolist()) <= set(allowed.ids().tolist())
