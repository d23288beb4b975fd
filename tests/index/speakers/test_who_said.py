"""Who said what through the facade: aliases resolved, newest first, verbatim offsets, topic, backfill, scopes."""

from __future__ import annotations

from index.models import Filters
from tests.index.test_service import _article

EGELAND_FRONT = {"title": "Egeland on aid", "source": "Relief Wire", "url": "https://relief.example/egeland"}


def _verbatim(desk, statements) -> None:
    stored = desk.store.paragraphs([s.quote.paragraph_id for s in statements])
    checks = desk.store.checksums(list(stored))
    for s in statements:
        para = stored[s.quote.paragraph_id]
        assert para.text[s.quote.start : s.quote.end] == s.quote.text
        assert checks[para.id]


def test_seed_kishida_by_any_of_his_names(seed_desk):
    for asked in ("Kishida", "Fumio Kishida", "Prime Minister Kishida", "kishida"):
        r = seed_desk.quotes_by(asked)
        assert r.speakers == ["Fumio Kishida"], asked
        texts = [s.quote.text for s in r.statements]
        assert len(texts) == 2, (asked, texts)
        assert any('pledged to take "strong action in response to any attack"' in t for t in texts)
        assert any(t.startswith("Kishida told parliament") for t in texts)
        _verbatim(seed_desk, r.statements)
    galuzin = seed_desk.quotes_by("Galuzin")
    assert galuzin.speakers == ["Mikhail Galuzin"] and len(galuzin.statements) == 1
    assert seed_desk.quotes_by("Lasagna Chef").speakers == []


def test_newest_first_and_topic(wikinews_desk):
    r = wikinews_desk.quotes_by("Egeland")
    dates = [s.quote.date for s in r.statements]
    assert dates == sorted(dates, reverse=True) and dates[0] == "2005-01-03" and dates[-1] == "2004-12-31"
    assert {s.phrase for s in r.statements} >= {"Jan Egeland", "He"}  # "He also said" is Egeland's
    _verbatim(wikinews_desk, r.statements)
    about = wikinews_desk.quotes_by("Jan Egeland", about="rich nations stingy contributions")
    assert [s.quote.date for s in about.statements] == ["2004-12-31"]
    assert '"stingy"' in about.statements[0].quote.text and about.statements[0].quote.score > 0
    later = wikinews_desk.quotes_by("Egeland", filters=Filters(since="2005-01-01"))
    assert {s.quote.date for s in later.statements} == {"2005-01-03"}


def test_backfill_then_new_articles_replacements_and_scopes(wikinews_desk, tmp_path):
    store = wikinews_desk.store
    # the tables come with the schema (version 5), empty: never read yet
    assert store.speaker_position() == (0, 0) and not store.query("SELECT 1 FROM speaker_mentions LIMIT 1")
    names = wikinews_desk.speaker_names("ege")
    assert names == []  # autocomplete never reads the corpus itself...
    assert wikinews_desk.speakers_catch_up() == 41  # ...the first catch-up backfills every article
    assert wikinews_desk.speaker_names("ege") == ["Jan Egeland"]
    assert wikinews_desk.speakers_catch_up() == 0  # and then only what is new
    text = "UN relief chief Jan Egeland said on Monday that aid was finally reaching Aceh."
    path = _article(tmp_path, "e.md", text, date="2005-01-10", **EGELAND_FRONT)
    wikinews_desk.ingest_paths([path], scope="111")
    mine = wikinews_desk.quotes_by("Egeland", filters=Filters(scopes=("", "111")))
    assert mine.statements[0].quote.text == text and mine.statements[0].quote.date == "2005-01-10"
    other = wikinews_desk.quotes_by("Egeland", filters=Filters(scopes=("", "222")))
    assert text not in [s.quote.text for s in other.statements]
    # a speaker quoted only in server 111's article is offered to 111 alone
    path = _article(
        tmp_path,
        "o.md",
        "Maria Ostrova said the port was open.",
        date="2005-01-11",
        title="Port",
        source="Relief Wire",
        url="https://relief.example/port",
    )
    wikinews_desk.ingest_paths([path], scope="111")
    wikinews_desk.speakers_catch_up()
    assert wikinews_desk.speaker_names("ostr", scopes=("", "111")) == ["Maria Ostrova"]
    assert wikinews_desk.speaker_names("ostr", scopes=("", "222")) == []
    # the article is replaced: its old statement goes, the new one comes
    new_text = "UN relief chief Jan Egeland said on Tuesday that Aceh still lacked clean water."
    wikinews_desk.ingest_paths(
        [_article(tmp_path, "e.md", new_text, date="2005-01-10", **EGELAND_FRONT)], scope="111"
    )
    after = [s.quote.text for s in wikinews_desk.quotes_by("Egeland").statements]
    assert new_text in after and text not in after
